import { MAX_RECORDS_PER_CALL, type LeadFieldValue, type MarketoClient, type MarketoReason } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';
import { chunks, forEachLimit, groupBy } from '#shared/collections.ts';
import { canonicalEmail, keys, leadIdItemSchema, type Destination } from '#functions/push-clone/core/model.ts';
import type { WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

/**
 * Lead IDs known for one batch: from the memberships themselves, then from the
 * instance's lead ID cache (`LEADS#<munchkinId>#S<n>`). A person whose ID we know
 * costs no lookup and no upsert.
 */
export class BatchLeadIds {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly munchkinId: string,
    /** Whether IDs Marketo tells us are written to the cache (`cacheIsShared`), or only kept for this batch and its write-back. */
    private readonly persist = true,
  ) {}

  get(email: string): number | undefined {
    return this.ids.get(email);
  }

  /**
   * Reads the cache for the people of `items` whose membership does not carry
   * the ID. With one audience on the instance (`persist` off) nobody writes
   * the cache any more, so additions skip it (a first push reads nothing);
   * removals still look there, for the IDs that bulk imports of earlier
   * versions left only in the cache.
   */
  async load(items: readonly WorkItem[]): Promise<void> {
    const missing = new Set<string>();
    for (const { membership, action } of items) {
      if (membership.leadId !== undefined) this.ids.set(membership.email, membership.leadId);
      else if (!this.ids.has(membership.email) && (this.persist || action === 'remove')) missing.add(membership.email);
    }
    // The cache is sharded by email: one range read per shard that holds enough of the batch.
    const unread: string[] = [];
    for (const emails of groupBy([...missing].sort(), (email) => keys.leadId(this.munchkinId, email).pk).values()) {
      unread.push(...(emails.length >= RANGE_READ_MIN ? await this.readRange(emails) : emails));
    }
    const cached = await this.store.getMany(unread.map((email) => keys.leadId(this.munchkinId, email)), { consistent: false });
    for (const item of cached) {
      const parsed = leadIdItemSchema.safeParse(item);
      if (parsed.success) this.ids.set(item.sk, parsed.data.leadId);
    }
  }

  /**
   * A batch's emails of one cache shard, sorted: one range query of that
   * shard between the first and the last answers them
   * far more cheaply than one read each. Past a read cap (the cache holds many
   * others in that range) the rest is read by key. Returns the emails it
   * could not settle.
   */
  private async readRange(sortedEmails: readonly string[]): Promise<string[]> {
    const first = sortedEmails[0] ?? '';
    const last = sortedEmails[sortedEmails.length - 1] ?? '';
    const wanted = new Set(sortedEmails);
    const partition = keys.leadId(this.munchkinId, first).pk;
    // Starting after a key just below the first email (its prefix) includes the first email itself.
    let startKey: Record<string, unknown> | undefined = first.length > 1 ? { pk: partition, sk: first.slice(0, -1) } : undefined;
    let read = 0;
    let reachedSk = '';
    const cap = Math.max(1_000, 4 * sortedEmails.length);
    do {
      const page = await this.store.query({ partition, sortAtMost: last, startKey, limit: 1_000 });
      for (const item of page.items) {
        read += 1;
        reachedSk = item.sk;
        if (!wanted.has(item.sk)) continue;
        const parsed = leadIdItemSchema.safeParse(item);
        if (parsed.success) this.ids.set(item.sk, parsed.data.leadId);
      }
      startKey = page.nextKey;
      if (startKey && read >= cap) return sortedEmails.filter((email) => email > reachedSk);
    } while (startKey);
    return [];
  }

  /**
   * Caches what Marketo told us, before the list call that uses it: a crash
   * after this never costs the lookup again. Without `persist` the IDs are
   * kept for this batch only; the write-back puts each on its membership.
   */
  async save(found: ReadonlyMap<string, number>, atIso: string): Promise<void> {
    if (!this.persist) {
      for (const [email, leadId] of found) this.ids.set(email, leadId);
      return;
    }
    const items = [...found].map(([email, leadId]) => ({ ...keys.leadId(this.munchkinId, email), email, leadId, at: atIso }));
    // 25 items a BatchWrite; a few in flight, as a batch of 300 would otherwise wait on 12 round trips one by one.
    await forEachLimit(chunks(items, 25), SAVE_CONCURRENCY, (chunk) => this.store.putMany(chunk));
    for (const [email, leadId] of found) this.ids.set(email, leadId);
  }

  /** Marketo says the lead no longer exists (deleted or merged): the next attempt looks it up again. */
  async forget(email: string): Promise<void> {
    this.ids.delete(email);
    await this.store.delete(keys.leadId(this.munchkinId, email));
  }
}

const SAVE_CONCURRENCY = 4;

/**
 * Whether the instance's lead ID cache earns its write. The cache is there for
 * a person met again in another audience of the instance (and for IDs a bulk
 * lead extract learnt, which are written anyway); a person's own membership
 * carries the ID the write-back puts on it. With one live audience on the
 * instance nobody else reads the cache, so a REST first push writes 2 table
 * items a person instead of 3 (docs/scale.md). The price: a run that dies
 * between Sync Leads and its write-back syncs those people again (one call per
 * 300, never a duplicate lead: Sync Leads matches by email).
 */
export function cacheIsShared(destinations: Iterable<Destination>): boolean {
  let audiences = 0;
  for (const destination of destinations) if (!destination.deletion) audiences += destination.audiences.length;
  return audiences > 1;
}

/** Below this many unknown emails, single reads are cheaper than a range query. */
const RANGE_READ_MIN = 8;

export interface Resolution {
  ids: Map<string, number>;
  /** Emails Marketo refused, with its reason (1006 field not found, 1007 several leads match, ...) and message. */
  refused: Map<string, MarketoReason>;
}

/**
 * createMissing: upserts the people (createOrUpdate on email) in 300-record
 * calls, one record per email (the newest qualification's attributes), so no
 * email is ever twice in one call; calls are sequential, so never twice in flight.
 */
export async function upsertLeads(client: MarketoClient, destination: Destination, items: readonly WorkItem[]): Promise<Resolution> {
  const newest = new Map<string, WorkItem>();
  for (const item of items) {
    const seen = newest.get(item.membership.email);
    if (!seen || seen.membership.qualifiedAt < item.membership.qualifiedAt) newest.set(item.membership.email, item);
  }
  const resolution: Resolution = { ids: new Map(), refused: new Map() };
  for (const chunk of chunks([...newest.values()], MAX_RECORDS_PER_CALL)) {
    const input = chunk.map(({ membership }): Record<string, LeadFieldValue> => ({ ...membership.attributes, email: membership.email }));
    const results = await client.syncLeads({
      action: 'createOrUpdate',
      lookupField: 'email',
      input,
      ...(destination.partitionName ? { partitionName: destination.partitionName } : {}),
    });
    results.forEach((result, index) => {
      const email = chunk[index]?.membership.email;
      if (email === undefined) return;
      if (result.status === 'skipped') resolution.refused.set(email, result.reasons[0] ?? { code: 'unspecified', message: '' });
      else resolution.ids.set(email, result.id);
    });
  }
  return resolution;
}

/**
 * matchExistingOnly (and removals whose ID we lost): finds people by email,
 * never creates. When Marketo holds several leads for one email, the oldest
 * (lowest ID) is taken, as a deterministic choice.
 */
export async function findLeadIds(client: MarketoClient, emails: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(emails)];
  const found = new Map<string, number>();
  if (unique.length === 0) return found;
  const wanted = new Set(unique);
  for (const lead of await client.findLeadsByEmail(unique, ['id', 'email'])) {
    if (typeof lead.email !== 'string') continue;
    const email = canonicalEmail(lead.email);
    if (!wanted.has(email)) continue;
    const known = found.get(email);
    if (known === undefined || lead.id < known) found.set(email, lead.id);
  }
  return found;
}
