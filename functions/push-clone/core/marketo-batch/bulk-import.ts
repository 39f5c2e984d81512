import { randomUUID } from 'node:crypto';
import { MarketoUnavailableError, parseCsv, toCsv, type CsvValue } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';
import { writeResults } from '#functions/push-clone/core/marketo-batch/call-marketo.ts';
import { bulkImportOutcome } from '#functions/push-clone/core/outcomes/outcome-reasons.ts';
import { chunks } from '#shared/collections.ts';
import { planMembership } from '#functions/push-clone/core/runner/plan-membership.ts';
import { DueQueue } from '#functions/push-clone/core/runner/due-work.ts';
import { keys, membershipSchema, type Membership } from '#functions/push-clone/core/model.ts';
import type { ItemResult, RunContext, WorkItem } from '#functions/push-clone/core/runner/run-context.ts';
import { isLearning, learnLeadIds } from '#functions/push-clone/core/marketo-batch/learn-lead-ids.ts';
import { BatchLeadIds, cacheIsShared } from '#functions/push-clone/core/marketo-batch/lead-ids.ts';
import { CHUNK_PEOPLE, deleteJob, moveJob, readBulkJob, readJobChunk, recordJob, type BulkJob } from '#functions/push-clone/persistence/bulk-jobs.ts';

export { bulkKeys, readBulkJob, type BulkJob } from '#functions/push-clone/persistence/bulk-jobs.ts';

/**
 * Bulk lead import for large first pushes (create mode): when at least
 * `minPeople` people of one audience are due to be added and Marketo knows
 * none of their lead IDs yet, they go to Marketo as one CSV file
 * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-import/bulk-lead-import):
 * upserted on email with the mapped fields, in the destination's partition,
 * and added to the audience's list (`listId`), for a handful of calls instead
 * of two per 300 people.
 *
 * One job per instance at a time, as a small state machine in the table, so a
 * run that dies anywhere is resumed by the next one:
 * - `building`: the job item exists, its people are being recorded in chunk
 *   items (email and the membership version read). Met again: thrown away and
 *   built afresh (nothing was sent).
 * - `ready`: every chunk is written; the file is built from the chunks and the
 *   memberships' current fields and submitted; the answer's batch ID moves the
 *   job to `submitted`. If the answer was lost, the next run submits again:
 *   Marketo refuses an import into a list that is still importing (1019), so
 *   the two can never run side by side (no lead created twice); one that
 *   already finished is repeated, which changes nothing (upsert on email, list
 *   add).
 * - `submitted`: polled within the call budget (every `pollMs`, at most
 *   `maxPollMs` per run, then the REST push goes on and the next tick polls
 *   again). Complete: the job moves to `learning` with the counts of failed
 *   and warned rows. Failed as a whole: the job is marked `failed`, its
 *   people go by REST, and bulk waits a day for that instance.
 * - `learning` and after: the imported people's lead IDs are learnt with one
 *   bulk lead extract of the list (learn-lead-ids.ts). Then the failures and
 *   warnings files are read, and every person's outcome is written back with
 *   the lead ID, conditioned on the version recorded (a newer activation
 *   stays pending, what the list now holds is still recorded), and the job
 *   item is deleted. One membership write a person carries outcome and ID
 *   together (docs/scale.md).
 * While a job is open, the REST push leaves that audience's additions alone
 * (`holdsAdd`), so no email is ever sent both ways at once.
 */
export interface BulkSettings {
  /** Due additions of one audience, with no lead ID known, from which bulk is used (below it REST is as cheap: see docs/scale.md). */
  minPeople: number;
  /** People per file. */
  maxRows: number;
  /** Marketo takes files up to 10 MB; the multipart envelope needs a little room. */
  maxFileBytes: number;
  pollMs: number;
  /** Longest a run polls before going on with REST (the next tick polls again). */
  maxPollMs: number;
  /** Due memberships read looking for a large enough audience. */
  scanLimit: number;
  /** Lead extract status polls: Marketo updates the status at most once a minute. */
  extractPollMs: number;
  /**
   * After this long, learning lead IDs is given up and the outcomes are written without them (exits look people up):
   * Marketo's extract queue is shared and may be full for hours, and the admin waits for the outcomes meanwhile.
   */
  maxExtractMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const BULK_DEFAULTS: BulkSettings = {
  minPeople: 5_000,
  maxRows: 100_000,
  maxFileBytes: 9_900_000,
  pollMs: 10_000,
  maxPollMs: 120_000,
  scanLimit: 200_000,
  extractPollMs: 60_000,
  maxExtractMs: 3600_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Marketo keeps a batch ID for seven days; chunk items are kept as long, then expire. */
const KEEP_SECONDS = 7 * 24 * 3600;
/** After a whole job failed, REST carries the instance for this long before bulk is tried again. */
const FAILED_PAUSE_MS = 24 * 3600_000;

/** Whether the REST push must leave this item to the open job. */
export function holdsAdd(job: BulkJob | undefined, item: WorkItem): boolean {
  return job !== undefined && job.state !== 'failed' && item.action === 'add' && item.membership.destinationId === job.destinationId && item.membership.audienceId === job.audienceId;
}

/**
 * Moves the instance's bulk job on as far as this run can: starts one when an
 * audience is large enough, submits, polls, records the outcomes. Returns the
 * job still open afterwards (its audience's additions are left to it).
 */
export async function advanceBulkImport(ctx: RunContext, settings: BulkSettings): Promise<BulkJob | undefined> {
  const { store } = ctx.ports;
  let job = await readBulkJob(store, ctx.munchkinId);
  if (job?.state === 'building') {
    // A run died while recording the people: nothing was sent, start again.
    await deleteJob(store, job);
    job = undefined;
  }
  if (job?.state === 'failed') {
    if (Date.parse(job.failedAt ?? job.createdAt) + FAILED_PAUSE_MS > ctx.now()) return undefined;
    await deleteJob(store, job);
    job = undefined;
  }
  job ??= await startJob(ctx, settings);
  if (!job) return undefined;
  if (job.state === 'ready') job = await submit(ctx, job);
  if (job.state === 'submitted') job = await pollImport(ctx, job, settings);
  if (isLearning(job)) {
    const learning = await learnLeadIds(ctx, job, settings, moveJob);
    if ('open' in learning) return learning.open;
    await collect(ctx, job, learning.learnt);
    return undefined;
  }
  return job.state !== 'failed' ? job : undefined;
}

/** Reads due memberships for an audience large enough for bulk, and records its people. */
async function startJob(ctx: RunContext, settings: BulkSettings): Promise<BulkJob | undefined> {
  const queue = new DueQueue(ctx.ports.store, ctx.munchkinId, 1_000, (count) => (ctx.summary.quarantined += count));
  const groups = new Map<string, { items: WorkItem[]; bytes: number }>();
  let read = 0;
  let chosen: { items: WorkItem[]; bytes: number } | undefined;
  scan: while (read < settings.scanLimit) {
    const page = await queue.nextPage(ctx.now());
    if (!page) break;
    for (const membership of page) {
      read += 1;
      const item = planMembership(membership, ctx.destinations, ctx.now());
      if (!item || item.action !== 'add' || item.destination.personCreationMode !== 'createMissing' || membership.leadId !== undefined) continue;
      const key = `${membership.destinationId}\u0000${membership.audienceId}`;
      const group = groups.get(key) ?? { items: [], bytes: 0 };
      groups.set(key, group);
      const rowBytes = Buffer.byteLength(toCsv(['email', ...Object.keys(membership.attributes)], [rowOf(membership)]));
      if (group.bytes + rowBytes > settings.maxFileBytes) {
        chosen = group;
        break scan;
      }
      group.items.push(item);
      group.bytes += rowBytes;
      if (group.items.length >= settings.maxRows) {
        chosen = group;
        break scan;
      }
    }
  }
  chosen ??= [...groups.values()].sort((a, b) => b.items.length - a.items.length)[0];
  if (!chosen || chosen.items.length < settings.minPeople) return undefined;
  const first = chosen.items[0]!;
  // One membership per email in an audience, so one row per email in the file.
  const people = chosen.items.map((item) => item.membership);
  const job: BulkJob = {
    jobId: randomUUID(),
    state: 'building',
    munchkinId: ctx.munchkinId,
    destinationId: first.membership.destinationId,
    audienceId: first.membership.audienceId,
    listId: first.audience.listId,
    people: people.length,
    chunks: Math.ceil(people.length / CHUNK_PEOPLE),
    submissions: 0,
    createdAt: new Date(ctx.now()).toISOString(),
  };
  const { store } = ctx.ports;
  const expiresAt = Math.floor(ctx.now() / 1000) + KEEP_SECONDS;
  await recordJob(store, job, people, expiresAt);
  await moveJob(store, job, 'building', { state: 'ready' });
  ctx.ports.logger?.info('bulk import job recorded', { jobId: job.jobId, destinationId: job.destinationId, audienceId: job.audienceId, people: job.people });
  return { ...job, state: 'ready' };
}

/** Builds the file from the job's people (their current fields) and submits it; the batch ID moves the job to `submitted`. */
async function submit(ctx: RunContext, job: BulkJob): Promise<BulkJob> {
  const destination = ctx.destinations.get(job.destinationId);
  if (!destination || destination.state !== 'active') return job; // stopped or gone: the job waits, its people stay pending
  // Time, lease and the instance's quota, as before any batch.
  if (await ctx.beforeBatch()) return job;
  const people = await jobPeople(ctx.ports.store, job);
  const columns = ['email', ...new Set(people.flatMap(({ membership }) => Object.keys(membership.attributes)))];
  const csv = toCsv(columns, people.map(({ membership }) => rowOf(membership)));
  try {
    const status = await ctx.ports.marketo.importLeadsCsv({
      csv,
      lookupField: 'email',
      listId: job.listId,
      ...(destination.partitionName ? { partitionName: destination.partitionName } : {}),
    });
    const submitted = { state: 'submitted' as const, batchId: status.batchId, submissions: job.submissions + 1 };
    await moveJob(ctx.ports.store, job, 'ready', submitted);
    ctx.ports.logger?.info('bulk import submitted', { jobId: job.jobId, batchId: status.batchId, people: people.length, bytes: Buffer.byteLength(csv) });
    return { ...job, ...submitted };
  } catch (error) {
    // 1016/1019: Marketo's import queue is full, or an import into this list (maybe ours, its answer lost) still runs.
    if (error instanceof MarketoUnavailableError && (error.code === '1016' || error.code === '1019')) {
      ctx.ports.logger?.warn('bulk import not accepted yet: trying again next tick', { jobId: job.jobId, code: error.code });
      return job;
    }
    throw error;
  }
}

/** Polls the import; once Complete the job moves on to learning its people's lead IDs. */
async function pollImport(ctx: RunContext, job: BulkJob, settings: BulkSettings): Promise<BulkJob> {
  const started = ctx.now();
  const batchId = job.batchId!;
  for (;;) {
    const stop = await ctx.beforeBatch();
    if (stop) return job;
    const status = await ctx.ports.marketo.getImportStatus(batchId);
    if (status.status === 'Complete') {
      const learning = { state: 'learning' as const, learningSince: new Date(ctx.now()).toISOString(), rowsFailed: status.numOfRowsFailed ?? 0, rowsWarned: status.numOfRowsWithWarning ?? 0 };
      await moveJob(ctx.ports.store, job, 'submitted', learning);
      ctx.ports.logger?.info('bulk import complete: learning lead IDs before writing the outcomes', { jobId: job.jobId, batchId, ...learning });
      return { ...job, ...learning };
    }
    if (status.status === 'Failed') {
      const failed = { state: 'failed' as const, failedAt: new Date(ctx.now()).toISOString(), message: status.message ?? 'Import failed' };
      await moveJob(ctx.ports.store, job, 'submitted', failed);
      ctx.ports.logger?.warn('bulk import failed as a whole: its people go by REST', { jobId: job.jobId, batchId, message: failed.message });
      return { ...job, ...failed };
    }
    if (ctx.now() - started + settings.pollMs > settings.maxPollMs || ctx.settings.remainingTimeMs() - settings.pollMs < ctx.settings.safetyMarginMs) return job;
    await settings.sleep(settings.pollMs);
  }
}

/**
 * Writes every person's outcome back (failures and warnings from Marketo's
 * files) with the lead ID learnt, then deletes the job. Idempotent: a run
 * that dies here does it again, and people already written are left as they are.
 */
async function collect(ctx: RunContext, job: BulkJob, learnt: ReadonlyMap<string, number>): Promise<void> {
  const { marketo, store, logger } = ctx.ports;
  // rowsFailed/rowsWarned are unknown for a job that a previous version moved on: read both files then.
  const failures = (job.rowsFailed ?? 1) > 0 ? reasonsByEmail(await marketo.getImportFile(job.batchId!, 'failures')) : new Map<string, string>();
  const warnings = (job.rowsWarned ?? 1) > 0 ? reasonsByEmail(await marketo.getImportFile(job.batchId!, 'warnings')) : new Map<string, string>();
  await ctx.flushCalls();
  const atIso = new Date(ctx.now()).toISOString();
  const destination = ctx.destinations.get(job.destinationId);
  const audience = destination?.audiences.find((candidate) => candidate.audienceId === job.audienceId);
  // Another audience of the instance may meet these people: then the IDs go to the instance's cache as well.
  const cache = new BatchLeadIds(store, ctx.munchkinId, cacheIsShared(ctx.destinations.values()));
  let written = 0;
  let learned = 0;
  let notInList = 0;
  if (destination && audience) {
    for (let index = 0; index < job.chunks; index += 1) {
      const part = await readJobChunk(store, job, index);
      const ids = new Map(part.flatMap(([email]): Array<[string, number]> => (learnt.has(email) ? [[email, learnt.get(email)!]] : [])));
      await cache.save(ids, atIso);
      learned += ids.size;
      notInList += part.length - ids.size;
      const results: ItemResult[] = [];
      for (const { membership, recorded } of await currentMemberships(store, job, part)) {
        // Written back already (a run that died after this chunk): nothing to do, and its counters stay as they are.
        if (membership.version === recorded && membership.gsi1pk === undefined) continue;
        const item: WorkItem = { membership: { ...membership, version: recorded }, destination, audience, action: 'add' };
        // Outcome and history in words, as the REST path writes them (writeResults records both).
        const outcome = bulkImportOutcome({ failure: failures.get(membership.email), warning: warnings.get(membership.email) }, { batchId: job.batchId!, listId: job.listId }, atIso);
        const leadId = ids.get(membership.email);
        results.push(outcome.kind === 'failed' ? { item, outcome } : { item, applied: 'in', outcome, ...(leadId !== undefined ? { leadId } : {}) });
      }
      written += await writeResults(ctx, { results, atIso });
    }
  }
  await deleteJob(store, job);
  ctx.summary.leadIdsLearned += learned;
  if (failures.size > 0 || warnings.size > 0) logger?.warn('bulk import finished with failed or warned rows', { jobId: job.jobId, batchId: job.batchId, failed: failures.size, warned: warnings.size });
  // People not in the list are those whose row Marketo refused (their outcome says so) or who left it since.
  logger?.info('bulk import collected', { jobId: job.jobId, batchId: job.batchId, written, leadIdsLearned: learned, notInList });
}

function rowOf(membership: Membership): Record<string, CsvValue> {
  return { ...membership.attributes, email: membership.email };
}

/** The job's people as they are now, with the version recorded when the job was built (people whose membership is gone are left out). */
async function currentMemberships(store: Store, job: BulkJob, part: ReadonlyArray<[string, number]>): Promise<Array<{ membership: Membership; recorded: number }>> {
  const recorded = new Map(part);
  const items = await store.getMany(part.map(([email]) => keys.membership(job.destinationId, job.audienceId, email)));
  return items.map((item) => membershipSchema.parse(item)).map((membership) => ({ membership, recorded: recorded.get(membership.email) ?? membership.version }));
}

async function jobPeople(store: Store, job: BulkJob): Promise<Array<{ membership: Membership; recorded: number }>> {
  const all: Array<{ membership: Membership; recorded: number }> = [];
  for (let index = 0; index < job.chunks; index += 1) all.push(...(await currentMemberships(store, job, await readJobChunk(store, job, index))));
  return all;
}

/** A failures or warnings file: the rows as sent plus a last column saying why, keyed by the email column. */
function reasonsByEmail(file: string): Map<string, string> {
  const [header, ...rows] = parseCsv(file);
  const emailColumn = header?.indexOf('email') ?? -1;
  const reasons = new Map<string, string>();
  if (!header || emailColumn < 0) return reasons;
  for (const row of rows) {
    const email = row[emailColumn]?.trim().toLowerCase();
    if (email) reasons.set(email, row[row.length - 1] ?? 'unspecified');
  }
  return reasons;
}
