import type { Config } from '#shared/config/index.ts';
import { FileSecretStore } from './file-secret-store';
import type { SecretStore } from './secret-store';

export { type SecretStore, SecretNotFoundError } from './secret-store';
export { FileSecretStore } from './file-secret-store';
export { originsOf, putBoundSecret, readBoundSecret, SecretBoundElsewhereError } from './bound-secret';

export function createSecretStore(
  config: Pick<Config, 'SECRETS_BACKEND' | 'LOCAL_SECRETS_FILE' | 'SECRET_PREFIX' | 'AWS_REGION' | 'SECRET_CACHE_TTL_SECONDS'>,
): SecretStore {
  if (config.SECRETS_BACKEND === 'file') return new FileSecretStore(config.LOCAL_SECRETS_FILE);
  return lazySecretsManager(config.AWS_REGION, config.SECRET_PREFIX, config.SECRET_CACHE_TTL_SECONDS * 1000);
}

/**
 * Secrets Manager, its SDK loaded on the first read rather than at module
 * init: most invocations of a warm container never read a secret (they are
 * cached), and a cold start that does pays the load once, inside the request.
 */
function lazySecretsManager(region: string, prefix: string, cacheTtlMs: number): SecretStore {
  let loading: Promise<SecretStore> | undefined;
  const store = () =>
    (loading ??= Promise.all([import('@aws-sdk/client-secrets-manager'), import('./aws-secret-store')]).then(
      ([sdk, { AwsSecretStore }]) => new AwsSecretStore(new sdk.SecretsManagerClient({ region }), prefix, { cacheTtlMs }),
    ));
  return {
    get: async (name) => (await store()).get(name),
    refresh: async (name) => (await store()).refresh(name),
    put: async (name, value) => (await store()).put(name, value),
  };
}
