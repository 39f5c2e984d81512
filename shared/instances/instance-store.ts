import { z } from 'zod';
import type { Store } from '#shared/store/index.ts';

/** A registered Marketo instance. Its API user's client secret lives in the secret store, never here. */
export const marketoInstanceSchema = z.object({
  munchkinId: z.string(),
  name: z.string(),
  /** As Admin > Web Services shows it, e.g. https://123-ABC-456.mktorest.com/rest. */
  restEndpoint: z.string(),
  /** As Admin > Web Services shows it, e.g. https://123-ABC-456.mktorest.com/identity. */
  identityEndpoint: z.string(),
  clientId: z.string(),
  hipaaReady: z.boolean(),
  /** Set for subscriptions onboarded to the Adobe Business Platform / IMS: the org ID is then read-only. */
  onboardedImsOrgId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type MarketoInstance = z.infer<typeof marketoInstanceSchema>;

export const instanceKey = (munchkinId: string) => ({ pk: `INSTANCE#${munchkinId}`, sk: 'INSTANCE' });

/** Where the instance's API-only user's client secret is kept. */
export const instanceSecretName = (munchkinId: string) => `marketo/${munchkinId}/client-secret`;

/**
 * The hosts the instance's secret (and the tokens it buys) may be sent to: the
 * identity endpoint gets the secret, the REST endpoint the access token.
 */
export const instanceSecretHosts = (instance: Pick<MarketoInstance, 'restEndpoint' | 'identityEndpoint'>) => [instance.identityEndpoint, instance.restEndpoint];

export async function readInstance(store: Store, munchkinId: string): Promise<MarketoInstance | undefined> {
  const item = await store.get(instanceKey(munchkinId));
  return item ? marketoInstanceSchema.parse(item) : undefined;
}

export async function writeInstance(store: Store, instance: MarketoInstance): Promise<void> {
  await store.put({ ...instanceKey(instance.munchkinId), type: 'marketo-instance', ...instance });
}
