import { z } from 'zod';
import { chunks } from '#shared/collections.ts';
import { ConditionFailedError, type Store } from '#shared/store/index.ts';
import type { Membership } from '#functions/push-clone/core/model.ts';
import { LEARNING_STATES } from '#functions/push-clone/core/marketo-batch/learn-lead-ids.ts';

/**
 * The instance's open bulk import job (`INSTANCE#<munchkinId>` / `PUSH_BULK`)
 * and its people in chunk items (`PUSH_BULK#<munchkinId>#<jobId>` /
 * `CHUNK#<n>`): the state machine of marketo-batch/bulk-import.ts. Every move
 * of the job is conditioned on the job and state it moves from.
 */

export const jobSchema = z.object({
  jobId: z.string(),
  state: z.enum(['building', 'ready', 'submitted', 'failed', ...LEARNING_STATES]),
  munchkinId: z.string(),
  destinationId: z.string(),
  audienceId: z.string(),
  listId: z.number(),
  people: z.number(),
  chunks: z.number(),
  batchId: z.number().optional(),
  submissions: z.number().default(0),
  createdAt: z.string(),
  failedAt: z.string().optional(),
  message: z.string().optional(),
  /** When the import completed and learning lead IDs began (the outcomes are written once they are learnt). */
  learningSince: z.string().optional(),
  /** Rows Marketo refused or warned about (its failures and warnings files hold them). */
  rowsFailed: z.number().optional(),
  rowsWarned: z.number().optional(),
  /** The lead extract learning the IDs. */
  exportId: z.string().optional(),
});
export type BulkJob = z.infer<typeof jobSchema>;

export const bulkKeys = {
  /** `INSTANCE#<munchkinId>` / `PUSH_BULK`: the instance's open bulk import job. */
  job: (munchkinId: string) => ({ pk: `INSTANCE#${munchkinId}`, sk: 'PUSH_BULK' }),
  /** `PUSH_BULK#<munchkinId>#<jobId>` / `CHUNK#<n>`: the people of a job, with the membership version read. */
  chunk: (munchkinId: string, jobId: string, index: number) => ({ pk: `PUSH_BULK#${munchkinId}#${jobId}`, sk: `CHUNK#${String(index).padStart(5, '0')}` }),
};

const chunkSchema = z.object({ people: z.array(z.tuple([z.string(), z.number()])) });

/** People per chunk item: ~40 bytes each, far below DynamoDB's 400 KB per item. */
export const CHUNK_PEOPLE = 2_500;

export async function readBulkJob(store: Store, munchkinId: string): Promise<BulkJob | undefined> {
  const item = await store.get(bulkKeys.job(munchkinId));
  return item ? jobSchema.parse(item) : undefined;
}

/**
 * Records a new job (state `building`, only if the instance has none) and
 * its people (email and the membership version read), in chunks of
 * CHUNK_PEOPLE; every item expires at `expiresAt` (epoch seconds).
 */
export async function recordJob(store: Store, job: BulkJob, people: readonly Membership[], expiresAt: number): Promise<void> {
  await store.put({ ...bulkKeys.job(job.munchkinId), ...job, expiresAt }, { expression: 'attribute_not_exists(pk)' });
  await store.putMany(
    chunks(people, CHUNK_PEOPLE).map((part, index) => ({ ...bulkKeys.chunk(job.munchkinId, job.jobId, index), people: part.map((m) => [m.email, m.version]), expiresAt })),
  );
}

/** One chunk's people: [email, membership version when the job was built]. */
export async function readJobChunk(store: Store, job: BulkJob, index: number): Promise<Array<[string, number]>> {
  const item = await store.get(bulkKeys.chunk(job.munchkinId, job.jobId, index));
  if (!item) throw new Error(`bulk import job ${job.jobId} lost its chunk ${index}`);
  return chunkSchema.parse(item).people;
}

/** Moves the job on (`change`), only while it is still this job in state `from`. */
export async function moveJob(store: Store, job: BulkJob, from: BulkJob['state'], change: Partial<BulkJob>): Promise<void> {
  const entries = Object.entries(change);
  await store.update(
    bulkKeys.job(job.munchkinId),
    {
      expression: `SET ${entries.map((_, index) => `#f${index} = :v${index}`).join(', ')}`,
      names: Object.fromEntries(entries.map(([name], index) => [`#f${index}`, name])),
      values: Object.fromEntries(entries.map(([, value], index) => [`:v${index}`, value])),
    },
    { expression: 'jobId = :jobId AND #state = :from', names: { '#state': 'state' }, values: { ':jobId': job.jobId, ':from': from } },
  );
}

/** Deletes the job item if it is still this job; its chunk items expire on their own. */
export async function deleteJob(store: Store, job: BulkJob): Promise<void> {
  try {
    await store.delete(bulkKeys.job(job.munchkinId), { expression: 'jobId = :jobId', values: { ':jobId': job.jobId } });
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
  }
}
