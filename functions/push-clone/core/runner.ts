import { LeaseLock, LeaseLostError, type Lease } from '#shared/store/index.ts';
import { centralDay, MAX_RECORDS_PER_CALL } from '#shared/marketo/index.ts';
import { ingestInbox } from './ingest';
import { classify } from './runner-classify';
import { listInstanceDestinations } from './destinations';
import { carryOutDeletions } from './runner-deletion';
import { carryOutEndDates } from './runner-end-date';
import { nextDueAt, parkedUntil, readMarker, settleMarker } from './runner-marker';
import { BatchPipeline } from './runner-pipeline';
import { DueQueue, WorkBuffer } from './runner-queue';
import { recordCalls } from './batch-writeback';
import { DEFAULT_HISTORY_POLICY } from './person-history';
import { emptySummary, type IngestFn, type RunContext, type RunnerOptions, type RunnerPorts, type RunnerSettings, type RunSummary, type StopReason } from './runner-types';

export type { RunnerOptions, RunnerPorts, RunSummary, StopReason } from './runner-types';

/** How often (by the clock) a batch first checks that the lease is still ours. */
const LEASE_CHECK_INTERVAL_MS = 5_000;

/** Due memberships read per query: a few batches' worth, so reading costs few round trips and little memory. */
const QUEUE_PAGE = 1_000;

export const runnerLeaseName = (munchkinId: string) => `push-runner#${munchkinId}`;

const DEFAULTS = {
  ingest: ingestInbox as IngestFn,
  batchSize: MAX_RECORDS_PER_CALL,
  safetyMarginMs: 60_000,
  leaseMarginMs: 30_000,
  maxBuffered: 3_000,
  writeConcurrency: 32,
  history: DEFAULT_HISTORY_POLICY,
};

/**
 * One run of push clone for one Marketo instance (docs/push-clone.md steps 4-6):
 * under the instance's lease, folds the inbox in, carries out ended audiences,
 * then pushes due memberships batch by batch until nothing is due, time runs
 * short, or Marketo says stop. Every batch leaves the queue consistent, so the
 * queue itself is the checkpoint: a run that dies anywhere is simply run again.
 */
export async function runPushBatch(ports: RunnerPorts, munchkinId: string, options: RunnerOptions): Promise<RunSummary> {
  const settings = settle(options);
  const summary = emptySummary(munchkinId);
  const { store, clock, marketo } = ports;
  const lock = new LeaseLock(store, clock);
  // The lease outlives the invocation: it cannot lapse while this runner still works, and a dead runner's lapses soon after.
  const ttl = () => settings.remainingTimeMs() + settings.leaseMarginMs;
  let lease: Lease | undefined = await lock.acquire(runnerLeaseName(munchkinId), settings.leaseOwner, ttl());
  if (!lease) return { ...summary, stoppedBy: 'lease_busy' };

  let counted = restCalls(marketo.stats.callsByKind);
  let checkedAt = clock.now();
  const tokensAtStart = marketo.stats.tokenCalls;
  let earliestRetry: number | undefined;
  const ctx: RunContext = {
    ports,
    munchkinId,
    settings,
    summary,
    destinations: new Map(),
    now: () => clock.now(),
    beforeBatch: async () => {
      if (settings.remainingTimeMs() < settings.safetyMarginMs) return 'out_of_time';
      // The lease already outlives the invocation (ttl): renewing only proves nobody took it over, which every few seconds is enough.
      if (clock.now() - checkedAt < LEASE_CHECK_INTERVAL_MS) return undefined;
      try {
        if (lease) lease = await lock.renew(lease, ttl());
        checkedAt = clock.now();
        return undefined;
      } catch (error) {
        if (error instanceof LeaseLostError) return 'lease_lost';
        throw error;
      }
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
    await settings.ingest({ store, clock }, munchkinId, { shouldContinue: () => settings.remainingTimeMs() >= settings.safetyMarginMs, destinations: ctx.destinations });
    summary.stoppedBy = (await carryOutDeletions(ctx)) ?? (await carryOutEndDates(ctx)) ?? (await drainQueue(ctx));
    if (summary.stoppedBy === 'done') summary.marker = marker ? await settleMarker(store, marker, earlier(nextDueAt(ctx.destinations.values(), clock.now()), earliestRetry)) : 'absent';
    else summary.marker = marker ? 'kept' : 'absent';
    ports.logger?.info('push run finished', { ...summary, outcomes: { ...summary.outcomes } });
    return summary;
  } finally {
    summary.tokenCalls = marketo.stats.tokenCalls - tokensAtStart;
    if (lease && summary.stoppedBy !== 'lease_lost') await lock.release(lease);
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
  const queue = new DueQueue(ctx.ports.store, ctx.munchkinId, QUEUE_PAGE);
  const buffer = new WorkBuffer();
  for (;;) {
    const page = await queue.nextPage(ctx.now());
    for (const membership of page ?? []) {
      const item = classify(membership, ctx.destinations, ctx.now());
      if (item) buffer.add(item);
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

function settle(options: RunnerOptions): RunnerSettings {
  const settings = { ...DEFAULTS, ...definedOnly(options) } as RunnerSettings;
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
