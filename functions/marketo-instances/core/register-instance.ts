import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import type { Config } from '#shared/config/index.ts';
import { BadRequestError, NotFoundError } from '#shared/errors.ts';
import { imsOrgIdSchema, serviceUrlSchema } from '#shared/identifiers.ts';
import { instanceDailyQuota, instanceSecretHosts, instanceSecretName, readInstance, writeInstance, type MarketoInstance } from '#shared/instances/instance-store.ts';
import { INTERACTIVE_MARKETO } from '#shared/instances/marketo-for-instance.ts';
import { budgetForInstance, budgetOptionsFromConfig, MarketoClient, MarketoTokenCache, type MarketoCredentials } from '#shared/marketo/index.ts';
import { assertOutboundAllowed, guardedFetch, type OutboundPolicyConfig } from '#shared/outbound/allowed-hosts.ts';
import { putBoundSecret, readBoundSecret, type SecretStore } from '#shared/secrets/index.ts';
import type { Store } from '#shared/store/index.ts';
import { checkCredentials, type CredentialReport } from './credential-check';

export const instanceInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  restEndpoint: serviceUrlSchema,
  identityEndpoint: serviceUrlSchema,
  clientId: z.string().trim().min(1).max(200),
  /** Required when the instance is first registered; omit it later to keep the stored one. */
  clientSecret: z.string().min(1).max(500).optional(),
  hipaaReady: z.boolean().default(false),
  onboardedImsOrgId: imsOrgIdSchema.optional(),
  /** The instance's daily API quota as Admin > Web Services shows it: the push runner budgets by it, the status shows it (MARKETO_DAILY_QUOTA when omitted). */
  dailyQuota: z.number().int().positive().max(10_000_000).optional(),
});
export type InstanceInput = z.infer<typeof instanceInputSchema>;

/** What a read shows: the instance, and whether a secret is stored (never the secret). */
export type InstanceView = MarketoInstance & { clientSecretStored: true };

export interface InstancePorts {
  config: OutboundPolicyConfig & Pick<Config, 'MARKETO_CALLS_PER_WINDOW' | 'MARKETO_WINDOW_SECONDS' | 'MARKETO_MAX_CONCURRENT' | 'MARKETO_DAILY_QUOTA' | 'MARKETO_DAILY_FLOOR'>;
  store: Store;
  secrets: SecretStore;
  clock: Clock;
}

/** The client that proves credentials not saved yet; tests and the local seed may pass their own. */
export type CredentialClientFactory = (target: { munchkinId: string; restEndpoint: string; identityEndpoint: string }, credentials: MarketoCredentials) => MarketoClient;

export function credentialClient(ports: Pick<InstancePorts, 'config'>): CredentialClientFactory {
  return (target, credentials) =>
    new MarketoClient({
      munchkinId: target.munchkinId,
      restBaseUrl: target.restEndpoint,
      identityBaseUrl: target.identityEndpoint,
      credentials: async () => credentials,
      budget: budgetForInstance(target.munchkinId, budgetOptionsFromConfig(ports.config)),
      // A token of its own: a cached one would prove nothing about the secret given now.
      tokenCache: new MarketoTokenCache(),
      // Checked again on every host at call time, as every instance client is.
      fetch: guardedFetch('marketo', ports.config),
      ...INTERACTIVE_MARKETO,
    });
}

/** Creates or replaces an instance registration; the secret goes to the secret store first. */
export async function registerInstance(
  ports: InstancePorts,
  munchkinId: string,
  input: InstanceInput,
  actor: string,
  clientFor: CredentialClientFactory = credentialClient(ports),
): Promise<{ instance: InstanceView; created: boolean; checks: CredentialReport; warnings: string[] }> {
  // The endpoints receive the API user's secret: only Marketo's hosts (or the deployment's own), never an internal address.
  await assertOutboundAllowed(input.identityEndpoint, 'marketo', ports.config);
  await assertOutboundAllowed(input.restEndpoint, 'marketo', ports.config);
  const existing = await readInstance(ports.store, munchkinId);
  if (!existing && input.clientSecret === undefined) {
    throw new BadRequestError(`Instance ${munchkinId} is new: give the API-only user's client secret (Admin > LaunchPoint > View Details).`, { code: 'client_secret_required' });
  }
  // The stored secret is sent to the identity endpoint: re-pointing the endpoints (or the client ID) without
  // giving the secret again would let anyone allowed to edit the instance send it to a host of their choosing.
  if (existing && input.clientSecret === undefined && credentialTargetChanged(existing, input)) {
    throw new BadRequestError(
      `Changing the REST or identity endpoint or the client ID of instance ${munchkinId} needs the client secret again (Admin > LaunchPoint > View Details).`,
      { code: 'client_secret_required' },
    );
  }
  // Proven before anything is written: a wrong secret or endpoint is refused, not stored.
  // Without a new secret the endpoints are unchanged (checked above), so the stored one is bound to these hosts.
  const clientSecret = input.clientSecret ?? (await readBoundSecret(ports.secrets, instanceSecretName(munchkinId), instanceSecretHosts(input), { fresh: true }));
  const { report, warnings } = await checkCredentials(clientFor({ munchkinId, restEndpoint: input.restEndpoint, identityEndpoint: input.identityEndpoint }, { clientId: input.clientId, clientSecret }), munchkinId);
  // Secret first: an instance item must never point at a secret that was not written.
  if (input.clientSecret !== undefined) {
    await putBoundSecret(ports.secrets, instanceSecretName(munchkinId), instanceSecretHosts(input), input.clientSecret);
  }
  const now = new Date(ports.clock.now()).toISOString();
  const instance: MarketoInstance = {
    munchkinId,
    name: input.name,
    restEndpoint: input.restEndpoint,
    identityEndpoint: input.identityEndpoint,
    clientId: input.clientId,
    hipaaReady: input.hipaaReady,
    onboardedImsOrgId: input.onboardedImsOrgId,
    dailyQuota: input.dailyQuota,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    updatedBy: actor,
  };
  await writeInstance(ports.store, instance);
  return { instance: { ...instance, clientSecretStored: true }, created: !existing, checks: report, warnings: [...warnings, ...quotaWarnings(instance, ports.config)] };
}

/** A quota the floor eats whole would leave the push runner parked every day: say so when it is registered. */
function quotaWarnings(instance: MarketoInstance, config: Pick<Config, 'MARKETO_DAILY_QUOTA' | 'MARKETO_DAILY_FLOOR'>): string[] {
  const quota = instanceDailyQuota(instance, config);
  if (quota > config.MARKETO_DAILY_FLOOR) return [];
  return [
    `The daily quota of instance ${instance.munchkinId} (${quota} calls) is not above MARKETO_DAILY_FLOOR (${config.MARKETO_DAILY_FLOOR} calls kept for its other integrations): push clone will never call it. Register the instance's real quota, or lower MARKETO_DAILY_FLOOR.`,
  ];
}

function credentialTargetChanged(existing: MarketoInstance, input: InstanceInput): boolean {
  return existing.restEndpoint !== input.restEndpoint || existing.identityEndpoint !== input.identityEndpoint || existing.clientId !== input.clientId;
}

export async function getInstance(store: Store, munchkinId: string): Promise<InstanceView> {
  const instance = await readInstance(store, munchkinId);
  if (!instance) throw new NotFoundError(`Marketo instance ${munchkinId} is not registered: register it with PUT /marketo/instances/${munchkinId}.`, { code: 'instance_not_found' });
  return { ...instance, clientSecretStored: true };
}
