import { z } from 'zod';
import { entrySize, PUT_EVENTS_MAX_BYTES, PUT_EVENTS_MAX_ENTRIES, type BusEvent, type EventSink } from '#shared/events/eventbridge.ts';
import type { Store } from '#shared/store/index.ts';
import { changeSetSchema, type CampaignChangeSet } from './model';
import { unpackJson } from './pack';
import { detailTypeOf, EVENT_SOURCE, OUTBOX_PARTITION } from './publisher';
import { markSent, recordSendFailure } from '#functions/campaign/persistence/outbox.ts';

/**
 * The `orgbridge.campaign` events: one per applied change set, with a
 * detail type per outcome. Consumers dedupe by `detail.changeSetId`
 * (delivery is at least once). docs/campaign.md documents the schema.
 */
export const EVENT_SCHEMA_VERSION = 1;

/** Room for the other fields of an entry: a detail larger than this is sent as a summary. */
const DETAIL_MAX_BYTES = 200 * 1024;

const outboxItemSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  detail: z.string(),
  createdAt: z.number(),
  sentAt: z.number().optional(),
  attempts: z.number().optional(),
});

/** The event for a change set: the whole change set, or (over 200 KB) its summary with counts and `truncated: true`. */
export function eventOf(changeSet: CampaignChangeSet): BusEvent {
  const detailType = detailTypeOf(changeSet);
  const full = JSON.stringify({ version: EVENT_SCHEMA_VERSION, truncated: false, ...changeSet });
  let detail = full;
  if (Buffer.byteLength(full) > DETAIL_MAX_BYTES) {
    const { linksAdded, linksRemoved, usersAdded, usersRemoved, unmatchedProfiles, warnings, campaign, ...rest } = changeSet;
    detail = JSON.stringify({
      version: EVENT_SCHEMA_VERSION,
      truncated: true,
      ...rest,
      counts: {
        linksAdded: linksAdded.length,
        linksRemoved: linksRemoved.length,
        usersAdded: usersAdded.reduce((sum, group) => sum + group.emails.length, 0),
        usersRemoved: usersRemoved.reduce((sum, group) => sum + group.emails.length, 0),
        unmatchedProfiles: unmatchedProfiles.length,
        warnings: warnings.length,
      },
      ...(campaign ? { campaign: { sent: campaign.sent, counts: campaign.counts, ...(campaign.error ? { error: campaign.error } : {}) } } : {}),
    });
  }
  return { source: EVENT_SOURCE, detailType, detail, time: new Date(changeSet.completedAt) };
}

export interface DrainResult {
  sent: number;
  /** Entries EventBridge refused this time: still pending, retried by the next drain. */
  failed: number;
  failures: Array<{ changeSetId: string; errorCode: string }>;
}

/**
 * Sends every pending outbox item to the bus with PutEvents, oldest first,
 * in requests of at most 10 entries and 256 KB, and marks each one sent
 * only after EventBridge accepted it: at least once, never lost. Refused
 * entries stay pending with their attempt count; a request that fails whole
 * throws, and the next drain sends the batch again.
 */
export async function drainOutbox(ports: { store: Store; sink: EventSink; now: () => number }): Promise<DrainResult> {
  const items = (await ports.store.queryAll({ partition: OUTBOX_PARTITION, consistent: true })).map((item) => outboxItemSchema.parse(item));
  const pending = items.filter((item) => item.sentAt === undefined).sort((a, b) => a.createdAt - b.createdAt || (a.sk < b.sk ? -1 : 1));
  const result: DrainResult = { sent: 0, failed: 0, failures: [] };
  const batches: Array<Array<{ item: (typeof pending)[number]; event: BusEvent }>> = [];
  let batch: (typeof batches)[number] = [];
  let bytes = 0;
  for (const item of pending) {
    const event = eventOf(changeSetSchema.parse(unpackJson(item.detail)));
    const size = entrySize(event);
    if (batch.length === PUT_EVENTS_MAX_ENTRIES || (batch.length > 0 && bytes + size > PUT_EVENTS_MAX_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push({ item, event });
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);

  for (const entries of batches) {
    const results = await ports.sink.put(entries.map((entry) => entry.event));
    for (const [index, { item }] of entries.entries()) {
      const outcome = results[index];
      const key = { pk: item.pk, sk: item.sk };
      if (outcome?.ok) {
        await markSent(ports.store, key, outcome.eventId, ports.now());
        result.sent += 1;
      } else {
        const errorCode = outcome?.errorCode ?? 'MissingEntry';
        await recordSendFailure(ports.store, key, errorCode);
        result.failed += 1;
        result.failures.push({ changeSetId: item.sk, errorCode });
      }
    }
  }
  return result;
}
