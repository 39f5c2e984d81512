import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
