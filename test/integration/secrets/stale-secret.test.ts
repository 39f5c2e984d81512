import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { createImsSandbox, type ImsSandbox } from '#local/sandboxes/ims/index.ts';
import { createMarketoSandbox, type MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { createUmapiSandbox, type UmapiSandbox } from '#local/sandboxes/umapi/index.ts';
import { accountInput } from '#test/integration/campaign/world.ts';
import { accountSecretName, saveAccount } from '#functions/campaign/core/accounts.ts';
import { ImsUmapiConnector } from '#functions/campaign/core/umapi-connector.ts';
import { AccountImsClients } from '#functions/campaign/core/account-ims.ts';
import type { CampaignAccount } from '#functions/campaign/core/model.ts';
import { registerInstance } from '#functions/marketo-instances/core/register-instance.ts';
import { ManualClock } from '#shared/clock.ts';
import { parseConfig } from '#shared/config/index.ts';
import { marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import { instanceSecretHosts, instanceSecretName, readInstance, writeInstance } from '#shared/instances/instance-store.ts';
import { MarketoAuthError, MarketoTokenCache } from '#shared/marketo/index.ts';
import { AwsSecretStore } from '#shared/secrets/aws-secret-store.ts';
import { putBoundSecret, SecretBoundElsewhereError } from '#shared/secrets/index.ts';
import type { Store } from '#shared/store/index.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { startMoto, type Moto } from '#test/support/moto.ts';
import { secretsManagerOn } from '#test/support/secrets-manager.ts';

/**
 * The stale-secret attack: a warm container caches an instance's real secret;
 * an admin re-points the instance at their own host and, as the API asks,
 * supplies a junk secret; the warm container must send that host nothing of
 * the old secret (nor a token bought with it). Two containers' worth of
 * secret stores share one Secrets Manager (moto_server) and one table.
 */
const REAL_SECRET = demo.marketo.clientSecret;
const JUNK_SECRET = 'junk-secret-the-attacker-typed';

interface Recorded {
  method: string;
  url: string;
  headers: string;
  body: string;
}

async function startCollector(): Promise<{ url: string; requests: Recorded[]; stop(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: JSON.stringify(req.headers), body });
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, requests, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a secret cached by a warm container is never sent to a host the instance was re-pointed to', () => {
  let moto: Moto;
  let store: Store;
  let marketo: MarketoSandbox;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  const clock = new ManualClock();
  const config = parseConfig({ STAGE: 'local' });
  // Two Lambda containers: the API that registers instances, and the runner that calls Marketo.
  const container = () => ({ config, store, clock, secrets: new AwsSecretStore(secretsManagerOn(moto).client, 'orgbridge/test/', { cacheTtlMs: 300_000, now: () => clock.now() }) });

  beforeAll(async () => {
    moto = await startMoto();
    store = await freshStore('stale-secret');
    marketo = createMarketoSandbox();
    await marketo.start(0);
    collector = await startCollector();
  });
  afterAll(async () => {
    await Promise.all([marketo?.stop(), collector?.stop(), moto?.stop()]);
  });

  const instanceInput = (restEndpoint: string, identityEndpoint: string, clientSecret: string) => ({
    name: 'Attacked instance',
    restEndpoint,
    identityEndpoint,
    clientId: demo.marketo.clientId,
    clientSecret,
    hipaaReady: false,
  });

  async function warmRunner(munchkinId: string) {
    const api = container();
    const runner = container();
    const tokens = new MarketoTokenCache();
    await registerInstance(api, munchkinId, instanceInput(`${marketo.baseUrl}/rest`, marketo.identityUrl, REAL_SECRET), 'admin@example.com');
    const before = await readInstance(store, munchkinId);
    // The runner works for the real instance: the real secret and a real token are now in its caches.
    const list = await marketoClientFor(before!, runner, { tokenCache: tokens, maxRetries: 0, timeoutMs: 2_000 }).getList(demo.marketo.staticListId);
    expect(list.id).toBe(demo.marketo.staticListId);
    return { api, runner, tokens };
  }

  /**
   * An admin re-points the instance with a junk secret. Registration proves the
   * credentials first, and the collector (unlike a host the attacker runs) refuses
   * them, so the API stores nothing; a real attacker's host would answer with a
   * token. This writes what such a registration stores, through the same
   * instance and bound-secret writers, and returns the instance as the runner reads it.
   */
  async function repointAcceptedByAttackerHost(api: ReturnType<typeof container>, munchkinId: string, restEndpoint: string, identityEndpoint: string) {
    await expect(registerInstance(api, munchkinId, instanceInput(restEndpoint, identityEndpoint, JUNK_SECRET), 'attacker@example.com')).rejects.toMatchObject({ code: 'marketo_credentials_rejected' });
    const before = await readInstance(store, munchkinId);
    const repointed = { ...before!, restEndpoint, identityEndpoint };
    await writeInstance(api.store, repointed);
    await putBoundSecret(api.secrets, instanceSecretName(munchkinId), instanceSecretHosts(repointed), JUNK_SECRET);
    return readInstance(store, munchkinId);
  }

  it('identity and REST endpoints re-pointed with a junk secret: the new host gets the junk secret only, and no token', async () => {
    const munchkinId = '111-AAA-111';
    const { api, runner, tokens } = await warmRunner(munchkinId);
    const after = await repointAcceptedByAttackerHost(api, munchkinId, `${collector.url}/rest`, `${collector.url}/identity`);
    const seen = collector.requests.length;
    await expect(marketoClientFor(after!, runner, { tokenCache: tokens, maxRetries: 0, timeoutMs: 2_000 }).getList(demo.marketo.staticListId)).rejects.toBeInstanceOf(MarketoAuthError);
    const received = collector.requests.slice(seen);
    // The check can fail: the new host was reached, with what the attacker typed.
    expect(received.length).toBeGreaterThan(0);
    for (const request of received) {
      const everything = `${request.url} ${request.headers} ${request.body}`;
      expect(everything).not.toContain(REAL_SECRET);
      expect(request.url).toContain(`client_secret=${JUNK_SECRET}`);
      expect(request.headers).not.toMatch(/authorization/i);
      expect(request.url).not.toContain('access_token');
    }
  });

  it('only the REST endpoint re-pointed: the cached token is not sent there', async () => {
    const munchkinId = '222-BBB-222';
    const { api, runner, tokens } = await warmRunner(munchkinId);
    const after = await repointAcceptedByAttackerHost(api, munchkinId, `${collector.url}/rest`, marketo.identityUrl);
    const seen = collector.requests.length;
    // Marketo's identity service refuses the junk secret, so no token exists to send anywhere.
    await expect(marketoClientFor(after!, runner, { tokenCache: tokens, maxRetries: 0, timeoutMs: 2_000 }).getList(demo.marketo.staticListId)).rejects.toBeInstanceOf(MarketoAuthError);
    expect(collector.requests.slice(seen)).toEqual([]);
  });

  it('a secret bound to other hosts than the instance now names is refused, never sent', async () => {
    const munchkinId = '333-CCC-333';
    const { api, runner, tokens } = await warmRunner(munchkinId);
    const before = await readInstance(store, munchkinId);
    // An instance item changed without the secret (written behind the API's back): the binding does not match.
    await api.store.put({ pk: `INSTANCE#${munchkinId}`, sk: 'INSTANCE', type: 'marketo-instance', ...before!, identityEndpoint: `${collector.url}/identity` });
    const seen = collector.requests.length;
    const after = await readInstance(store, munchkinId);
    await expect(marketoClientFor(after!, runner, { tokenCache: tokens, maxRetries: 0, timeoutMs: 2_000 }).getList(demo.marketo.staticListId)).rejects.toBeInstanceOf(SecretBoundElsewhereError);
    expect(collector.requests.slice(seen)).toEqual([]);
  });
});

async function firstPage<T>(pager: AsyncIterable<T>): Promise<T | undefined> {
  for await (const page of pager) return page;
  return undefined;
}

describe('a Campaign account re-pointed at another IMS server never receives the cached secret', () => {
  let moto: Moto;
  let store: Store;
  let ims: ImsSandbox;
  let umapi: UmapiSandbox;
  let imsUrl: string;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  const clock = new ManualClock();

  beforeAll(async () => {
    moto = await startMoto();
    store = await freshStore('stale-secret-campaign');
    ims = createImsSandbox();
    umapi = createUmapiSandbox({ validateToken: (token) => ims.introspect(token) });
    [imsUrl] = await Promise.all([ims.server.start(), umapi.server.start()]);
    collector = await startCollector();
  });
  afterAll(async () => {
    await Promise.all([ims?.server.stop(), umapi?.server.stop(), collector?.stop(), moto?.stop()]);
  });

  it('sends the new IMS server the junk secret only', async () => {
    const secrets = () => new AwsSecretStore(secretsManagerOn(moto).client, 'orgbridge/test/', { cacheTtlMs: 300_000, now: () => clock.now() });
    const api = { config: { STAGE: 'local' }, store, clock, secrets: secrets() };
    const syncSecrets = secrets();
    const outbound = { STAGE: 'local' } as const;
    const connector = new ImsUmapiConnector({ umapiBaseUrl: umapi.apiBaseUrl(), ims: new AccountImsClients({ secrets: syncSecrets, imsTimeoutMs: 2_000, outbound, now: () => clock.now() }), outbound });
    const deadline = () => Date.now() + 60_000;

    const { account: real } = await saveAccount(api, 'acme', accountInput(imsUrl), 'admin@example.com');
    const page = await firstPage(connector.connect(real as CampaignAccount, { deadline }).groups());
    expect(page).toBeDefined();
    expect(await syncSecrets.get(accountSecretName('acme'))).toContain(demo.serverToServerClient.clientSecret);

    const { account: repointed } = await saveAccount(api, 'acme', accountInput(collector.url, { clientSecret: JUNK_SECRET }), 'attacker@example.com');
    const seen = collector.requests.length;
    await expect(firstPage(connector.connect(repointed as CampaignAccount, { deadline }).groups())).rejects.toThrow();
    const received = collector.requests.slice(seen);
    expect(received.length).toBeGreaterThan(0);
    for (const request of received) {
      expect(`${request.url} ${request.headers} ${request.body}`).not.toContain(demo.serverToServerClient.clientSecret);
      expect(`${request.url} ${request.body}`).toContain(JUNK_SECRET);
    }
  });
});
