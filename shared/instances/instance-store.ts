import { z } from 'zod';
import type { Config } from '#shared/config/index.ts';
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
  /** The instance's daily API quota (Admin > Web Services); the deployment's MARKETO_DAILY_QUOTA when not given (instanceDailyQuota). */
  dailyQuota: z.number().int().positive().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type MarketoInstance = z.infer<typeof marketoInstanceSchema>;

export const instanceKey = (munchkinId: string) => ({ pk: `INSTANCE#${munchkinId}`, sk: 'INSTANCE' });

/** One partition naming every registered instance (`MARKETO_INSTANCES` / `<munchkinId>`), so the console can list them. */
export const INSTANCE_DIRECTORY_PARTITION = 'MARKETO_INSTANCES';
const directoryKey = (munchkinId: string) => ({ pk: INSTANCE_DIRECTORY_PARTITION, sk: munchkinId });

/** Where the instance's API-only user's client secret is kept. */
export const instanceSecretName = (munchkinId: string) => `marketo/${munchkinId}/client-secret`;

/**
 * The instance's daily API quota: the one registered for it, else the
 * deployment's MARKETO_DAILY_QUOTA. The one answer both the push runner's
 * budget (it parks the instance by it) and the status and console use.
 */
export function instanceDailyQuota(instance: Pick<MarketoInstance, 'dailyQuota'> | undefined, config: Pick<Config, 'MARKETO_DAILY_QUOTA'>): number {
  return instance?.dailyQuota ?? config.MARKETO_DAILY_QUOTA;
}

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
  await store.transact([
    { put: { ...instanceKey(instance.munchkinId), type: 'marketo-instance', ...instance } },
    { put: { ...directoryKey(instance.munchkinId), type: 'marketo-instance-directory', munchkinId: instance.munchkinId } },
  ]);
}

/** Every registered instance, by Munchkin ID order. */
export async function listInstances(store: Store): Promise<MarketoInstance[]> {
  const entries = await store.queryAll({ partition: INSTANCE_DIRECTORY_PARTITION });
  const items = await store.getMany(entries.map((entry) => instanceKey(entry.sk)));
  return items.map((item) => marketoInstanceSchema.parse(item)).sort((a, b) => a.munchkinId.localeCompare(b.munchkinId));
}
