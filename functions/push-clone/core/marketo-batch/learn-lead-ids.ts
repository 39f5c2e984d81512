import { canonicalEmail } from '#functions/push-clone/core/model.ts';
import type { BulkJob, BulkSettings } from '#functions/push-clone/core/marketo-batch/bulk-import.ts';
import type { RunContext } from '#functions/push-clone/core/runner/run-context.ts';
import { MarketoAuthError, MarketoDailyQuotaError, MarketoError, MarketoUnavailableError, parseCsv } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';

/**
 * After a bulk import has run, learns the imported people's lead IDs before
 * their outcomes are written, so that the write-back records each ID on its
 * membership (as the REST path does with the IDs Sync Leads answers) and
 * their exits need no lookup: one Bulk Lead Extract of the list
 * (`fields: id, email`, `filter: staticListId`;
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-lead-extract)
 * costs create + enqueue + a status poll a minute + the file, a handful of
 * calls for any size, where Get Leads by email costs one call per 300 people
 * (docs/scale.md has the measured numbers). Learning first and writing once
 * costs one membership write a person; writing the outcomes first and the IDs
 * afterwards would cost a second one (or a lead ID cache write) on the
 * busiest key of a bulk push.
 *
 * Steps, each a recorded state of the job item, so a run that dies anywhere
 * resumes:
 * - `learning`: the import is complete; no extract yet. Creating one moves
 *   the job to `extract-created` with its export ID. If that answer is lost,
 *   the next run creates one more (at most one per crash; a created job that
 *   is never enqueued takes no place in Marketo's queue and runs nothing).
 * - `extract-created`: enqueued, then `extract-queued`. An enqueue whose
 *   answer was lost is met by 1029 "already queued" next time: the status
 *   then says it runs, and the job moves on without a second extract.
 * - `extract-queued`: polled (every `extractPollMs`, within the run's poll
 *   time like the import); once Completed the file is read and its IDs handed
 *   to the caller, which writes the outcomes (a run that dies there reads the
 *   file again).
 * An extract that fails (Failed, Cancelled, refused, slower than
 * `maxExtractMs`) is logged at WARN and counted, and the caller writes the
 * outcomes without IDs: exits of those people look them up, as without it.
 */
/** The states this module moves a job through. */
export const LEARNING_STATES = ['learning', 'extract-created', 'extract-queued'] as const;

export function isLearning(job: BulkJob | undefined): boolean {
  return job !== undefined && (LEARNING_STATES as readonly string[]).includes(job.state);
}

/** Moves the job item on (bulk-jobs.ts), so the job is written in one place. */
export type MoveJob = (store: Store, job: BulkJob, from: BulkJob['state'], change: Partial<BulkJob>) => Promise<void>;

/** Where learning stands after this run: still open, or done with the IDs learnt (none when the extract failed). */
export type Learning = { open: BulkJob } | { learnt: ReadonlyMap<string, number> };

/** Fields asked of the extract: the file's header is exactly these. */
const EXTRACT_FIELDS = ['id', 'email'];

/** Moves the job's lead ID learning on as far as this run can. */
export async function learnLeadIds(ctx: RunContext, job: BulkJob, settings: BulkSettings, move: MoveJob): Promise<Learning> {
  const started = Date.parse(job.learningSince ?? job.createdAt);
  if (ctx.now() - started > settings.maxExtractMs) return giveUp(ctx, job, `the lead extract did not finish within ${Math.round(settings.maxExtractMs / 60_000)} minutes`);
  try {
    let current = job;
    if (current.state === 'learning') current = await createExtract(ctx, current, move);
    if (current.state === 'extract-created') current = await enqueueExtract(ctx, current, move);
    if (current.state === 'extract-queued') return await pollAndLearn(ctx, current, settings);
    return { open: current };
  } catch (error) {
    // The run's own stops (lease lost, daily quota) are the run's business; the job resumes on a later tick.
    if (error instanceof MarketoDailyQuotaError || !(error instanceof MarketoError)) throw error;
    if (error instanceof MarketoUnavailableError || error instanceof MarketoAuthError) {
      ctx.ports.logger?.warn('bulk lead extract: Marketo unavailable, trying again next tick', { jobId: job.jobId, code: error.code });
      return { open: job };
    }
    return giveUp(ctx, job, error.message);
  }
}

async function createExtract(ctx: RunContext, job: BulkJob, move: MoveJob): Promise<BulkJob> {
  if (await ctx.beforeBatch()) return job;
  const created = await ctx.ports.marketo.createLeadExport({ fields: EXTRACT_FIELDS, filter: { staticListId: job.listId } });
  const change = { state: 'extract-created' as const, exportId: created.exportId };
  await move(ctx.ports.store, job, 'learning', change);
  ctx.ports.logger?.info('bulk lead extract created', { jobId: job.jobId, exportId: created.exportId, listId: job.listId });
  return { ...job, ...change };
}

async function enqueueExtract(ctx: RunContext, job: BulkJob, move: MoveJob): Promise<BulkJob> {
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
  await move(ctx.ports.store, job, 'extract-created', { state: 'extract-queued' });
  return { ...job, state: 'extract-queued' };
}

async function pollAndLearn(ctx: RunContext, job: BulkJob, settings: BulkSettings): Promise<Learning> {
  const { marketo } = ctx.ports;
  const exportId = job.exportId!;
  const started = ctx.now();
  for (;;) {
    if (await ctx.beforeBatch()) return { open: job };
    const status = await marketo.getLeadExportStatus(exportId);
    if (status.status === 'Completed') {
      const learnt = idsByEmail(await marketo.getLeadExportFile(exportId));
      ctx.ports.logger?.info('bulk import lead IDs read', { jobId: job.jobId, exportId, listMembers: learnt.size });
      return { learnt };
    }
    if (status.status === 'Failed' || status.status === 'Cancelled') return giveUp(ctx, job, `the lead extract ended ${status.status}${status.errorMsg ? `: ${status.errorMsg}` : ''}`);
    if (ctx.now() - started + settings.extractPollMs > settings.maxPollMs || ctx.settings.remainingTimeMs() - settings.extractPollMs < ctx.settings.safetyMarginMs) return { open: job };
    await settings.sleep(settings.extractPollMs);
  }
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

/** Learning ends without IDs: its people's exits look them up. Counted and logged at WARN. */
async function giveUp(ctx: RunContext, job: BulkJob, reason: string): Promise<Learning> {
  if (job.exportId && job.state === 'extract-queued') {
    // Frees its place in Marketo's queue if it still holds one; a failure here changes nothing for us.
    await ctx.ports.marketo.cancelLeadExport(job.exportId).catch(() => undefined);
  }
  ctx.summary.leadIdExtractsFailed += 1;
  ctx.ports.logger?.warn('bulk import lead IDs not learnt: the outcomes are written without them, and exits of its people will look them up', { jobId: job.jobId, exportId: job.exportId, people: job.people, reason });
  return { learnt: new Map() };
}
