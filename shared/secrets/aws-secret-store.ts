import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { registerSecretValue } from '#shared/logging/redact.ts';
import { assertSecretName, SecretNotFoundError, type SecretStore } from './secret-store';

export interface AwsSecretStoreOptions {
  /**
   * How long a read value is reused before Secrets Manager is asked again: the
   * bound within which a secret rotated by hand reaches every warm container.
   */
  cacheTtlMs: number;
  now?: () => number;
}

interface CachedValue {
  value: Promise<string>;
  readAt: number;
}

/** Secrets Manager, cached per container for a bounded time (refresh() rereads at once). */
export class AwsSecretStore implements SecretStore {
  private readonly cache = new Map<string, CachedValue>();
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly options: AwsSecretStoreOptions = { cacheTtlMs: 300_000 },
  ) {
    this.now = options.now ?? Date.now;
  }

  get(name: string): Promise<string> {
    try {
      assertSecretName(name);
    } catch (error) {
      return Promise.reject(error);
    }
    const cached = this.cache.get(name);
    if (cached && this.now() - cached.readAt < this.options.cacheTtlMs) return cached.value;
    const entry: CachedValue = { value: this.fetch(name), readAt: this.now() };
    this.cache.set(name, entry);
    // A failed read must not poison the cache.
    entry.value.catch(() => {
      if (this.cache.get(name) === entry) this.cache.delete(name);
    });
    return entry.value;
  }

  refresh(name: string): Promise<string> {
    this.cache.delete(name);
    return this.get(name);
  }

  async put(name: string, value: string): Promise<void> {
    assertSecretName(name);
    registerSecretValue(value);
    const SecretId = this.prefix + name;
    // Loaded at first use, as the client is: a cold start does not pay for the SDK (docs/bench.md, "Module init").
    const { CreateSecretCommand, PutSecretValueCommand, ResourceNotFoundException } = await import('@aws-sdk/client-secrets-manager');
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId, SecretString: value }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.client.send(new CreateSecretCommand({ Name: SecretId, SecretString: value }));
    }
    this.cache.set(name, { value: Promise.resolve(value), readAt: this.now() });
  }

  private async fetch(name: string): Promise<string> {
    const { GetSecretValueCommand, ResourceNotFoundException } = await import('@aws-sdk/client-secrets-manager');
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.prefix + name }));
      if (out.SecretString === undefined) throw new SecretNotFoundError(name);
      registerSecretValue(out.SecretString);
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) throw new SecretNotFoundError(name);
      throw error;
    }
  }
}
