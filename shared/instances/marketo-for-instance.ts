import type { Config } from '#shared/config/index.ts';
import { budgetForInstance, budgetOptionsFromConfig, MarketoClient, type MarketoClientOptions } from '#shared/marketo/index.ts';
import type { SecretStore } from '#shared/secrets/index.ts';
import { instanceSecretName, type MarketoInstance } from './instance-store';

/**
 * An admin waits on setup and pickers behind API Gateway's 30 s limit: a slow
 * Marketo is reported (502, try again) rather than waited out with the
 * runner's patience.
 */
export const INTERACTIVE_MARKETO = { timeoutMs: 8_000, maxRetries: 1, maxThrottleWaits: 1 } as const;

/**
 * The Marketo client of a registered instance: its endpoints, its API user's
 * credentials from the secret store, and the instance's one call budget in
 * this process. Every capability that calls Marketo builds its client here.
 */
export function marketoClientFor(
  instance: MarketoInstance,
  ports: { config: Pick<Config, 'MARKETO_CALLS_PER_WINDOW' | 'MARKETO_WINDOW_SECONDS' | 'MARKETO_MAX_CONCURRENT'>; secrets: SecretStore },
  overrides: Partial<Omit<MarketoClientOptions, 'munchkinId' | 'credentials'>> = {},
): MarketoClient {
  let reads = 0;
  const secretName = instanceSecretName(instance.munchkinId);
  return new MarketoClient({
    munchkinId: instance.munchkinId,
    restBaseUrl: instance.restEndpoint,
    identityBaseUrl: instance.identityEndpoint,
    // The client asks again only after Marketo refused the secret: then bypass any cache, it may have been rotated.
    credentials: async () => ({
      clientId: instance.clientId,
      clientSecret: reads++ === 0 ? await ports.secrets.get(secretName) : await ports.secrets.refresh(secretName),
    }),
    budget: budgetForInstance(instance.munchkinId, budgetOptionsFromConfig(ports.config)),
    ...overrides,
  });
}
