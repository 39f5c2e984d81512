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
  /** The instance's daily API quota (Admin > Web Services); Marketo's common default when not given. */
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

/** Marketo's most common daily API quota, shown when an instance's own is not registered. */
export const DEFAULT_DAILY_QUOTA = 50_000;

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
