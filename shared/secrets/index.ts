import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '#shared/config/index.ts';
import { AwsSecretStore } from './aws-secret-store';
import { FileSecretStore } from './file-secret-store';
import type { SecretStore } from './secret-store';

export { type SecretStore, SecretNotFoundError } from './secret-store';
export { AwsSecretStore, type AwsSecretStoreOptions } from './aws-secret-store';
export { FileSecretStore } from './file-secret-store';
export { originsOf, putBoundSecret, readBoundSecret, SecretBoundElsewhereError } from './bound-secret';

export function createSecretStore(
  config: Pick<Config, 'SECRETS_BACKEND' | 'LOCAL_SECRETS_FILE' | 'SECRET_PREFIX' | 'AWS_REGION' | 'SECRET_CACHE_TTL_SECONDS'>,
): SecretStore {
  if (config.SECRETS_BACKEND === 'file') return new FileSecretStore(config.LOCAL_SECRETS_FILE);
  return new AwsSecretStore(new SecretsManagerClient({ region: config.AWS_REGION }), config.SECRET_PREFIX, { cacheTtlMs: config.SECRET_CACHE_TTL_SECONDS * 1000 });
}
