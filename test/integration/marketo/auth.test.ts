import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import type { MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { ManualClock } from '#shared/clock.ts';
import { MarketoAuthError, MarketoUnavailableError } from '#shared/marketo/errors.ts';
import { MarketoTokenCache } from '#shared/marketo/token-provider.ts';
import { clientFor, startedSandbox } from './support';

const listId = demo.marketo.staticListId;

async function askToken(sandbox: MarketoSandbox, secret: string = demo.marketo.clientSecret, method = 'GET') {
  const query = new URLSearchParams({ grant_type: 'client_credentials', client_id: demo.marketo.clientId, client_secret: secret });
  return fetch(`${sandbox.identityUrl}/oauth/token?${query.toString()}`, { method });
}

describe('Marketo identity and tokens', () => {
  const clock = new ManualClock(Date.parse('2026-01-15T12:00:00Z'));
  let sandbox: MarketoSandbox;
  beforeAll(async () => {
    sandbox = await startedSandbox({ now: () => clock.now() });
  });
  afterAll(() => sandbox.stop());

  it('hands out the same token until it expires, with its remaining life', async () => {
    const first = (await (await askToken(sandbox)).json()) as { access_token: string; expires_in: number; token_type: string };
    expect(first.token_type).toBe('bearer');
    clock.advance(100_000);
    const second = (await (await askToken(sandbox, undefined, 'POST')).json()) as { access_token: string; expires_in: number };
    expect(second.access_token).toBe(first.access_token);
    expect(second.expires_in).toBe(first.expires_in - 100);
    clock.advance(3_600_000);
    const third = (await (await askToken(sandbox)).json()) as { access_token: string; expires_in: number };
    expect(third.access_token).not.toBe(first.access_token);
    expect(third.expires_in).toBe(3600);
  });

  it('answers wrong client credentials with HTTP 401', async () => {
    expect((await askToken(sandbox, 'wrong-secret')).status).toBe(401);
  });

  it('answers a REST call without a token with 601 and one with an expired token with 602', async () => {
    const missing = (await (await fetch(`${sandbox.baseUrl}/rest/v1/lists/${listId}.json`)).json()) as { success: boolean; errors: unknown[] };
    expect(missing).toMatchObject({ success: false, errors: [{ code: '601' }] });
    const { access_token: token } = (await (await askToken(sandbox)).json()) as { access_token: string };
    clock.advance(3_601_000);
    const expired = await (await fetch(`${sandbox.baseUrl}/rest/v1/lists/${listId}.json`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(expired).toMatchObject({ success: false, errors: [{ code: '602' }] });
  });

  it('reuses one token across calls and clients, and does not count identity calls as REST calls', async () => {
    const tokens = new MarketoTokenCache();
    const before = sandbox.stats();
    const one = clientFor(sandbox, { tokenCache: tokens, now: () => clock.now() });
    const two = clientFor(sandbox, { tokenCache: tokens, now: () => clock.now() });
    await one.getList(listId);
    await one.getList(listId);
    await two.getList(listId);
    expect(one.stats.tokenCalls + two.stats.tokenCalls).toBe(1);
    const after = sandbox.stats();
    expect(after.callsByKind.identity - before.callsByKind.identity).toBe(1);
    expect(after.dailyCalls - before.dailyCalls).toBe(3);
  });

  it('does not hand a cached token to a client that has the client ID but not the secret', async () => {
    const tokens = new MarketoTokenCache();
    const owner = clientFor(sandbox, { tokenCache: tokens, now: () => clock.now() });
    await owner.getList(listId);
    const impostor = clientFor(sandbox, {
      tokenCache: tokens,
      now: () => clock.now(),
      credentials: async () => ({ clientId: demo.marketo.clientId, clientSecret: 'guessed-secret-value' }),
    });
    await expect(impostor.getList(listId)).rejects.toBeInstanceOf(MarketoAuthError);
    expect(impostor.stats.callsByKind.getList).toBe(0);
  });

  it('reads the credentials again after a failed read instead of failing for good', async () => {
    let reads = 0;
    const client = clientFor(sandbox, {
      now: () => clock.now(),
      credentials: async () => {
        reads += 1;
        if (reads === 1) throw new Error('secret store unavailable');
        return { clientId: demo.marketo.clientId, clientSecret: demo.marketo.clientSecret };
      },
    });
    await expect(client.getList(listId)).rejects.toThrow('secret store unavailable');
    await expect(client.getList(listId)).resolves.toMatchObject({ id: listId });
  });

  it('asks for a new token when the cached one runs out, before Marketo has to refuse it', async () => {
    sandbox.revokeTokens();
    const client = clientFor(sandbox, { now: () => clock.now() });
    await client.getList(listId);
    clock.advance(3_591_000);
    await client.getList(listId);
    expect(client.stats).toMatchObject({ tokenCalls: 2, retries: 0 });
    clock.advance(9_000);
    await client.getList(listId);
    expect(client.stats).toMatchObject({ tokenCalls: 3, retries: 0 });
  });

  it('refreshes the token on 602 and retries the call once', async () => {
    const clientClock = new ManualClock(clock.now());
    const client = clientFor(sandbox, { now: () => clientClock.now() });
    await client.getList(listId);
    clock.advance(3_700_000); // the instance sees the token expire; the client's clock lags behind
    await expect(client.getList(listId)).resolves.toMatchObject({ id: listId });
    expect(client.stats).toMatchObject({ tokenCalls: 2, retries: 1 });
  });

  it('refreshes the token on 601 and retries the call once', async () => {
    const client = clientFor(sandbox, { now: () => clock.now() });
    await client.getList(listId);
    sandbox.revokeTokens();
    await expect(client.getList(listId)).resolves.toMatchObject({ id: listId });
    expect(client.stats).toMatchObject({ tokenCalls: 2, retries: 1 });
  });

  it('stops with MarketoAuthError when the identity service refuses the credentials, naming no secret', async () => {
    const client = clientFor(sandbox, { credentials: async () => ({ clientId: demo.marketo.clientId, clientSecret: 'revoked-secret-value' }) });
    const error = await client.getList(listId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MarketoAuthError);
    expect(String((error as Error).message)).not.toContain('revoked-secret-value');
    // the secret store is read once more in case the secret was rotated, then we stop
    expect(client.stats.tokenCalls).toBe(2);
  });

  it('reports an unreachable identity service as unavailable without leaking the secret in the URL', async () => {
    const client = clientFor(sandbox, { identityBaseUrl: 'http://127.0.0.1:9/identity', maxRetries: 1 });
    const error = await client.getList(listId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MarketoUnavailableError);
    const text = `${(error as Error).message} ${String((error as Error).cause)}`;
    expect(text).not.toContain(demo.marketo.clientSecret);
  });
});
