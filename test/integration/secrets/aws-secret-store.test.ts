import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import { AwsSecretStore } from '#shared/secrets/aws-secret-store.ts';
import { SecretNotFoundError } from '#shared/secrets/index.ts';
import { startMoto, type Moto } from '#test/support/moto.ts';
import { secretsManagerOn } from '#test/support/secrets-manager.ts';

/** The Secrets Manager adapter against moto_server: the real SDK, the real wire protocol. */
describe('AwsSecretStore (Secrets Manager on moto_server)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  /** One secret in Secrets Manager, and a caching store over it whose cache lifetime runs on a clock the test moves. */
  async function cachedStoreWith(secret: { prefix: string; name: string; value: string; cacheTtlMs: number }) {
    const { client, reads } = secretsManagerOn(moto);
    await client.send(new CreateSecretCommand({ Name: `${secret.prefix}${secret.name}`, SecretString: secret.value }));
    const clock = new ManualClock();
    const store = new AwsSecretStore(client, secret.prefix, { cacheTtlMs: secret.cacheTtlMs, now: () => clock.now() });
    return { client, store, clock, reads };
  }

  it('reads a secret once within the cache lifetime, under the deployment prefix', async () => {
    const { store, clock, reads } = await cachedStoreWith({ prefix: 'orgbridge/prod/', name: 'a', value: 'value-a-long-enough', cacheTtlMs: 60_000 });
    expect(await store.get('a')).toBe('value-a-long-enough');
    clock.advance(59_999);
    expect(await store.get('a')).toBe('value-a-long-enough');
    expect(reads()).toBe(1);
  });

  it('takes a secret rotated by hand into use once the cache lifetime has passed, without a redeploy', async () => {
    const { client, store, clock, reads } = await cachedStoreWith({ prefix: 'p/', name: 'rotated', value: 'before-rotation-value', cacheTtlMs: 300_000 });
    expect(await store.get('rotated')).toBe('before-rotation-value');
    await client.send(new PutSecretValueCommand({ SecretId: 'p/rotated', SecretString: 'after-rotation-value' }));
    clock.advance(299_999);
    expect(await store.get('rotated')).toBe('before-rotation-value');
    clock.advance(1);
    expect(await store.get('rotated')).toBe('after-rotation-value');
    expect(reads()).toBe(2);
  });

  it('rereads on refresh, after a vendor said the credential is wrong', async () => {
    const { client, reads } = secretsManagerOn(moto);
    await client.send(new CreateSecretCommand({ Name: 'p/refreshed', SecretString: 'old-value-long' }));
    const store = new AwsSecretStore(client, 'p/', { cacheTtlMs: 300_000 });
    expect(await store.get('refreshed')).toBe('old-value-long');
    await client.send(new PutSecretValueCommand({ SecretId: 'p/refreshed', SecretString: 'rotated-value-long' }));
    expect(await store.get('refreshed')).toBe('old-value-long');
    expect(await store.refresh('refreshed')).toBe('rotated-value-long');
    expect(await store.get('refreshed')).toBe('rotated-value-long');
    expect(reads()).toBe(2);
  });

  it('says a missing secret is missing, and does not remember that once it exists', async () => {
    const { client } = secretsManagerOn(moto);
    const store = new AwsSecretStore(client, 'p/', { cacheTtlMs: 300_000 });
    await expect(store.get('late')).rejects.toBeInstanceOf(SecretNotFoundError);
    await client.send(new CreateSecretCommand({ Name: 'p/late', SecretString: 'created-later-value' }));
    expect(await store.get('late')).toBe('created-later-value');
  });

  it('creates a secret that does not exist yet on put, and replaces it on the next put', async () => {
    const { client } = secretsManagerOn(moto);
    const store = new AwsSecretStore(client, 'p/', { cacheTtlMs: 300_000 });
    await store.put('marketo/x/client-secret', 'first-value-long');
    await store.put('marketo/x/client-secret', 'second-value-long');
    const stored = await client.send(new GetSecretValueCommand({ SecretId: 'p/marketo/x/client-secret' }));
    expect(stored.SecretString).toBe('second-value-long');
    expect(await store.get('marketo/x/client-secret')).toBe('second-value-long');
  });

  it('refuses names Secrets Manager would not take, before any call', async () => {
    const { client, reads } = secretsManagerOn(moto);
    const store = new AwsSecretStore(client, 'p/', { cacheTtlMs: 300_000 });
    await expect(store.get('a b')).rejects.toThrow(/Invalid secret name/);
    expect(reads()).toBe(0);
  });
});
