import { z } from 'zod';
import type { Item, Store } from '#shared/store/index.ts';
import { keys } from '#functions/push-clone/core/model.ts';
import { dropFromQueue } from '#functions/push-clone/persistence/memberships.ts';

/**
 * Quarantine: what ingest or the runner cannot process is set aside with its
 * reason, and everything else of the instance goes on. One bad record (a
 * `1e300` timestamp from an older inbox item, an item DynamoDB refuses, a
 * membership that no longer reads) must never fail every tick of an instance.
 * Entries are kept 30 days (TTL) and shown in the destination's status; a
 * later genuine activation for the same person folds normally.
 */
export const QUARANTINE_REASONS = ['bad_timestamp', 'store_rejected', 'unreadable_membership', 'unreadable_inbox_item'] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

export const quarantineEntrySchema = z.object({
  destinationId: z.string(),
  audienceId: z.string(),
  /** The person's email, or the item key when no email could be read. */
  subject: z.string(),
  reason: z.enum(QUARANTINE_REASONS),
  /** What went wrong, for a person (never a stack trace). */
  detail: z.string(),
  at: z.string(),
  /** Where it was stopped. */
  stage: z.enum(['ingest', 'runner']),
});
export type QuarantineEntry = z.infer<typeof quarantineEntrySchema>;

const RETENTION_SECONDS = 30 * 24 * 3600;
const DETAIL_CHARS = 300;

export async function quarantine(store: Store, entries: readonly Omit<QuarantineEntry, 'at'>[], nowMs: number): Promise<void> {
  if (entries.length === 0) return;
  const at = new Date(nowMs).toISOString();
  await store.putMany(
    entries.map((entry) => ({
      ...keys.quarantine(entry.destinationId, entry.audienceId, entry.subject),
      type: 'push-quarantine',
      ...entry,
      detail: entry.detail.slice(0, DETAIL_CHARS),
      at,
      expiresAt: Math.floor(nowMs / 1000) + RETENTION_SECONDS,
    })),
  );
}

export interface QuarantineView {
  count: number;
  byReason: Partial<Record<QuarantineReason, number>>;
  /** The first entries (by audience and subject), at most `limit`. */
  entries: QuarantineEntry[];
}

/** A destination's quarantine for its status: counts over the whole partition, the first `limit` entries in full. */
export async function readQuarantine(store: Store, destinationId: string, nowMs: number, limit = 50): Promise<QuarantineView> {
  const view: QuarantineView = { count: 0, byReason: {}, entries: [] };
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await store.query({ partition: keys.quarantinePartition(destinationId), startKey });
    for (const item of page.items) {
      // TTL deletion is lazy: an expired entry is gone for the reader.
      if (typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= nowMs) continue;
      const entry = quarantineEntrySchema.safeParse(item);
      if (!entry.success) continue;
      view.count += 1;
      view.byReason[entry.data.reason] = (view.byReason[entry.data.reason] ?? 0) + 1;
      if (view.entries.length < limit) view.entries.push(entry.data);
    }
    startKey = page.nextKey;
  } while (startKey);
  return view;
}

/**
 * Queue items the runner cannot read as memberships: quarantined, and taken
 * out of the work queue (conditioned on still being the item read), so the
 * next page, and the next tick, go on without them.
 */
export async function quarantineUnreadableMemberships(store: Store, items: readonly Item[], nowMs: number): Promise<void> {
  const entries = items.map((item) => ({
    destinationId: typeof item.destinationId === 'string' ? item.destinationId : 'unknown',
    audienceId: typeof item.audienceId === 'string' ? item.audienceId : 'unknown',
    subject: typeof item.email === 'string' ? item.email : `${item.pk}#${item.sk}`,
    reason: 'unreadable_membership' as const,
    detail: 'the membership item does not hold a readable membership (fields missing or of the wrong kind)',
    stage: 'runner' as const,
  }));
  await quarantine(store, entries, nowMs);
  for (const item of items) await dropFromQueue(store, item);
}
