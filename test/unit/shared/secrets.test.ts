import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsSecretStore } from '#shared/secrets/aws-secret-store.ts';
import { FileSecretStore, SecretNotFoundError } from '#shared/secrets/index.ts';

describe('FileSecretStore (local)', () => {
  it('keeps secrets in a file only its owner can read', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'secrets-')), 'nested', 'secrets.json');
    const store = new FileSecretStore(path);
    await store.put('marketo/123-ABC-456/client-secret', 's3cr3t-value');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await store.get('marketo/123-ABC-456/client-secret')).toBe('s3cr3t-value');
  });

  it('loses no secret when many are written at once', async () => {
    const store = new FileSecretStore(join(mkdtempSync(join(tmpdir(), 'secrets-')), 'secrets.json'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(`name-${i}`, `value-${i}-long-enough`)));
    const all = JSON.parse(readFileSync(join(store['path']), 'utf8')) as Record<string, string>;
    expect(Object.keys(all)).toHaveLength(20);
  });

  it('says a missing secret is missing', async () => {
    const store = new FileSecretStore(join(mkdtempSync(join(tmpdir(), 'secrets-')), 'secrets.json'));
    await expect(store.get('absent')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('does not find a secret named like an Object.prototype member that was never stored', async () => {
    const store = new FileSecretStore(join(mkdtempSync(join(tmpdir(), 'secrets-')), 'secrets.json'));
    await store.put('present', 'value-present-long');
    await expect(store.get('constructor')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.get('__proto__')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('keeps accepting writes after one write failed', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'secrets-')), 'secrets.json');
    const store = new FileSecretStore(path);
    const blocker = `${path}.${process.pid}.tmp`;
    mkdirSync(blocker); // the temp file cannot be written while a directory sits at its path
    await expect(store.put('first', 'value-first-long')).rejects.toThrow();
    rmdirSync(blocker);
    await store.put('second', 'value-second-long');
    expect(await store.get('second')).toBe('value-second-long');
  });

  it('refuses names that could escape the prefix or inject', async () => {
    const store = new FileSecretStore(join(mkdtempSync(join(tmpdir(), 'secrets-')), 'secrets.json'));
    await expect(store.put('a b', 'x')).rejects.toThrow(/Invalid secret name/);
  });
});

describe('AwsSecretStore (Secrets Manager)', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  it('reads a secret once per container and prefixes its name', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'orgbridge/prod/a' }).resolves({ SecretString: 'value-a-long-enough' });
    const store = new AwsSecretStore(new SecretsManagerClient({}), 'orgbridge/prod/');
    expect(await store.get('a')).toBe('value-a-long-enough');
    expect(await store.get('a')).toBe('value-a-long-enough');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('rereads on refresh, after a vendor said the credential is wrong', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'old-value-long' }).resolvesOnce({ SecretString: 'rotated-value-long' });
    const store = new AwsSecretStore(new SecretsManagerClient({}), 'p/');
    expect(await store.get('a')).toBe('old-value-long');
    expect(await store.refresh('a')).toBe('rotated-value-long');
    expect(await store.get('a')).toBe('rotated-value-long');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failed read', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: 'value-after-retry' });
    const store = new AwsSecretStore(new SecretsManagerClient({}), 'p/');
    await expect(store.get('a')).rejects.toThrow('throttled');
    expect(await store.get('a')).toBe('value-after-retry');
  });

  it('turns ResourceNotFound into SecretNotFoundError', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    const store = new AwsSecretStore(new SecretsManagerClient({}), 'p/');
    await expect(store.get('a')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('creates a secret that does not exist yet on put', async () => {
    sm.on(PutSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    sm.on(CreateSecretCommand).resolves({});
    const store = new AwsSecretStore(new SecretsManagerClient({}), 'p/');
    await store.put('marketo/x/client-secret', 'new-value-long');
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input).toMatchObject({ Name: 'p/marketo/x/client-secret', SecretString: 'new-value-long' });
    expect(await store.get('marketo/x/client-secret')).toBe('new-value-long');
  });
});
