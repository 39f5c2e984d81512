import { UpstreamError } from '#shared/errors.ts';
import { elementParam, faultCodeOf, readSoapResponse, soapRequest, stringParam, type SoapFault } from './soap';
import { XmlError, type XmlElement } from './xml';

/**
 * IMS scopes of a token Campaign accepts from a technical account (Adobe
 * Developer Console, OAuth Server-to-Server credential with the Adobe
 * Campaign API).
 */
export const CAMPAIGN_SCOPES = ['openid', 'AdobeID', 'additional_info.projectedProductContext'];

/** Campaign's "session expired or invalid" code: log on again and retry once. */
const SESSION_EXPIRED = 'XSV-350008';
const TRANSIENT = new Set([502, 503, 504]);

/** Campaign refused a call with a SOAP fault (the request or the data is wrong): not retried. */
export class CampaignFaultError extends UpstreamError {
  /** Campaign's error code (`SOP-330011`, `XSV-350008`), when the fault string starts with one. */
  readonly campaignCode: string | undefined;
  readonly fault: SoapFault;

  constructor(operation: string, fault: SoapFault, code = 'campaign_fault') {
    const detail = fault.detail ? `: ${fault.detail}` : '';
    super(`${operation}: Campaign answered a SOAP fault (${fault.faultstring}${detail}).`, { code });
    this.fault = fault;
    this.campaignCode = faultCodeOf(fault.faultstring);
  }
}

/** Campaign could not be reached, or kept answering 502/503/504 or garbage: retry later. */
export class CampaignUnavailableError extends UpstreamError {
  constructor(operation: string, detail: string, options: { cause?: unknown } = {}) {
    super(`${operation}: Campaign is unavailable (${detail}). Try again later.`, { ...options, code: 'campaign_unavailable' });
  }
}

export interface CampaignClientOptions {
  /** The instance access URL (the external account's callback server); the SOAP router is `<url>/nl/jsp/soaprouter.jsp`. */
  baseUrl: string;
  /** An IMS access token of the account's technical account (scopes CAMPAIGN_SCOPES). */
  token: () => Promise<string>;
  /** Called once when Campaign refuses the bearer token, before one retry with a fresh token. */
  onTokenRejected?: () => void;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Attempts per call on network failures, timeouts and 502/503/504. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A small client of Campaign Classic's SOAP API: logon with an IMS bearer
 * token (`xtk:session#BearerTokenLogon`), then session token (cookie) and
 * security token (header) on every call, as Adobe's "Web service calls"
 * page describes. An expired session (XSV-350008) logs on again once.
 * Every write we send is idempotent (`insertOrUpdate`, `delete`), so a call
 * that timed out is safely sent again.
 */
export class CampaignClient {
  private readonly endpoint: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private session: { session: string; security: string } | undefined;

  constructor(private readonly options: CampaignClientOptions) {
    if (!URL.canParse(options.baseUrl)) throw new TypeError('CampaignClient: baseUrl must be an absolute URL');
    this.endpoint = `${options.baseUrl.replace(/\/+$/, '')}/nl/jsp/soaprouter.jsp`;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** `xtk:queryDef#ExecuteQuery`: the output document of a `<queryDef>`. */
  async query(queryDef: string): Promise<XmlElement> {
    const params = await this.call('xtk:queryDef', 'ExecuteQuery', [elementParam('entity', queryDef)]);
    const output = params.find((param) => param.name === 'pdomOutput')?.children[0];
    if (!output) throw new CampaignUnavailableError('ExecuteQuery', 'the answer had no output document');
    return output;
  }

  /** `xtk:session#WriteCollection`: one `<x-collection xtkschema="...">` document, written in one transaction. */
  async writeCollection(collection: string): Promise<void> {
    await this.call('xtk:session', 'WriteCollection', [elementParam('domDoc', collection)]);
  }

  async logoff(): Promise<void> {
    if (!this.session) return;
    try {
      await this.send('xtk:session', 'Logoff', [], this.session);
    } finally {
      this.session = undefined;
    }
  }

  private async logon(): Promise<{ session: string; security: string }> {
    let retried = false;
    for (;;) {
      const answer = await this.send('xtk:session', 'BearerTokenLogon', [stringParam('bearerToken', await this.options.token())], { session: '', security: '' });
      if (answer.kind === 'response') {
        const session = answer.params.find((param) => param.name === 'pstrSessionToken')?.text.trim();
        const security = answer.params.find((param) => param.name === 'pstrSecurityToken')?.text.trim();
        if (!session || !security) throw new CampaignUnavailableError('BearerTokenLogon', 'the logon answer had no session or security token');
        this.session = { session, security };
        return this.session;
      }
      if (retried || !this.options.onTokenRejected) throw new CampaignFaultError('Logging on to Campaign with the technical account', answer.fault, 'campaign_logon_refused');
      retried = true;
      this.options.onTokenRejected();
    }
  }

  private async call(service: string, method: string, params: string[]): Promise<XmlElement[]> {
    let relogged = false;
    for (;;) {
      const tokens = this.session ?? (await this.logon());
      const answer = await this.send(service, method, params, tokens);
      if (answer.kind === 'response') return answer.params;
      if (faultCodeOf(answer.fault.faultstring) === SESSION_EXPIRED && !relogged) {
        relogged = true;
        this.session = undefined;
        continue;
      }
      throw new CampaignFaultError(`${service}#${method}`, answer.fault);
    }
  }

  private async send(service: string, method: string, params: string[], tokens: { session: string; security: string }) {
    const operation = `${service}#${method}`;
    const attempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      let failure: { detail: string; cause?: unknown };
      try {
        const response = await this.fetchImpl(this.endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'text/xml; charset=utf-8',
            soapaction: operation,
            'x-security-token': tokens.security,
            ...(tokens.session ? { cookie: `__sessiontoken=${tokens.session}` } : {}),
          },
          body: soapRequest(service, method, params, tokens),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
        const text = await response.text();
        if (TRANSIENT.has(response.status)) failure = { detail: `HTTP ${response.status}` };
        else {
          try {
            // Faults come with HTTP 500 (SOAP 1.1); a 500 without a fault envelope is an outage.
            return readSoapResponse(text, method);
          } catch (error) {
            if (!(error instanceof XmlError)) throw error;
            failure = { detail: `HTTP ${response.status} without a SOAP answer`, cause: error };
          }
        }
      } catch (error) {
        if (error instanceof CampaignUnavailableError) throw error;
        failure = { detail: 'no answer or network failure', cause: error };
      }
      if (attempt >= attempts) throw new CampaignUnavailableError(operation, failure.detail, { cause: failure.cause });
      await this.sleep(250 * 2 ** attempt);
    }
  }
}
