import type { Config } from '#shared/config/index.ts';
import { budgetForInstance, budgetOptionsFromConfig, MarketoClient, type MarketoClientOptions } from '#shared/marketo/index.ts';
import { guardedFetch } from '#shared/outbound/allowed-hosts.ts';
import { readBoundSecret, type SecretStore } from '#shared/secrets/index.ts';
import { instanceSecretHosts, instanceSecretName, type MarketoInstance } from './instance-store';

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
  ports: { config: Pick<Config, 'MARKETO_CALLS_PER_WINDOW' | 'MARKETO_WINDOW_SECONDS' | 'MARKETO_MAX_CONCURRENT' | 'STAGE' | 'OUTBOUND_ALLOWED_HOSTS'>; secrets: SecretStore },
  overrides: Partial<Omit<MarketoClientOptions, 'munchkinId' | 'credentials'>> = {},
): MarketoClient {
  let reads = 0;
  const secretName = instanceSecretName(instance.munchkinId);
  const hosts = instanceSecretHosts(instance);
  return new MarketoClient({
    munchkinId: instance.munchkinId,
    restBaseUrl: instance.restEndpoint,
    identityBaseUrl: instance.identityEndpoint,
    // The client asks again only after Marketo refused the secret: then bypass any cache, it may have been rotated.
    // The secret is handed out only for the endpoints it was given with (a re-pointed instance gets none of it).
    credentials: async () => ({
      clientId: instance.clientId,
      clientSecret: await readBoundSecret(ports.secrets, secretName, hosts, { fresh: reads++ > 0 }),
    }),
    budget: budgetForInstance(instance.munchkinId, budgetOptionsFromConfig(ports.config)),
    // Checked again on every host at call time: the item may predate the allow-list, or the name may resolve elsewhere now.
    fetch: guardedFetch('marketo', ports.config, overrides.fetch),
    ...overrides,
  });
}
