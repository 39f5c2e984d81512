import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '#shared/clock.ts';
import type { MarketoClient } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';
import type { BulkJob, BulkSettings } from '#functions/push-clone/core/marketo-batch/bulk-import.ts';
import type { QuotaSettings } from '#functions/push-clone/core/instance/instance-quota.ts';
import type { AppliedState, Destination, Membership, Outcome, StoredAudience } from '#functions/push-clone/core/model.ts';
import type { HistoryPolicy } from '#functions/push-clone/core/outcomes/person-history.ts';

export interface RunnerPorts {
  store: Store;
  clock: Clock;
  /** The instance's client (its call budget and token cache are shared per process). */
  marketo: MarketoClient;
  logger?: Logger;
}

/** Folds the instance's inbox into memberships (push-clone ingest); run first, under the lease. */
export type IngestFn = (
  ports: { store: Store; clock: Clock },
  munchkinId: string,
  options: { shouldContinue: () => boolean; destinations: ReadonlyMap<string, Destination> },
) => Promise<{ quarantined: number } | undefined>;

export interface RunnerOptions {
  /** The Lambda's remaining time; the runner stops before a batch when less than `safetyMarginMs` is left. */
  remainingTimeMs: () => number;
  /** Unique per invocation (the Lambda request ID). */
  leaseOwner: string;
  /** Defaults to the real ingest (`ingestInbox`); tests may pass their own. */
  ingest?: IngestFn;
  /** People per Marketo call (Marketo's maximum is 300). */
  batchSize?: number;
  /** Default 60 s: the longest a batch can take (a throttled call waits a window, a slow one up to 100 s is rare). */
  safetyMarginMs?: number;
  /** Default 55 s: how long the instance's lease lasts past its last renewal (a dead runner is taken over that long after). */
  leaseTtlMs?: number;
  /** Due items held in memory while filling 300-record calls; past this everything held is sent. */
  maxBuffered?: number;
  /** Parallel DynamoDB writes. */
  writeConcurrency?: number;
  /** How much of each person's history is kept (PERSON_HISTORY_* settings). */
  history?: HistoryPolicy;
  /** Bulk import for large first pushes (marketo-batch/bulk-import.ts); `false` pushes everything by REST. */
  bulk?: Partial<BulkSettings> | false;
  /** The instance's whole daily quota (instance/instance-quota.ts): Marketo's usage is read and the floor kept; without it only our own 607 stops us. */
  quota?: QuotaSettings;
}

export type RunnerSettings = Required<Omit<RunnerOptions, 'bulk' | 'quota'>> & { bulk: BulkSettings | false; quota?: QuotaSettings };

export type StopReason =
  /** Nothing due is left (or what is left belongs to stopped destinations). */
  | 'done'
  /** Another runner holds the instance's lease. */
  | 'lease_busy'
  /** The lease was taken over (it lapsed): stop at once, the new holder carries on. */
  | 'lease_lost'
  /** The instance is parked until its daily quota resets. */
  | 'parked'
  /** 607 met during this run: parked now. */
  | 'daily_quota'
  /** Too little time left for another batch; the queue is the checkpoint. */
  | 'out_of_time'
  /** Marketo kept failing (or refused our credentials): `lastError` recorded, the next tick retries. */
  | 'unavailable';

export type OutcomeKind = Outcome['kind'];

export interface RunSummary {
  munchkinId: string;
  stoppedBy: StopReason;
  batches: number;
  /** REST calls to Marketo (retries included) and identity calls, as the client counted them. */
  marketoCalls: number;
  tokenCalls: number;
  outcomes: Record<OutcomeKind, number>;
  /** People whose write-back found a newer activation (they stay pending). */
  conflicts: number;
  /** Lead IDs learnt after a bulk import (its exits then need no lookup). */
  leadIdsLearned: number;
  /** Bulk imports whose lead IDs could not be learnt (their people's exits look them up). */
  leadIdExtractsFailed: number;
  stoppedDestinations: string[];
  /** Records and memberships set aside this run (ingest's and the queue's): alarmed as MembershipsQuarantined. */
  quarantined: number;
  marker: 'deleted' | 'idle' | 'kept' | 'absent';
  lastError?: string;
}

/** What the runner does with one due membership. */
export type WorkAction =
  /** Put the person in the list. */
  | 'add'
  /** Take the person out of the list. */
  | 'remove'
  /** Nothing to change in Marketo: only clear the work-queue keys. */
  | 'in_step'
  /** Too late (audience ended, unmapped): drop the change, no call. */
  | 'expire';

export interface WorkItem {
  membership: Membership;
  destination: Destination;
  audience: StoredAudience;
  action: WorkAction;
  /** Outcome reason for expire, and for removals caused by the end date. */
  reason?: string;
}

/** The result of handling one person in a batch, written back with a condition on the version read. */
export interface ItemResult {
  item: WorkItem;
  outcome?: Outcome;
  /** What the list now holds for this person, when the batch changed or learnt it. */
  applied?: AppliedState;
  leadId?: number;
  /** The cached lead ID is wrong (Marketo: 1004 lead not found): forget it and keep the person pending. */
  forgetLeadId?: boolean;
}

export function emptySummary(munchkinId: string): RunSummary {
  return {
    munchkinId,
    stoppedBy: 'done',
    batches: 0,
    marketoCalls: 0,
    tokenCalls: 0,
    outcomes: { added: 0, removed: 0, skipped: 0, failed: 0, expired: 0 },
    conflicts: 0,
    leadIdsLearned: 0,
    leadIdExtractsFailed: 0,
    stoppedDestinations: [],
    quarantined: 0,
    marker: 'absent',
  };
}

/** One run's shared state, handed to each batch. */
export interface RunContext {
  ports: RunnerPorts;
  munchkinId: string;
  settings: RunnerSettings;
  summary: RunSummary;
  /** Updated in place when a destination is stopped during the run. */
  destinations: Map<string, Destination>;
  now(): number;
  /** Checks the time left and renews the lease; says why to stop, or undefined to go on. */
  beforeBatch(): Promise<StopReason | undefined>;
  /** Adds the Marketo calls made since the last flush to the instance's daily count. */
  flushCalls(): Promise<void>;
  /** A person's transient failure is retried at `atMs`: the instance's marker must wake the runner by then. */
  noteRetryAt(atMs: number): void;
  /** The instance's open bulk import job: the REST push leaves its audience's additions to it. */
  bulkJob?: BulkJob;
}
