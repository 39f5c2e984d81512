import type { Store } from '#shared/store/index.ts';
import { keys, parkSchema } from '#functions/push-clone/core/model.ts';

/**
 * The one home of "this instance may not call Marketo before `resumeAt`":
 * written when Marketo answers 607 (daily quota spent) or when only the
 * floor left to the customer's other integrations remains
 * (`instance-quota.ts`); read by the dispatcher (no runner is invoked) and by
 * the runner (a run that starts anyway stops before its first call). The item
 * is simply overwritten by a later park and ignored once `resumeAt` passed,
 * so it needs no cleanup.
 */
export async function parkInstance(store: Store, munchkinId: string, resumeAt: string, reason: string): Promise<void> {
  await store.put({ ...keys.park(munchkinId), munchkinId, resumeAt, reason });
}

/** The park's `resumeAt` while the instance may not call Marketo yet, else undefined. */
export async function parkedUntil(store: Store, munchkinId: string, now: number): Promise<string | undefined> {
  const item = await store.get(keys.park(munchkinId));
  const park = item ? parkSchema.safeParse(item) : undefined;
  return park?.success && Date.parse(park.data.resumeAt) > now ? park.data.resumeAt : undefined;
}
