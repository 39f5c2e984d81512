import type { Clock } from '#shared/clock.ts';
import type { Store } from '#shared/store/index.ts';
import { forEachLimit } from '#shared/collections.ts';
import { keys, membershipSchema, SKIPPED_FIELD_PREFIX, type Destination, type Membership, type MembershipChange } from '#functions/push-clone/core/model.ts';
import { requeueMembership } from '#functions/push-clone/persistence/memberships.ts';
import { appendHistory, DEFAULT_HISTORY_POLICY, type HistoryPolicy } from '#functions/push-clone/core/outcomes/person-history.ts';
import { touchWorkMarker } from '#functions/push-clone/persistence/work-marker.ts';

/** People of one reason, as the status shows them. */
export interface ReasonGroup {
  code: string;
  message: string;
  count: number;
  samples: string[];
}

export interface FailureGroup extends ReasonGroup {
  /** Of `count`, those retried by themselves (transient causes, with backoff); the rest wait for an admin. */
  retrying: number;
}

const SAMPLES = 5;
/** Failed people read for the status at most; past this the counts say "at least". */
const MAX_FAILED_READ = 10_000;

/**
 * Puts every person of the destination whose last attempt failed (and who
 * waits for an admin) back in the work queue, due now, and wakes the
 * instance's runner: the admin fixed the setup, or asked for a retry. Each
 * move is conditioned on the person still waiting in the FAILED index at
 * the version read, so a delivery folded in meanwhile is never overwritten.
 */
export async function requeueFailed(
  ports: { store: Store; clock: Clock },
  destination: Destination,
  why: string,
  history: HistoryPolicy = DEFAULT_HISTORY_POLICY,
  /** Old → new Marketo field names: people keep their values under the field their AEP attribute now maps to. */
  renamedTargets: ReadonlyMap<string, string> = new Map(),
): Promise<number> {
  const { store, clock } = ports;
  const now = clock.now();
  const nowIso = new Date(now).toISOString();
  let requeued = 0;
  for (const audience of destination.audiences) {
    const failedPk = keys.failedPartition(destination.destinationId, audience.audienceId);
    const waiting = await store.queryAll({ index: 'gsi1', partition: failedPk });
    await forEachLimit(waiting, 16, async (item) => {
      const membership = membershipSchema.parse(item);
      const notBefore = new Date(Math.max(now, Date.parse(audience.startDate) || 0)).toISOString();
      const change: MembershipChange = {
        set: {
          attributes: renamed(membership.attributes, renamedTargets),
          hist: appendHistory(membership.hist, [{ at: nowIso, kind: 'decision', action: 'requeue', reason: membership.outcome?.reason, message: why }], now, history),
        },
        queue: { at: { gsi1pk: keys.pendingPartition(membership.munchkinId, membership.email), gsi1sk: keys.pendingSort(notBefore, membership.destinationId, membership.audienceId, membership.email) } },
      };
      if (await requeueMembership(store, membership, change)) requeued += 1;
    });
  }
  if (requeued > 0) {
    await touchWorkMarker(store, destination.munchkinId, now);
  }
  return requeued;
}

/** Attributes are stored under Marketo field names (the mapping at receipt): a changed target moves its value. */
function renamed(attributes: Membership['attributes'], renamedTargets: ReadonlyMap<string, string>): Membership['attributes'] {
  return Object.fromEntries(Object.entries(attributes).map(([field, value]) => [renamedTargets.get(field) ?? field, value]));
}

/** Targets whose AEP source now maps to another Marketo field. */
export function renamedTargetsOf(before: Destination['fieldMappings'], after: Destination['fieldMappings']): Map<string, string> {
  const renames = new Map<string, string>();
  for (const old of before) {
    const now = after.find((mapping) => mapping.source === old.source);
    if (now && now.target !== old.target) renames.set(old.target, now.target);
  }
  return renames;
}

/**
 * The failed people of one audience grouped by reason: those waiting for an
 * admin (FAILED index) and those whose transient failure is retried by
 * itself (back in the work queue, given by the caller who read it).
 */
export async function failuresByReason(store: Store, destinationId: string, audienceId: string, retrying: readonly Membership[]): Promise<FailureGroup[]> {
  const waiting = await store.queryAll({ index: 'gsi1', partition: keys.failedPartition(destinationId, audienceId), limit: MAX_FAILED_READ });
  const groups = new Map<string, FailureGroup>();
  const add = (membership: Membership, isRetrying: boolean) => {
    const code = membership.outcome?.reason ?? 'unspecified';
    const group = groups.get(code) ?? { code, message: membership.outcome?.message ?? '', count: 0, retrying: 0, samples: [] };
    group.count += 1;
    if (isRetrying) group.retrying += 1;
    if (group.samples.length < SAMPLES) group.samples.push(membership.email);
    groups.set(code, group);
  };
  for (const item of waiting) add(membershipSchema.parse(item), false);
  for (const membership of retrying) add(membership, true);
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/**
 * The people of one audience skipped for good, by reason: the reasons the
 * audience's counters know (`skipped_<reason>`), each counted and sampled
 * from the SKIPPED index (people currently skipped, not skips ever made).
 */
export async function skipsByReason(store: Store, destinationId: string, audienceId: string, counters: Record<string, unknown>): Promise<ReasonGroup[]> {
  const partition = keys.skippedPartition(destinationId, audienceId);
  const reasons = Object.keys(counters)
    .filter((field) => field.startsWith(SKIPPED_FIELD_PREFIX))
    .map((field) => field.slice(SKIPPED_FIELD_PREFIX.length));
  const groups = await Promise.all(
    reasons.map(async (code) => {
      const sortPrefix = `${code}#`;
      const [count, page] = await Promise.all([
        store.count({ index: 'gsi1', partition, sortPrefix }),
        store.query({ index: 'gsi1', partition, sortPrefix, limit: SAMPLES }),
      ]);
      const people = page.items.map((item) => membershipSchema.parse(item));
      return { code, message: people[0]?.outcome?.message ?? '', count, samples: people.map((person) => person.email) };
    }),
  );
  return groups.filter((group) => group.count > 0).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}
