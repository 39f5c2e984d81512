import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import { centralDay } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';
import type { Config } from '#shared/config/index.ts';
import { instanceDailyQuota, readInstance } from '#shared/instances/instance-store.ts';
import { failuresByReason, skipsByReason, type FailureGroup, type ReasonGroup } from '#functions/push-clone/core/outcomes/failed-people.ts';
import { refusedOf, type IntakeSummary } from '#functions/push-clone/core/intake/intake-stats.ts';
import { readIntake } from '#functions/push-clone/persistence/intake-stats.ts';
import { audienceStatsSchema, keys, MARKETO_CALLS_FIELD, membershipSchema, SKIPPED_FIELD_PREFIX, type Destination, type Membership, type RefusalCounts, type StoredAudience } from '#functions/push-clone/core/model.ts';
import { readQuarantine, type QuarantineView } from '#functions/push-clone/core/ingest/quarantine.ts';
import { readUsage } from '#functions/push-clone/core/instance/instance-quota.ts';
import { readBulkJob, type BulkJob } from '#functions/push-clone/persistence/bulk-jobs.ts';
import { readAudienceStats, readMarketoCalls } from '#functions/push-clone/persistence/stats.ts';

/** Pending people of one audience, and those among them whose transient failure waits for its retry. */
export interface PendingCounts {
  pending: number;
  notYetDue: number;
  retrying: Membership[];
}

export interface AudienceStatus {
  audienceId: string;
  listId: number;
  startDate: string;
  endDate?: string;
  /** scheduled: before the start date; syncing; ended: past the end date. */
  phase: 'scheduled' | 'syncing' | 'ended';
  /** Memberships whose list change is still to be made (due now or later). */
  pending: number;
  /** Of those, the ones that may not start before the audience's start date. */
  pendingNotYetDue: number;
  added: number;
  removed: number;
  /** Failure outcomes recorded (every attempt, retries included): a counter, like added and removed. */
  failed: number;
  /** People whose last attempt failed, now (waiting for an admin or retrying by themselves): what the console shows as failed. */
  failingNow: number;
  expired: number;
  /** Skipped people by reason, e.g. { not_found_in_marketo: 3 }. */
  skipped: Record<string, number>;
  /** Audience entries the webhook refused, by reason (bad_timestamp, bad_status, other_namespace, unresolvable_identity, ...). */
  refused: RefusalCounts;
  lastRunAt?: string;
  lastError?: string;
  /** Failed people by Marketo code, with what to do and a few emails. */
  failuresByReason: FailureGroup[];
  /** People skipped for good, by reason, with a few emails. */
  skippedByReason: ReasonGroup[];
  /** The instance's open bulk import, when it carries this audience's people (they count as pending until its outcomes are written). */
  bulkImport?: BulkImportStatus;
}

export interface BulkImportStatus {
  state: BulkJob['state'];
  people: number;
  since: string;
  /** Where the job stands, in words for the admin. */
  message: string;
}

const withBulkImport = (bulkImport: BulkImportStatus | undefined) => (bulkImport ? { bulkImport } : {});

/** The open bulk import job as the admin reads it, if it is this audience's (`bulk-import.ts` has the states). */
export function bulkImportStatus(job: BulkJob | undefined, destinationId: string, audienceId: string): BulkImportStatus | undefined {
  if (!job || job.destinationId !== destinationId || job.audienceId !== audienceId) return undefined;
  const message = {
    building: 'Preparing the import file.',
    ready: 'The import file is ready; sending it to Marketo.',
    submitted: `Marketo is importing the file (batch ${job.batchId ?? '?'}) into list ${job.listId}.`,
    learning: 'Imported; learning the people\'s Marketo lead IDs (one bulk lead extract) before their outcomes are recorded.',
    'extract-created': 'Imported; waiting for a place in Marketo\'s extract queue to learn the lead IDs before the outcomes are recorded.',
    'extract-queued': 'Imported; Marketo is extracting the lead IDs; the outcomes are recorded once it is done (at most an hour).',
    failed: `Marketo failed the import as a whole${job.message ? ` (${job.message})` : ''}: these people go by the regular calls, and bulk waits a day.`,
  }[job.state];
  return { state: job.state, people: job.people, since: job.learningSince ?? job.createdAt, message };
}

export interface DestinationStatus {
  destination: Destination;
  paused: boolean;
  deleting: boolean;
  audiences: AudienceStatus[];
  /** Marketo calls spent on the instance today (US Central day, as Marketo's quota counts). */
  marketoCallsToday: { day: string; calls: number };
  callsToday: number;
  /** The instance's daily API quota (registered, or Marketo's common default). */
  dailyQuota: number;
  /** The latest run over any audience. */
  lastRun?: string;
  /** What the webhook received and refused, by reason, since the destination was created. */
  intake: IntakeSummary;
  /** Records and memberships set aside with their reason (the rest of the instance's work went on). */
  quarantine: QuarantineView;
  /**
   * The instance's whole day as Marketo reported it at the runner's last
   * reading (every API user): ours (as we counted them) and the others'.
   * Absent before the runner's first reading of the day.
   */
  marketoUsageToday?: { day: string; total: number; ours: number; others: number; readAt: string };
}

const pendingItemSchema = z.object({ destinationId: z.string(), audienceId: z.string(), gsi1sk: z.string(), outcome: z.looseObject({ kind: z.string() }).optional() });
const callsSchema = z.looseObject({ [MARKETO_CALLS_FIELD]: z.number().default(0) });

/** docs/push-clone.md, step 7: the setup and, per audience, what is pending and what the runner did. */
export async function destinationStatus(
  ports: { store: Store; clock: Clock; config: Pick<Config, 'MARKETO_DAILY_QUOTA'> },
  destination: Destination,
  /** Pending counts of the instance's destinations, when the caller read them once for several destinations. */
  pendingByDestination?: ReadonlyMap<string, Map<string, PendingCounts>>,
): Promise<DestinationStatus> {
  const { destinationId } = destination;
  const now = ports.clock.now();
  const day = centralDay(now);
  const [pending, stats, callsItem, instance, intake, quarantined, usage, bulkJob] = await Promise.all([
    pendingByDestination ? (pendingByDestination.get(destinationId) ?? new Map<string, PendingCounts>()) : countPending(ports.store, destination.munchkinId, new Date(now).toISOString()).then((all) => all.get(destinationId) ?? new Map<string, PendingCounts>()),
    Promise.all(destination.audiences.map((audience) => readAudienceStats(ports.store, destinationId, audience.audienceId))),
    readMarketoCalls(ports.store, destination.munchkinId, day),
    readInstance(ports.store, destination.munchkinId),
    readIntake(ports.store, destinationId),
    readQuarantine(ports.store, destinationId, now),
    readUsage(ports.store, destination.munchkinId, day),
    readBulkJob(ports.store, destination.munchkinId),
  ]);
  const audiences = await Promise.all(destination.audiences.map(async (audience, index) => {
    const counters = audienceStatsSchema.parse(stats[index] ?? {});
    const counts = pending.get(audience.audienceId) ?? { pending: 0, notYetDue: 0, retrying: [] };
    const [failures, skips] = await Promise.all([
      failuresByReason(ports.store, destinationId, audience.audienceId, counts.retrying),
      skipsByReason(ports.store, destinationId, audience.audienceId, counters),
    ]);
    return {
      audienceId: audience.audienceId,
      listId: audience.listId,
      startDate: audience.startDate,
      endDate: audience.endDate,
      phase: phaseOf(audience, now),
      pending: counts.pending,
      pendingNotYetDue: counts.notYetDue,
      added: counters.added,
      removed: counters.removed,
      failed: counters.failed,
      failingNow: failures.reduce((total, group) => total + group.count, 0),
      expired: counters.expired,
      skipped: skippedByReason(counters),
      refused: refusedOf(stats[index]),
      lastRunAt: counters.lastRunAt,
      lastError: counters.lastError,
      failuresByReason: failures,
      skippedByReason: skips,
      ...withBulkImport(bulkImportStatus(bulkJob, destinationId, audience.audienceId)),
    };
  }));
  const ours = callsSchema.parse(callsItem ?? {})[MARKETO_CALLS_FIELD];
  const lastRun = audiences.reduce<string | undefined>((newest, audience) => (audience.lastRunAt && (!newest || audience.lastRunAt > newest) ? audience.lastRunAt : newest), undefined);
  // Our calls since the reading are in `ours` but not in its total: others' share never goes below zero.
  const marketoUsageToday = usage && { day, total: usage.total, ours, others: Math.max(0, usage.total - ours), readAt: usage.readAt };
  return {
    destination,
    paused: destination.paused ?? false,
    deleting: destination.deletion !== undefined,
    audiences,
    marketoCallsToday: { day, calls: ours },
    callsToday: ours,
    dailyQuota: instanceDailyQuota(instance, ports.config),
    lastRun,
    intake,
    quarantine: quarantined,
    ...(marketoUsageToday ? { marketoUsageToday } : {}),
  };
}

function phaseOf(audience: StoredAudience, now: number): AudienceStatus['phase'] {
  if (now < Date.parse(audience.startDate)) return 'scheduled';
  if (audience.endDate !== undefined && now >= Date.parse(audience.endDate)) return 'ended';
  return 'syncing';
}

/**
 * Pending memberships per audience, read from the sparse work queue (gsi1,
 * `PUSH#<munchkinId>#S<n>`, every shard): only pending items are in it, so the read grows with
 * the backlog, not with the audience. (`Store.count` over a membership
 * partition, filtered on the queue key, would read every member of the
 * audience to count a few pending ones.)
 */
export async function countPending(store: Store, munchkinId: string, nowIso: string): Promise<Map<string, Map<string, PendingCounts>>> {
  const byDestination = new Map<string, Map<string, PendingCounts>>();
  for (const partition of keys.pendingPartitions(munchkinId)) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await store.query({ index: 'gsi1', partition, startKey });
      for (const item of page.items) {
        const parsed = pendingItemSchema.safeParse(item);
        if (!parsed.success) continue;
        const counts = byDestination.get(parsed.data.destinationId) ?? new Map<string, PendingCounts>();
        byDestination.set(parsed.data.destinationId, counts);
        const count = counts.get(parsed.data.audienceId) ?? { pending: 0, notYetDue: 0, retrying: [] };
        count.pending += 1;
        // Failing now and retried by itself (a transient failure with its retry time); a person requeued by an admin's fix is simply pending, as the person lookup says.
        if (parsed.data.outcome?.kind === 'failed' && parsed.data.outcome.retryAt !== undefined) count.retrying.push(membershipSchema.parse(item));
        // gsi1sk begins with the notBefore instant (a 24-character ISO string).
        if (parsed.data.gsi1sk.slice(0, nowIso.length) > nowIso) count.notYetDue += 1;
        counts.set(parsed.data.audienceId, count);
      }
      startKey = page.nextKey;
    } while (startKey);
  }
  return byDestination;
}

function skippedByReason(stats: Record<string, unknown>): Record<string, number> {
  const skipped: Record<string, number> = {};
  for (const [field, value] of Object.entries(stats)) {
    if (field.startsWith(SKIPPED_FIELD_PREFIX) && typeof value === 'number') skipped[field.slice(SKIPPED_FIELD_PREFIX.length)] = value;
  }
  return skipped;
}
