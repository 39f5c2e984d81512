import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { registerSecretValue } from '#shared/logging/redact.ts';
import { assertSecretName, SecretNotFoundError, type SecretStore } from './secret-store';

/** Secrets Manager, cached for the life of the container (secrets change rarely; refresh() rereads). */
export class AwsSecretStore implements SecretStore {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
  ) {}

  get(name: string): Promise<string> {
    try {
      assertSecretName(name);
    } catch (error) {
      return Promise.reject(error);
    }
    let value = this.cache.get(name);
    if (!value) {
      value = this.fetch(name);
      this.cache.set(name, value);
      // A failed read must not poison the cache.
      value.catch(() => this.cache.delete(name));
    }
    return value;
  }

  refresh(name: string): Promise<string> {
    this.cache.delete(name);
    return this.get(name);
  }

  async put(name: string, value: string): Promise<void> {
    assertSecretName(name);
    registerSecretValue(value);
    const SecretId = this.prefix + name;
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId, SecretString: value }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.client.send(new CreateSecretCommand({ Name: SecretId, SecretString: value }));
    }
    this.cache.set(name, Promise.resolve(value));
  }

  private async fetch(name: string): Promise<string> {
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
