import type { Clock } from '#shared/clock.ts';
import { elementParam, soapFault, soapResponse, stringParam, type SoapFault } from '#shared/campaign/soap.ts';
import { localName, parseXml, xmlElement, XmlError, type XmlElement } from '#shared/campaign/xml.ts';
import { SandboxServer, type SandboxRequest, type SandboxResponse } from '#local/sandboxes/framework.ts';
import { DataError, executeQuery, write } from './data';
import { CampaignInstance, SESSION_TTL_MS, type CampaignOperator } from './instance';
import { seedDemoInstance } from './seed';

export { CampaignInstance } from './instance';
export type { CampaignGroup, CampaignOperator } from './instance';
export { demoCampaign } from './seed';

export const SOAP_ROUTER_PATH = '/nl/jsp/soaprouter.jsp';

export interface CampaignSandboxOptions {
  /** Who an IMS bearer token belongs to (the IMS sandbox's `introspect`); undefined = refused. */
  validateToken: (token: string) => { clientId: string } | undefined | Promise<{ clientId: string } | undefined>;
  clock?: Clock;
  /** Seed the demo operators, groups and technical account (default true) when no saved state is restored. */
  seed?: boolean;
  /** Keep operators, groups and their links in this JSON file across restarts (npm start: `<state dir>/sandboxes/campaign.json`); in memory without it. */
  stateFile?: string;
  sessionTtlMs?: number;
}

export interface CampaignMethodCall {
  method: string;
  /** The fault string when the call was refused. */
  fault?: string;
}

export interface CampaignSandbox {
  server: SandboxServer;
  instance: CampaignInstance;
  /** Every SOAP method called (`xtk:session#Write`, ...), in order; injected faults included. */
  methodCalls: CampaignMethodCall[];
  /** The instance access URL (the external account's callback server). */
  url(): string;
  /** Back to the seeded state (operators, groups, links; sessions ended), for tests that share a sandbox. */
  reset(): void;
}

const SESSION_EXPIRED: SoapFault = { faultcode: 'SOAP-ENV:Client', faultstring: 'XSV-350008 Session has expired or is invalid. Please reconnect.' };

const executionFault = (service: string, method: string, detail: string): SoapFault => ({
  faultcode: 'SOAP-ENV:Server',
  faultstring: `SOP-330011 Error while executing the method '${method}' of service '${service}'.`,
  detail,
});

/**
 * A Campaign Classic instance's SOAP router on loopback, answering as
 * Adobe's docs and Adobe's acc-js-sdk describe Campaign: logon by IMS bearer
 * token (`xtk:session#BearerTokenLogon`) giving a session token and a
 * security token that every later call must carry, `xtk:queryDef#ExecuteQuery`,
 * `xtk:session#Write` / `WriteCollection`, and SOAP faults (HTTP 500) for
 * expired sessions, unknown operators and groups, missing rights and
 * unknown methods.
 */
export function createCampaignSandbox(options: CampaignSandboxOptions): CampaignSandbox {
  const server = new SandboxServer('campaign');
  const now = () => (options.clock ?? Date).now();
  const instance = new CampaignInstance('demo_tenant', now, options.sessionTtlMs ?? SESSION_TTL_MS);
  // A saved instance replaces the seed: the links a sync wrote are still there after a restart, as orgbridge's table says.
  const restored = options.stateFile ? server.persistTo(options.stateFile, instance) : false;
  if (!restored && (options.seed ?? true)) seedDemoInstance(instance);
  server.saveState();
  const methodCalls: CampaignMethodCall[] = [];

  const answer = (name: string, response: SandboxResponse, fault?: SoapFault): SandboxResponse => {
    methodCalls.push({ method: name, ...(fault ? { fault: fault.faultstring } : {}) });
    return response;
  };
  const fault = (name: string, value: SoapFault): SandboxResponse => answer(name, { status: 500, headers: xmlHeaders, body: soapFault(value) }, value);

  server.route('POST', SOAP_ROUTER_PATH, async (request) => {
    let call: SoapCall;
    try {
      call = readCall(request.text());
    } catch (error) {
      if (!(error instanceof XmlError)) throw error;
      return fault('?', { faultcode: 'SOAP-ENV:Client', faultstring: `SOP-330003 Malformed SOAP request: ${error.message}.` });
    }
    const name = `${call.service}#${call.method}`;
    const ok = (params: string[]) => answer(name, { status: 200, headers: xmlHeaders, body: soapResponse(call.service, call.method, params) });
    try {
      if (call.service === 'xtk:session' && call.method === 'BearerTokenLogon') {
        const bearer = call.param('bearerToken')?.text.trim() ?? '';
        const info = bearer ? await options.validateToken(bearer) : undefined;
        const operatorId = info ? instance.technicalAccounts.get(info.clientId) : undefined;
        const operator = operatorId === undefined ? undefined : instance.operators.get(operatorId);
        if (!operator) return fault(name, executionFault(call.service, call.method, 'The IMS bearer token is invalid, expired, or not a technical account of this instance.'));
        const tokens = instance.openSession(operator.id);
        return ok([stringParam('pstrSessionToken', tokens.sessionToken), elementParam('pSessionInfo', sessionInfo(instance, operator)), stringParam('pstrSecurityToken', tokens.securityToken)]);
      }
      if (call.service === 'xtk:session' && call.method === 'Logon') {
        return fault(name, executionFault(call.service, call.method, 'Login and password logon is disabled for this operator: technical accounts log on with an IMS bearer token.'));
      }
      const known = KNOWN_METHODS.has(name);
      if (!known) return fault(name, { faultcode: 'SOAP-ENV:Client', faultstring: `SOP-330006 The method '${call.method}' is not defined in SOAP service '${call.service}'.` });
      const sessionToken = sessionTokenOf(request, call);
      const operator = instance.sessionOperator(sessionToken, securityTokenOf(request, call));
      if (!operator) return fault(name, SESSION_EXPIRED);
      if (call.method === 'Logoff') {
        instance.closeSession(sessionToken);
        return ok([]);
      }
      if (call.method === 'ExecuteQuery') {
        const queryDef = call.param('entity')?.children[0];
        if (!queryDef) return fault(name, executionFault(call.service, call.method, 'The query document (entity) is missing.'));
        return ok([elementParam('pdomOutput', executeQuery(instance, queryDef))]);
      }
      const document = (call.param('domDoc') ?? call.param('doc'))?.children[0];
      if (!document) return fault(name, executionFault(call.service, call.method, 'The document to write (domDoc) is missing.'));
      write(instance, operator, document, call.method === 'WriteCollection');
      return ok([]);
    } catch (error) {
      if (error instanceof DataError) return fault(name, executionFault(call.service, call.method, error.message));
      throw error;
    }
  });

  server
    .defineFault('500', () => ({ status: 500, headers: xmlHeaders, body: soapFault(executionFault('xtk:session', 'Write', 'ODB-240000 ODBC error: could not connect to the database server.')) }))
    .defineFault('503', () => ({ status: 503, headers: { 'content-length': '0' } }))
    .defineFault('session-expired', () => ({ status: 500, headers: xmlHeaders, body: soapFault(SESSION_EXPIRED) }))
    .defineFault('timeout', () => 'hang');

  const reset = () => {
    instance.clear();
    methodCalls.length = 0;
    server.clearFaults();
    if (options.seed ?? true) seedDemoInstance(instance);
    server.saveState();
  };
  return { server, instance, methodCalls, url: () => server.baseUrl, reset };
}

const xmlHeaders = { 'content-type': 'text/xml;charset=utf-8' };

const KNOWN_METHODS = new Set(['xtk:session#Logoff', 'xtk:queryDef#ExecuteQuery', 'xtk:session#Write', 'xtk:session#WriteCollection', 'xtk:persist#Write', 'xtk:persist#WriteCollection']);

interface SoapCall {
  service: string;
  method: string;
  header: XmlElement | undefined;
  param(name: string): XmlElement | undefined;
}

/** The method element's namespace (`urn:xtk:session`) names the service, whatever prefix the caller chose. */
function readCall(text: string): SoapCall {
  const root = parseXml(text);
  if (localName(root.name) !== 'Envelope') throw new XmlError('not a SOAP envelope');
  const body = root.children.find((child) => localName(child.name) === 'Body');
  const method = body?.children[0];
  if (!body || !method) throw new XmlError('no method in the SOAP body');
  const prefix = method.name.includes(':') ? method.name.slice(0, method.name.indexOf(':')) : undefined;
  const declaration = prefix ? `xmlns:${prefix}` : 'xmlns';
  const namespace = [method, body, root].map((element) => element.attributes[declaration]).find((value) => value !== undefined) ?? '';
  if (!namespace.startsWith('urn:')) throw new XmlError(`the method ${method.name} has no urn: namespace`);
  return {
    service: namespace.slice(4),
    method: localName(method.name),
    header: root.children.find((child) => localName(child.name) === 'Header'),
    param: (name) => method.children.find((child) => localName(child.name) === name),
  };
}

/** Campaign takes the session token from the `__sessiontoken` cookie, the X-Session-Token header, or the first parameter. */
function sessionTokenOf(request: SandboxRequest, call: SoapCall): string {
  const cookie = /(?:^|;\s*)__sessiontoken=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
  const headerCookie = call.header?.children.find((child) => localName(child.name) === 'Cookie')?.text;
  const fromHeader = headerCookie ? /__sessiontoken=(.+)/.exec(headerCookie.trim())?.[1] : undefined;
  return cookie ?? request.headers['x-session-token'] ?? fromHeader ?? call.param('sessiontoken')?.text.trim() ?? '';
}

/** The security token travels in the X-Security-Token HTTP header or the SOAP header of the same name. */
function securityTokenOf(request: SandboxRequest, call: SoapCall): string {
  return request.headers['x-security-token'] ?? call.header?.children.find((child) => localName(child.name) === 'X-Security-Token')?.text.trim() ?? '';
}

/** The session info a logon answers (the shape Adobe's acc-js-sdk reads: serverInfo and userInfo). */
function sessionInfo(instance: CampaignInstance, operator: CampaignOperator): string {
  const serverInfo = xmlElement('serverInfo', { buildNumber: '9381', instanceName: instance.instanceName, majNumber: '7', minNumber: '4', servicePack: '1', sessionTimeOut: String(instance.sessionTtlMs / 1000), securityTimeOut: String(instance.sessionTtlMs / 1000) });
  const userInfo = xmlElement(
    'userInfo',
    { login: operator.name, loginId: operator.id, loginCS: operator.label, locale: 'en', timezone: 'UTC' },
    ...operator.rights.map((right) => xmlElement('login-right', { right })),
    xmlElement('installed-package', { name: 'core', namespace: 'nms' }),
  );
  return xmlElement('sessionInfo', {}, serverInfo, userInfo);
}
