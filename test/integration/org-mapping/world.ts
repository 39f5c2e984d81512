import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { demo } from '#local/demo-identities.ts';
import { createImsSandbox, type ImsSandbox } from '#local/sandboxes/ims/index.ts';
import { createUmapiSandbox, type UmapiSandbox } from '#local/sandboxes/umapi/index.ts';
import { handler as apiHandler } from '#functions/org-mapping/handler-api.ts';
import { handler as callbackHandler } from '#functions/org-mapping/handler-callback.ts';
import { writeInstance, instanceSecretName } from '#shared/instances/instance-store.ts';
import { putBoundSecret } from '#shared/secrets/index.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { adminToken, useLocalPorts } from '#test/support/local-ports.ts';
import { signIn } from '#test/integration/ims/sign-in.ts';

export const PUBLIC_BASE_URL = 'http://127.0.0.1:3999';
export const CALLBACK = `${PUBLIC_BASE_URL}/org-mapping/callback`;

export interface OrgMappingWorld {
  ports: Ports;
  ims: ImsSandbox;
  umapi: UmapiSandbox;
  stop(): Promise<void>;
}

/** DynamoDB Local, the IMS and UMAPI sandboxes on loopback, and the handlers pointed at them as npm start points them. */
export async function startOrgMappingWorld(label: string, env: Record<string, string> = {}): Promise<OrgMappingWorld> {
  const ims = createImsSandbox({ redirectUri: CALLBACK, defaultRedirectUri: `${PUBLIC_BASE_URL}/health` });
  const imsUrl = await ims.server.start();
  const umapi = createUmapiSandbox({ validateToken: (token) => ims.introspect(token) });
  await umapi.server.start();
  const ports = await useLocalPorts(label, {
    PUBLIC_BASE_URL,
    IMS_BASE_URL: imsUrl,
    IMS_ISSUER: ims.issuer(),
    IMS_CLIENT_ID: demo.orgbridgeImsClient.clientId,
    UMAPI_BASE_URL: umapi.apiBaseUrl(),
    UMAPI_CLIENT_ID: demo.serverToServerClient.clientId,
    IMS_TIMEOUT_MS: '2000',
    ...env,
  });
  await ports.secrets.put(ports.config.IMS_CLIENT_SECRET_NAME, demo.orgbridgeImsClient.clientSecret);
  await ports.secrets.put(ports.config.UMAPI_CLIENT_SECRET_NAME, demo.serverToServerClient.clientSecret);
  return {
    ports,
    ims,
    umapi,
    stop: async () => {
      await umapi.server.stop();
      await ims.server.stop();
    },
  };
}

export async function registerInstance(ports: Ports, munchkinId: string, flags: { hipaaReady?: boolean; onboardedImsOrgId?: string } = {}): Promise<void> {
  const now = new Date().toISOString();
  await putBoundSecret(ports.secrets, instanceSecretName(munchkinId), ['https://example.mktorest.com'], 'unused-in-these-tests');
  await writeInstance(ports.store, {
    munchkinId,
    name: `Instance ${munchkinId}`,
    restEndpoint: 'https://example.mktorest.com/rest',
    identityEndpoint: 'https://example.mktorest.com/identity',
    clientId: 'client',
    hipaaReady: flags.hipaaReady ?? false,
    onboardedImsOrgId: flags.onboardedImsOrgId,
    createdAt: now,
    updatedAt: now,
    updatedBy: 'test',
  });
}

type Json = Record<string, any>;

/** The admin API as the admin page calls it. */
export async function api(method: 'GET' | 'PUT' | 'POST', munchkinId: string, options: { body?: unknown; email?: string; token?: string; confirm?: boolean } = {}) {
  const path = options.confirm ? `/org-mapping/${munchkinId}/confirm` : `/org-mapping/${munchkinId}`;
  const routeKey = options.confirm ? 'POST /org-mapping/{munchkinId}/confirm' : `${method} /org-mapping/{munchkinId}`;
  const token = options.token ?? (await adminToken({ email: options.email ?? demo.marketo.adminEmail }));
  const response = (await apiHandler(
    apiEvent({ method, path, routeKey, pathParameters: { munchkinId }, headers: { authorization: `Bearer ${token}` }, body: options.body === undefined ? undefined : JSON.stringify(options.body) }),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode ?? 0, body: JSON.parse(response.body ?? '{}') as Json };
}

/** The IMS redirect as the browser delivers it to our callback. */
export async function callback(query: string) {
  const response = (await callbackHandler(apiEvent({ path: `/org-mapping/callback?${query}`, routeKey: 'GET /org-mapping/callback' }), lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const body = response.body ?? '';
  return {
    status: response.statusCode ?? 0,
    headers: (response.headers ?? {}) as Record<string, string>,
    html: body,
    outcome: /data-outcome="([a-z_]+)"/.exec(body)?.[1],
  };
}

/** Edit + OK, Confirm, sign in to Adobe in the popup, and land on the callback. */
export async function mapThroughPopup(munchkinId: string, imsOrgId: string, person: { email: string; password: string }, marketoEmail: string = demo.marketo.adminEmail) {
  const entered = await api('PUT', munchkinId, { body: { imsOrgId }, email: marketoEmail });
  if (entered.status !== 200) throw new Error(`PUT failed: ${JSON.stringify(entered.body)}`);
  const started = await api('POST', munchkinId, { confirm: true, email: marketoEmail });
  if (started.status !== 201) throw new Error(`confirm failed: ${JSON.stringify(started.body)}`);
  const signedIn = await signIn(started.body.authorizeUrl as string, person);
  if (!signedIn.location) throw new Error(`IMS did not redirect (${signedIn.status})`);
  return { started: started.body, redirect: signedIn.location, result: await callback(signedIn.location.search.slice(1)) };
}
