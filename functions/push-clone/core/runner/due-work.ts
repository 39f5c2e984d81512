import type { Item, Store } from '#shared/store/index.ts';
import { chunks } from '#shared/collections.ts';
import { keys, membershipSchema, type Membership } from '#functions/push-clone/core/model.ts';
import { quarantineUnreadableMemberships } from '#functions/push-clone/core/ingest/quarantine.ts';
import type { WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

/**
 * One pass over the instance's due memberships (gsi1 `PUSH#<munchkinId>#S<n>`,
 * sort key <= now), page by page, one shard of the queue after another. `gsi1sk` starts with `notBefore`, so people
 * whose audience has not started yet are never read.
 *
 * A global secondary index is only eventually consistent: for a moment after
 * a write-back removed a person's queue keys, the index may still list them,
 * and a pass that starts right after the previous one would send their change
 * to Marketo again. So each page is read again from the table with a
 * consistent read, and only memberships the table still queues are returned,
 * as the table has them.
 */
export class DueQueue {
  /** The queue's shards (keys.pendingPartitions), read one after another. */
  private readonly partitions: readonly string[];
  /** The shard being read; the pass is over once it has passed the last. */
  private shard = 0;
  private cursor: Record<string, unknown> | undefined;

  constructor(
    private readonly store: Store,
    munchkinId: string,
    private readonly pageSize: number,
    /** Told how many unreadable items a page set aside (the run's summary counts them). */
    private readonly onQuarantined: (count: number) => void,
  ) {
    this.partitions = keys.pendingPartitions(munchkinId);
  }

  /** The next page, or undefined when the pass has read everything due. */
  async nextPage(now: number): Promise<Membership[] | undefined> {
    if (this.shard >= this.partitions.length) return undefined;
    // Everything whose notBefore is <= now, whatever follows the timestamp.
    const bound = `${new Date(now).toISOString()}#\uffff`;
    const page = await this.store.query({
      index: 'gsi1',
      partition: this.partitions[this.shard] ?? '',
      sortAtMost: bound,
      limit: this.pageSize,
      startKey: this.cursor,
    });
    this.cursor = page.nextKey;
    if (!page.nextKey) this.shard += 1;
    if (page.items.length === 0) return [];
    const memberships: Membership[] = [];
    const unreadable: Item[] = [];
    for (const item of page.items) {
      const parsed = membershipSchema.safeParse(item);
      if (parsed.success) memberships.push(parsed.data);
      else unreadable.push(item);
    }
    // One item that does not read must not stop the instance: set it aside with its reason, go on with the rest.
    if (unreadable.length > 0) {
      await quarantineUnreadableMemberships(this.store, unreadable, now);
      this.onQuarantined(unreadable.length);
    }
    if (memberships.length === 0) return [];
    // The index answers late: re-read each listed membership consistently and keep only what is still due.
    const current = new Map((await this.store.getMany(memberships.map(keyOf), { consistent: true })).map((item) => [`${item.pk}\u0000${item.sk}`, item]));
    return memberships.flatMap((membership) => {
      const key = keyOf(membership);
      const fresh = current.get(`${key.pk}\u0000${key.sk}`);
      const parsed = fresh ? membershipSchema.safeParse(fresh) : undefined;
      return parsed?.success && parsed.data.gsi1pk !== undefined && (parsed.data.gsi1sk ?? '') <= bound ? [parsed.data] : [];
    });
  }
}

const keyOf = (membership: Membership) => keys.membership(membership.destinationId, membership.audienceId, membership.email);

/**
 * Due work held until a Marketo call can be filled: items are bucketed per
 * destination, list and direction, and a bucket goes out when it holds a full
 * call (or the pass ends, or too much is held). Items that need no call go out
 * at once.
 */
export class WorkBuffer {
  private readonly buckets = new Map<string, WorkItem[]>();
  private held = 0;

  get size(): number {
    return this.held;
  }

  add(item: WorkItem): void {
    const key = item.action === 'add' || item.action === 'remove' ? `${item.action}|${item.destination.destinationId}|${item.audience.listId}` : 'no-call';
    const bucket = this.buckets.get(key);
    if (bucket) bucket.push(item);
    else this.buckets.set(key, [item]);
    this.held += 1;
  }

  /** Batches of exactly `size` people per bucket (and every item that needs no call). */
  takeFull(size: number): WorkItem[][] {
    const batches: WorkItem[][] = [];
    for (const [key, bucket] of this.buckets) {
      const ready = key === 'no-call' ? bucket.length : bucket.length - (bucket.length % size);
      if (ready === 0) continue;
      batches.push(...chunks(bucket.splice(0, ready), size));
      this.held -= ready;
      if (bucket.length === 0) this.buckets.delete(key);
    }
    return batches;
  }

  /** Everything held, in batches of at most `size` per bucket. */
  takeAll(size: number): WorkItem[][] {
    const batches = [...this.buckets.values()].flatMap((bucket) => chunks(bucket, size));
    this.buckets.clear();
    this.held = 0;
    return batches;
  }
}
