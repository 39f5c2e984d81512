import { canonicalEmail } from '#functions/push-clone/core/model.ts';
import { BatchLeadIds } from '#functions/push-clone/core/marketo-batch/lead-ids.ts';
import type { BulkJob, BulkSettings } from '#functions/push-clone/core/marketo-batch/bulk-import.ts';
import type { RunContext } from '#functions/push-clone/core/runner/run-context.ts';
import { MarketoAuthError, MarketoDailyQuotaError, MarketoError, MarketoUnavailableError, parseCsv } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';

/**
 * After a bulk import's outcomes are written, learns the imported people's
 * lead IDs so that their exits need no lookup: one Bulk Lead Extract of the
 * list (`fields: id, email`, `filter: staticListId`;
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-lead-extract)
 * costs create + enqueue + a status poll a minute + the file, a handful of
 * calls for any size, where Get Leads by email costs one call per 300 people
 * (docs/scale.md has the measured numbers). The IDs go to the instance's lead
 * ID cache, only for the emails the job holds (the list may hold other
 * people), where the runner looks for a membership's ID before asking
 * Marketo. They are not also written on the memberships: that would be a
 * second transactional write a person on the audience's one partition, the
 * busiest key of a bulk push (6 write units a person instead of 4: a 1M push
 * 100 minutes at a partition's 1,000 WCU/s instead of 67), for an ID the
 * cache already answers; a membership learns its ID at its next write-back.
 *
 * Steps, each a recorded state of the job item, so a run that dies anywhere
 * resumes:
 * - `learning`: the outcomes are written; no extract yet. Creating one moves
 *   the job to `extract-created` with its export ID. If that answer is lost,
 *   the next run creates one more (at most one per crash; a created job that
 *   is never enqueued takes no place in Marketo's queue and runs nothing).
 * - `extract-created`: enqueued, then `extract-queued`. An enqueue whose
 *   answer was lost is met by 1029 "already queued" next time: the status
 *   then says it runs, and the job moves on without a second extract.
 * - `extract-queued`: polled (every `extractPollMs`, within the run's poll
 *   time like the import); once Completed the file is read, the IDs written
 *   (idempotent: a run that dies here reads the file again), and the job item
 *   deleted.
 * Nothing here can lose an outcome (they are written before). An extract that
 * fails (Failed, Cancelled, refused, too slow) is logged at WARN and counted,
 * and the job is closed: exits of its people look them up, as without it.
 */

/** The states this module moves a job through. */
export const LEARNING_STATES = ['learning', 'extract-created', 'extract-queued'] as const;
export type LearningState = (typeof LEARNING_STATES)[number];

export function isLearning(job: BulkJob | undefined): boolean {
  return job !== undefined && (LEARNING_STATES as readonly string[]).includes(job.state);
}

/** The job item's helpers in bulk-import.ts, so the job is written in one place. */
export interface JobSteps {
  move: (store: Store, job: BulkJob, from: BulkJob['state'], change: Partial<BulkJob>) => Promise<void>;
  close: (store: Store, job: BulkJob) => Promise<void>;
  chunk: (store: Store, job: BulkJob, index: number) => Promise<Array<[string, number]>>;
}

/** Fields asked of the extract: the file's header is exactly these. */
const EXTRACT_FIELDS = ['id', 'email'];

/** Moves the job's lead ID learning on as far as this run can; returns the job if it is still open. */
export async function learnLeadIds(ctx: RunContext, job: BulkJob, settings: BulkSettings, steps: JobSteps): Promise<BulkJob | undefined> {
  const started = Date.parse(job.learningSince ?? job.createdAt);
  if (ctx.now() - started > settings.maxExtractMs) return giveUp(ctx, job, steps, `the lead extract did not finish within ${Math.round(settings.maxExtractMs / 60_000)} minutes`);
  try {
    let current = job;
    if (current.state === 'learning') current = await createExtract(ctx, current, steps);
    if (current.state === 'extract-created') current = await enqueueExtract(ctx, current, steps);
    if (current.state === 'extract-queued') return await pollAndLearn(ctx, current, settings, steps);
    return current;
  } catch (error) {
    // The run's own stops (lease lost, daily quota) are the run's business; the job resumes on a later tick.
    if (error instanceof MarketoDailyQuotaError || !(error instanceof MarketoError)) throw error;
    if (error instanceof MarketoUnavailableError || error instanceof MarketoAuthError) {
      ctx.ports.logger?.warn('bulk lead extract: Marketo unavailable, trying again next tick', { jobId: job.jobId, code: error.code });
      return job;
    }
    return giveUp(ctx, job, steps, error.message);
  }
}

async function createExtract(ctx: RunContext, job: BulkJob, steps: JobSteps): Promise<BulkJob> {
  if (await ctx.beforeBatch()) return job;
  const created = await ctx.ports.marketo.createLeadExport({ fields: EXTRACT_FIELDS, filter: { staticListId: job.listId } });
  const change = { state: 'extract-created' as const, exportId: created.exportId };
  await steps.move(ctx.ports.store, job, 'learning', change);
  ctx.ports.logger?.info('bulk lead extract created', { jobId: job.jobId, exportId: created.exportId, listId: job.listId });
  return { ...job, ...change };
}

async function enqueueExtract(ctx: RunContext, job: BulkJob, steps: JobSteps): Promise<BulkJob> {
  if (await ctx.beforeBatch()) return job;
  const exportId = job.exportId!;
  try {
    await ctx.ports.marketo.enqueueLeadExport(exportId);
  } catch (error) {
    // 1029: already queued (our answer lost), the queue is full, or the day's export allowance is spent. The status tells which.
    if (!(error instanceof MarketoUnavailableError && error.code === '1029')) throw error;
    const status = await ctx.ports.marketo.getLeadExportStatus(exportId);
    if (status.status === 'Created') {
      ctx.ports.logger?.warn('bulk lead extract not queued yet (queue full or export allowance spent): trying again next tick', { jobId: job.jobId, exportId, message: error.message });
      return job;
    }
  }
  await steps.move(ctx.ports.store, job, 'extract-created', { state: 'extract-queued' });
  return { ...job, state: 'extract-queued' };
}

async function pollAndLearn(ctx: RunContext, job: BulkJob, settings: BulkSettings, steps: JobSteps): Promise<BulkJob | undefined> {
  const { marketo } = ctx.ports;
  const exportId = job.exportId!;
  const started = ctx.now();
  for (;;) {
    if (await ctx.beforeBatch()) return job;
    const status = await marketo.getLeadExportStatus(exportId);
    if (status.status === 'Completed') {
      const file = await marketo.getLeadExportFile(exportId);
      await storeLeadIds(ctx, job, idsByEmail(file), steps);
      return undefined;
    }
    if (status.status === 'Failed' || status.status === 'Cancelled') return giveUp(ctx, job, steps, `the lead extract ended ${status.status}${status.errorMsg ? `: ${status.errorMsg}` : ''}`);
    if (ctx.now() - started + settings.extractPollMs > settings.maxPollMs || ctx.settings.remainingTimeMs() - settings.extractPollMs < ctx.settings.safetyMarginMs) return job;
    await settings.sleep(settings.extractPollMs);
  }
}

/** Caches the IDs of the job's people (idempotent puts), then closes the job. */
async function storeLeadIds(ctx: RunContext, job: BulkJob, ids: ReadonlyMap<string, number>, steps: JobSteps): Promise<void> {
  const { store, logger } = ctx.ports;
  await ctx.flushCalls();
  const atIso = new Date(ctx.now()).toISOString();
  const cache = new BatchLeadIds(store, ctx.munchkinId);
  let learned = 0;
  let absent = 0;
  for (let index = 0; index < job.chunks; index += 1) {
    const part = await steps.chunk(store, job, index);
    const found = new Map<string, number>();
    for (const [email] of part) {
      const id = ids.get(email);
      if (id === undefined) absent += 1;
      else found.set(email, id);
    }
    await cache.save(found, atIso);
    learned += found.size;
  }
  await steps.close(store, job);
  ctx.summary.leadIdsLearned += learned;
  // People not in the list are those whose row Marketo refused (their outcome says so) or who left it since.
  logger?.info('bulk import lead IDs learnt', { jobId: job.jobId, exportId: job.exportId, learned, notInList: absent, listMembers: ids.size });
}

/** The extract's file (`id,email`): each email's lead ID, the lowest when Marketo holds several (as a lookup chooses). */
function idsByEmail(file: string): Map<string, number> {
  const [header, ...rows] = parseCsv(file);
  const idColumn = header?.indexOf('id') ?? -1;
  const emailColumn = header?.indexOf('email') ?? -1;
  const ids = new Map<string, number>();
  if (idColumn < 0 || emailColumn < 0) throw new MarketoError('the lead extract file has no id and email columns', { code: 'unexpected-response', kind: 'configuration' });
  for (const row of rows) {
    const raw = row[emailColumn] ?? '';
    const id = Number(row[idColumn]);
    // Marketo writes `null` for an empty value.
    if (raw === '' || raw === 'null' || !Number.isSafeInteger(id) || id < 1) continue;
    const email = canonicalEmail(raw);
    const known = ids.get(email);
    if (known === undefined || id < known) ids.set(email, id);
  }
  return ids;
}

/** Closes the job without IDs: its people's exits look them up. Counted and logged at WARN. */
async function giveUp(ctx: RunContext, job: BulkJob, steps: JobSteps, reason: string): Promise<undefined> {
  if (job.exportId && job.state === 'extract-queued') {
    // Frees its place in Marketo's queue if it still holds one; a failure here changes nothing for us.
    await ctx.ports.marketo.cancelLeadExport(job.exportId).catch(() => undefined);
  }
  await steps.close(ctx.ports.store, job);
  ctx.summary.leadIdExtractsFailed += 1;
  ctx.ports.logger?.warn('bulk import lead IDs not learnt: exits of its people will look them up', { jobId: job.jobId, exportId: job.exportId, people: job.people, reason });
  return undefined;
}
