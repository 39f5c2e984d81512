import { canonicalEmail, keys } from '#functions/push-clone/core/model.ts';
import { BatchLeadIds } from '#functions/push-clone/core/marketo-batch/lead-ids.ts';
import type { BulkJob, BulkSettings } from '#functions/push-clone/core/marketo-batch/bulk-import.ts';
import type { RunContext } from '#functions/push-clone/core/runner/run-context.ts';
import { chunks, forEachLimit } from '#shared/collections.ts';
import { MarketoAuthError, MarketoDailyQuotaError, MarketoError, MarketoUnavailableError, parseCsv } from '#shared/marketo/index.ts';
import { ConditionFailedError, MAX_TRANSACTION_OPS, type Store, type TransactOp } from '#shared/store/index.ts';

/**
 * After a bulk import's outcomes are written, learns the imported people's
 * lead IDs so that their exits need no lookup: one Bulk Lead Extract of the
 * list (`fields: id, email`, `filter: staticListId`;
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-lead-extract)
 * costs create + enqueue + a status poll a minute + the file, a handful of
 * calls for any size, where Get Leads by email costs one call per 300 people
 * (docs/scale.md has the measured numbers). The IDs go to the instance's lead
 * ID cache and onto the memberships, only for the emails the job holds (the
 * list may hold other people).
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
const MEMBERSHIP_WRITE_CONCURRENCY = 4;

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

/** Caches the IDs of the job's people and writes them on their memberships, then closes the job. */
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
    await writeOnMemberships(store, job, found);
    learned += found.size;
  }
  await steps.close(store, job);
  ctx.summary.leadIdsLearned += learned;
  // People not in the list are those whose row Marketo refused (their outcome says so) or who left it since.
  logger?.info('bulk import lead IDs learnt', { jobId: job.jobId, exportId: job.exportId, learned, notInList: absent, listMembers: ids.size });
}

/**
 * Sets `leadId` on the job's memberships that have none, never bringing back
 * one that was deleted meanwhile. The version is left alone: the ID is a fact
 * about the email, not a change of the person's wish, so no pending write-back
 * loses its condition. Up to 99 a transaction (one place is the lease's
 * fence); a transaction refused because one membership is gone or already has
 * an ID is done one by one.
 */
async function writeOnMemberships(store: Store, job: BulkJob, found: ReadonlyMap<string, number>): Promise<void> {
  const ops = [...found].map(([email, leadId]): TransactOp => ({
    update: keys.membership(job.destinationId, job.audienceId, email),
    set: { expression: 'SET leadId = :leadId', values: { ':leadId': leadId } },
    condition: { expression: 'attribute_exists(pk) AND attribute_not_exists(leadId)' },
  }));
  await forEachLimit(chunks(ops, MAX_TRANSACTION_OPS - 1), MEMBERSHIP_WRITE_CONCURRENCY, async (group) => {
    try {
      await store.transact(group);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      for (const op of group) {
        try {
          await store.transact([op]);
        } catch (single) {
          if (!(single instanceof ConditionFailedError)) throw single;
        }
      }
    }
  });
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
