import { LeaseKeeper, LeaseLock, LeaseLostError } from '#shared/store/index.ts';
import { centralDay, MAX_RECORDS_PER_CALL } from '#shared/marketo/index.ts';
import { ingestInbox } from '#functions/push-clone/core/ingest/ingest-inbox.ts';
import { planMembership } from '#functions/push-clone/core/runner/plan-membership.ts';
import { listInstanceDestinations } from '#functions/push-clone/persistence/destinations.ts';
import { carryOutDeletions } from '#functions/push-clone/core/runner/deletions.ts';
import { carryOutEndDates } from '#functions/push-clone/core/runner/end-dates.ts';
import { nextDueAt, readMarker, retireWorkMarker } from '#functions/push-clone/core/instance/work-marker.ts';
import { parkedUntil } from '#functions/push-clone/core/instance/park.ts';
import { requireKeyLayout } from '#functions/push-clone/persistence/key-layout.ts';
import { KEY_SHARDS } from '#functions/push-clone/core/model.ts';
import { BatchPipeline } from '#functions/push-clone/core/runner/batch-pipeline.ts';
import { DueQueue, WorkBuffer } from '#functions/push-clone/core/runner/due-work.ts';
import { recordCalls } from '#functions/push-clone/core/marketo-batch/write-back.ts';
import { advanceBulkImport, BULK_DEFAULTS, holdsAdd } from '#functions/push-clone/core/marketo-batch/bulk-import.ts';
import { InstanceQuota } from '#functions/push-clone/core/instance/instance-quota.ts';
import { DEFAULT_HISTORY_POLICY } from '#functions/push-clone/core/outcomes/person-history.ts';
import { emptySummary, type IngestFn, type RunContext, type RunnerOptions, type RunnerPorts, type RunnerSettings, type RunSummary, type StopReason } from '#functions/push-clone/core/runner/run-context.ts';

export type { RunnerOptions, RunnerPorts, RunSummary, StopReason } from '#functions/push-clone/core/runner/run-context.ts';

/**
 * The instance's lease is short and renewed while the runner works, so a
 * runner that dies is taken over at the next tick after its lease lapses
 * (55 s + a tick of at most 60 s: under two minutes). A Marketo attempt is
 * sent only while the lease has its whole time-out (35 s by default) plus a
 * margin left; a runner that cannot renew stops sending before its lease can
 * lapse, so no email is ever in flight from two runners.
 */
const LEASE_TIMING = { ttlMs: 55_000, renewEveryMs: 10_000, heartbeatMs: 10_000 };
/** Room for clocks: the next holder reads expiry on its own clock. */
const LEASE_CLOCK_MARGIN_MS = 5_000;

/** Due memberships read per query: a few batches' worth, so reading costs few round trips and little memory. */
const QUEUE_PAGE = 1_000;

export const runnerLeaseName = (munchkinId: string) => `push-runner#${munchkinId}`;

const DEFAULTS = { ingest: ingestInbox as IngestFn, batchSize: MAX_RECORDS_PER_CALL, safetyMarginMs: 60_000, leaseTtlMs: LEASE_TIMING.ttlMs, maxBuffered: 3_000, writeConcurrency: 32, history: DEFAULT_HISTORY_POLICY };

/**
 * One run of push clone for one Marketo instance (docs/push-clone.md steps 4-6):
 * under the instance's lease, folds the inbox in, carries out ended audiences,
 * then pushes due memberships batch by batch until nothing is due, time runs
 * short, or Marketo says stop. Every batch leaves the queue consistent, so the
 * queue itself is the checkpoint: a run that dies anywhere is simply run again.
 */
export async function runInstanceTick(ports: RunnerPorts, munchkinId: string, options: RunnerOptions): Promise<RunSummary> {
  const settings = settingsFrom(options);
  const summary = emptySummary(munchkinId);
  const { store, clock, marketo } = ports;
  // The call bound must fit in the lease with room for a renewal, or every call would be refused.
  const callBoundMs = marketo.callTimeoutMs + LEASE_CLOCK_MARGIN_MS;
  if (callBoundMs + LEASE_TIMING.renewEveryMs > settings.leaseTtlMs) {
    throw new RangeError(`the Marketo call time-out (${marketo.callTimeoutMs} ms) leaves no room in a ${settings.leaseTtlMs} ms lease`);
  }
  // Every sharded key below assumes the table was written with this process's shard count.
  await requireKeyLayout(store, KEY_SHARDS, new Date(clock.now()).toISOString());
  const keeper = await LeaseKeeper.acquire(new LeaseLock(store, clock), clock, runnerLeaseName(munchkinId), settings.leaseOwner, { ...LEASE_TIMING, ttlMs: settings.leaseTtlMs });
  if (!keeper) return { ...summary, stoppedBy: 'lease_busy' };

  let counted = restCalls(marketo.stats.callsByKind);
  const tokensAtStart = marketo.stats.tokenCalls;
  let earliestRetry: number | undefined;
  marketo.gateCalls(() => keeper.ensure(callBoundMs));
  const quota = settings.quota && new InstanceQuota({ store, marketo, now: () => clock.now() }, munchkinId, settings.quota, () => restCalls(marketo.stats.callsByKind));
  const ctx: RunContext = {
    // Conditional writes (the write-back above all) land only while this runner holds the lease.
    ports: { ...ports, store: store.fenced(keeper.fence()) },
    munchkinId,
    settings,
    summary,
    destinations: new Map(),
    now: () => clock.now(),
    beforeBatch: async () => {
      if (settings.remainingTimeMs() < settings.safetyMarginMs) return 'out_of_time';
      try {
        await keeper.beat();
      } catch (error) {
        if (error instanceof LeaseLostError) return 'lease_lost';
        throw error;
      }
      const parked = await quota?.check();
      if (parked) {
        summary.lastError = parked;
        ports.logger?.warn('instance parked: the rest of the daily quota is left to other integrations', { reason: parked });
        return 'daily_quota';
      }
      return undefined;
    },
    flushCalls: async () => {
      // Taken before the write, so a flush that overlaps another never counts a call twice.
      const total = restCalls(marketo.stats.callsByKind);
      const calls = total - counted;
      counted = total;
      summary.marketoCalls += calls;
      await recordCalls(store, munchkinId, centralDay(clock.now()), calls);
    },
    noteRetryAt: (atMs) => {
      if (earliestRetry === undefined || atMs < earliestRetry) earliestRetry = atMs;
    },
  };
  try {
    const parked = await parkedUntil(store, munchkinId, clock.now());
    if (parked) return { ...summary, stoppedBy: 'parked', lastError: `parked until ${parked}` };
    const marker = await readMarker(store, munchkinId);
    ctx.destinations = await listInstanceDestinations(store, munchkinId);
    const ingested = await settings.ingest({ store, clock }, munchkinId, { shouldContinue: () => !keeper.lost && settings.remainingTimeMs() >= settings.safetyMarginMs, destinations: ctx.destinations });
    summary.quarantined += ingested?.quarantined ?? 0;
    const ended = (await carryOutDeletions(ctx)) ?? (await carryOutEndDates(ctx));
    if (!ended && settings.bulk) ctx.bulkJob = await advanceBulkImport(ctx, settings.bulk);
    summary.stoppedBy = ended ?? (await drainQueue(ctx));
    // An open bulk job keeps the marker, so the next tick polls it; a transient failure's retry time wakes it too.
    if (summary.stoppedBy === 'done' && !ctx.bulkJob) summary.marker = marker ? await retireWorkMarker(store, marker, earlier(nextDueAt(ctx.destinations.values(), clock.now()), earliestRetry)) : 'absent';
    else summary.marker = marker ? 'kept' : 'absent';
    ports.logger?.info('push run finished', { ...summary, outcomes: { ...summary.outcomes } });
    return summary;
  } catch (error) {
    if (!(error instanceof LeaseLostError)) throw error;
    // Refused before a call or at a fenced write: what this run did not write back stays pending for the next holder.
    summary.stoppedBy = 'lease_lost';
    summary.marker = 'kept';
    ports.logger?.warn('push run lost its lease: stopped sending', { ...summary, outcomes: { ...summary.outcomes } });
    return summary;
  } finally {
    marketo.gateCalls(undefined);
    summary.tokenCalls = marketo.stats.tokenCalls - tokensAtStart;
    if (summary.stoppedBy === 'lease_lost') keeper.stopHeartbeat();
    else await keeper.release();
  }
}

/** Passes over the due queue until a whole pass changes nothing. */
async function drainQueue(ctx: RunContext): Promise<StopReason> {
  for (;;) {
    // Each pass finishes its last write-back before the next reads the queue, or it would meet people still being written.
    const pass = await BatchPipeline.around(ctx, (pipeline) => passOverQueue(ctx, pipeline));
    if (pass.value) return pass.value;
    if (pass.written === 0) return 'done';
  }
}

/** One pass over what is due now; returns why to stop, or undefined when the pass is complete. */
async function passOverQueue(ctx: RunContext, pipeline: BatchPipeline): Promise<StopReason | undefined> {
  const { batchSize, maxBuffered } = ctx.settings;
  const queue = new DueQueue(ctx.ports.store, ctx.munchkinId, QUEUE_PAGE, (count) => (ctx.summary.quarantined += count));
  const buffer = new WorkBuffer();
  for (;;) {
    const page = await queue.nextPage(ctx.now());
    for (const membership of page ?? []) {
      const item = planMembership(membership, ctx.destinations, ctx.now());
      if (item && !holdsAdd(ctx.bulkJob, item)) buffer.add(item);
    }
    const batches = !page || buffer.size >= maxBuffered ? buffer.takeAll(batchSize) : buffer.takeFull(batchSize);
    for (const batch of batches) {
      const stop = await pipeline.send(batch);
      if (stop) return stop;
    }
    if (!page) return undefined;
  }
}

function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function settingsFrom(options: RunnerOptions): RunnerSettings {
  const { bulk, ...rest } = options;
  const settings = { ...DEFAULTS, ...definedOnly(rest), bulk: bulk === false ? false : { ...BULK_DEFAULTS, ...definedOnly(bulk ?? {}) } } as RunnerSettings;
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1 || settings.batchSize > MAX_RECORDS_PER_CALL) {
    throw new RangeError(`batchSize must be a whole number from 1 to ${MAX_RECORDS_PER_CALL}; got ${settings.batchSize}`);
  }
  if (settings.maxBuffered < settings.batchSize) throw new RangeError(`maxBuffered (${settings.maxBuffered}) must be at least batchSize (${settings.batchSize})`);
  return settings;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function restCalls(byKind: Record<string, number>): number {
  return Object.values(byKind).reduce((sum, count) => sum + count, 0);
}
