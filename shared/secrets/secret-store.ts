/**
 * Where secrets live: AWS Secrets Manager in the cloud, a 0600 file locally.
 * Names are relative (e.g. `marketo/123-ABC-456/client-secret`); each adapter
 * adds the deployment's prefix. Values never leave through logs or responses.
 */
export interface SecretStore {
  /** The secret's value; throws SecretNotFoundError when it does not exist. */
  get(name: string): Promise<string>;
  /** Forgets any cached value, so the next get reads the store (after a vendor said "auth failed"). */
  refresh(name: string): Promise<string>;
  /** Creates or replaces the secret. */
  put(name: string, value: string): Promise<void>;
}

export class SecretNotFoundError extends Error {
  constructor(readonly secretName: string) {
    super(`Secret ${secretName} does not exist`);
    this.name = 'SecretNotFoundError';
  }
}

export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,200}$/;

export function assertSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) throw new Error(`Invalid secret name: ${JSON.stringify(name)}`);
}
