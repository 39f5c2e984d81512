import { z } from 'zod';
import type { Store } from '#shared/store/index.ts';
import { packJson, unpackJson } from './pack';
import { changeSetSchema, keys, linkItemSchema, type AppliedLink, type CampaignChangeSet } from './model';
import type { EventPublisher } from './publisher';
import { markChangeSetPublished } from '#functions/campaign/persistence/change-sets.ts';

const historyItemSchema = z.object({ pk: z.string(), sk: z.string(), published: z.boolean(), body: z.string() });

/** The links as last applied, one item per operator group. */
export async function readLinks(store: Store, account: string): Promise<AppliedLink[]> {
  const items = await store.queryAll({ partition: keys.partition(account), sortPrefix: 'LINK#', consistent: true });
  return items.map((item) => linkItemSchema.parse(item));
}

/** The last applied change sets, newest first. */
export async function lastChangeSets(store: Store, account: string, limit: number): Promise<CampaignChangeSet[]> {
  const page = await store.query({ partition: keys.partition(account), sortPrefix: 'CHANGESET#', descending: true, limit, consistent: true });
  return page.items.map((item) => changeSetSchema.parse(unpackJson(historyItemSchema.parse(item).body)));
}

/**
 * Applies a change set: the history item first (marked unpublished), then the
 * link items, then the event, then the mark. A crash anywhere leaves either
 * links the next diff completes, or an unpublished history item that the
 * next run publishes (publishing is idempotent by change set ID).
 */
export async function applyChangeSet(store: Store, publisher: EventPublisher, changeSet: CampaignChangeSet, changes: { writes: AppliedLink[]; deletes: string[] }): Promise<void> {
  const key = keys.changeSet(changeSet.account, changeSet.completedAt, changeSet.changeSetId);
  // Packed: a change set naming thousands of users must fit in one item.
  await store.put({ ...key, published: false, body: packJson(changeSet) });
  await store.putMany(changes.writes.map((link) => ({ ...keys.link(changeSet.account, link.operatorGroup), ...link })));
  for (const group of changes.deletes) await store.delete(keys.link(changeSet.account, group));
  await publisher.publish(changeSet);
  await markChangeSetPublished(store, key);
}

/** Publishes change sets a crashed run applied but did not publish (the few newest are enough: runs never overlap). */
export async function publishPending(store: Store, publisher: EventPublisher, account: string): Promise<number> {
  const page = await store.query({ partition: keys.partition(account), sortPrefix: 'CHANGESET#', descending: true, limit: 5, consistent: true });
  let published = 0;
  for (const raw of page.items) {
    const item = historyItemSchema.parse(raw);
    if (item.published) continue;
    await publisher.publish(changeSetSchema.parse(unpackJson(item.body)));
    await markChangeSetPublished(store, item);
    published += 1;
  }
  return published;
}
