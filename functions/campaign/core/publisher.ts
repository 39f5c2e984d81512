import { z } from 'zod';
import { ConditionFailedError, type Store } from '#shared/store/index.ts';
import { packJson, unpackJson } from './pack';
import { changeSetSchema, type CampaignChangeSet } from './model';

/**
 * Where applied change sets go for Campaign-side automation. Publishing the
 * same change set twice (a retry after a crash) must deliver it once: an
 * adapter keys on `changeSetId` (the outbox by a conditional put, EventBridge
 * consumers by the event's `id` in the detail).
 */
export interface EventPublisher {
  publish(changeSet: CampaignChangeSet): Promise<void>;
}

export const OUTBOX_PARTITION = 'OUTBOX#campaign';
export const EVENT_SOURCE = 'orgbridge.campaign';

/** One detail type per outcome of an applied change set (docs/campaign.md). */
export const DETAIL_TYPES = {
  applied: 'Campaign Links Applied',
  partially_applied: 'Campaign Links Partially Applied',
  removal_cap_exceeded: 'Campaign Removal Cap Exceeded',
} as const;

export function detailTypeOf(changeSet: CampaignChangeSet): string {
  return DETAIL_TYPES[changeSet.outcome as keyof typeof DETAIL_TYPES] ?? DETAIL_TYPES.applied;
}

const outboxItemSchema = z.object({ sk: z.string(), source: z.string(), detailType: z.string(), detail: z.string(), createdAt: z.number() });

/**
 * The outbox: one item per change set, written once, in the same table as
 * the change set. The `campaign-events` function drains it to the EventBridge
 * bus with PutEvents (core/event-drain.ts), so a sync never waits on the bus
 * and nothing is lost when the bus is unavailable.
 */
export class StoreOutboxPublisher implements EventPublisher {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async publish(changeSet: CampaignChangeSet): Promise<void> {
    try {
      await this.store.putIfAbsent({
        pk: OUTBOX_PARTITION,
        sk: changeSet.changeSetId,
        source: EVENT_SOURCE,
        detailType: detailTypeOf(changeSet),
        // Packed: a change set with thousands of emails must still fit in one item.
        detail: packJson(changeSet),
        createdAt: this.now(),
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  /** Everything in the outbox, oldest first (a consumer's view; used by tests and the local run). */
  async events(): Promise<Array<{ source: string; detailType: string; detail: CampaignChangeSet }>> {
    const items = await this.store.queryAll({ partition: OUTBOX_PARTITION, consistent: true });
    return items
      .map((item) => outboxItemSchema.parse(item))
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((item) => ({ source: item.source, detailType: item.detailType, detail: changeSetSchema.parse(unpackJson(item.detail)) }));
  }
}
