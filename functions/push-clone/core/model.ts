import { z } from 'zod';
import { configSchema } from '#shared/config/schema.ts';

/**
 * Push clone's data model: key builders, item shapes and the meaning of each state.
 * The webhook (ingest) writes what AEP says a person should be (`desired`);
 * the runner writes what Marketo has (`applied`). A membership is pending while
 * the two differ, and only then carries the work-queue keys (gsi1).
 *
 * The items and their keys are listed once, in docs/data-model.md.
 */

export const PERSON_CREATION_MODES = ['createMissing', 'matchExistingOnly'] as const;
export type PersonCreationMode = (typeof PERSON_CREATION_MODES)[number];

/** After an audience's end date, syncing stops; this says what becomes of the list. */
export const END_DATE_BEHAVIORS = ['freeze', 'removeMembers'] as const;
export type EndDateBehavior = (typeof END_DATE_BEHAVIORS)[number];

export const fieldMappingSchema = z.object({
  /** Path in the AEP profile, e.g. `person.name.firstName`. */
  source: z.string().min(1).max(200),
  /** Marketo field REST name, e.g. `company`. */
  target: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'a Marketo field REST name'),
});
export type FieldMapping = z.infer<typeof fieldMappingSchema>;

export const DEFAULT_FIELD_MAPPINGS: FieldMapping[] = [
  { source: 'person.name.firstName', target: 'firstName' },
  { source: 'person.name.lastName', target: 'lastName' },
  // AEP's "companyName" is Marketo's `company` (not `companyName`): docs/vendors/marketo.md, Sync leads.
  { source: 'companyName', target: 'company' },
];

/** AEP's own audiences live in the `ups` namespace; others (`CustomerAudienceUpload`, ...) are named in setup. */
export const DEFAULT_AUDIENCE_NAMESPACE = 'ups';

/**
 * One place a profile's email may be read from: an identity namespace (in
 * `identityMap`, or `identities` as a Destination SDK template writes it) or an
 * XDM attribute path such as `personalEmail.address`.
 */
export const emailSourceSchema = z.union([
  z.strictObject({ namespace: z.string().trim().min(1).max(100) }),
  z.strictObject({ path: z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+){0,11}$/, 'a dotted XDM path such as personalEmail.address') }),
]);
export type EmailSource = z.infer<typeof emailSourceSchema>;

/**
 * The default resolves Adobe's documented examples: Destination SDK profiles
 * carry the email in identityMap's `Email` namespace, the HTTP API export in
 * `personalEmail.address` (its identityMap holds only ECID and hashed emails).
 */
export const DEFAULT_EMAIL_SOURCES: EmailSource[] = [{ namespace: 'Email' }, { path: 'personalEmail.address' }, { path: 'workEmail.address' }];

export const storedAudienceSchema = z.object({
  audienceId: z.string(),
  /** The segmentMembership namespace the audience lives in (absent: `ups`); entries in other namespaces never touch it. */
  namespace: z.string().optional(),
  /** The Marketo static list ID (the "mapping ID"). */
  listId: z.number().int().positive(),
  startDate: z.string(),
  endDate: z.string().optional(),
  /**
   * When the end-date behaviour was carried out for this end date. Not stored
   * on the destination: it comes from the runner's own item (`keys.destinationRunState`).
   */
  endHandledAt: z.string().optional(),
});
export type StoredAudience = z.infer<typeof storedAudienceSchema>;

export const destinationSchema = z.object({
  destinationId: z.string(),
  name: z.string(),
  description: z.string().optional(),
  munchkinId: z.string(),
  /** The IMS org of the instance's confirmed mapping when the destination was saved. */
  imsOrgId: z.string(),
  personCreationMode: z.enum(PERSON_CREATION_MODES),
  identityNamespace: z.literal('Email'),
  /** Where a profile's email comes from, in order (absent: DEFAULT_EMAIL_SOURCES). */
  emailSources: z.array(emailSourceSchema).min(1).max(20).optional(),
  /** false only when the admin opted out of the x-gw-ims-org-id check (absent: required). */
  requireImsOrgHeader: z.boolean().optional(),
  fieldMappings: z.array(fieldMappingSchema),
  partitionName: z.string().optional(),
  endDateBehavior: z.enum(END_DATE_BEHAVIORS),
  audiences: z.array(storedAudienceSchema),
  /**
   * The setup's version: +1 on every admin save (absent: 0). A runner's stop
   * counts only against the version it ran with, so a save made since wins.
   */
  version: z.number().int().nonnegative().optional(),
  /**
   * A destination stops on configuration errors (list gone, permission) until
   * it is saved again. Not stored on the destination: the runner records it in
   * its own item (`keys.destinationRunState`), and readers join the two.
   */
  state: z.enum(['active', 'stopped']),
  stoppedReason: z.string().optional(),
  /** Paused by an admin: nothing is pushed, pending work waits (absent: not paused). */
  paused: z.boolean().optional(),
  /** Deleted by an admin: the runner carries out the list choice, then removes the destination and its people. */
  deletion: z.object({ lists: z.enum(['keep', 'removeAdded']), requestedAt: z.string(), requestedBy: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The admin (token subject) who saved it last. */
  updatedBy: z.string().optional(),
});
export type Destination = z.infer<typeof destinationSchema>;

export type Presence = 'in' | 'out';
export type FieldValue = string | number | boolean | null;

/** What happened to a person the last time the runner handled them. */
export const outcomeSchema = z.object({
  kind: z.enum(['added', 'removed', 'skipped', 'failed', 'expired']),
  /** For skipped and failed: a reason code (e.g. `not_found_in_marketo`, Marketo's `1006`). */
  reason: z.string().optional(),
  /** For skipped, failed and expired: what happened and what to do, in words (outcomes/outcome-reasons.ts). */
  message: z.string().optional(),
  /** For failed: attempts so far at this change, and when a transient failure is tried again. */
  attempts: z.number().int().positive().optional(),
  retryAt: z.string().optional(),
  at: z.string(),
});
export type Outcome = z.infer<typeof outcomeSchema>;

export const membershipSchema = z.object({
  destinationId: z.string(),
  audienceId: z.string(),
  munchkinId: z.string(),
  /** Lower-cased, trimmed: the identity in the Email namespace. */
  email: z.string(),
  desired: z.enum(['in', 'out']),
  /** AEP's lastQualificationTime in epoch ms: the newest wins. */
  qualifiedAt: z.number(),
  /** Marketo field values to send when the person is created or updated. */
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /** What the list holds as far as we know: in, out, or never touched. */
  applied: z.enum(['in', 'out', 'none']),
  /** Incremented on every change of `desired`, so the runner's write-back cannot hide a newer activation. */
  version: z.number().int(),
  outcome: outcomeSchema.optional(),
  /** The Marketo lead ID once the runner knows it, so an exit costs neither a lookup nor a cache read. */
  leadId: z.number().int().positive().optional(),
  /** What happened to this person, newest last, bounded (outcomes/person-history.ts). */
  hist: z.array(z.looseObject({ at: z.string(), kind: z.enum(['delivery', 'decision', 'marketo']) })).optional(),
  gsi1pk: z.string().optional(),
  gsi1sk: z.string().optional(),
});
export type Membership = z.infer<typeof membershipSchema>;

/** `LEADS#<munchkinId>` / `<email>`: a person's Marketo lead ID, learnt from a sync or a lookup. */
export const leadIdItemSchema = z.object({ email: z.string(), leadId: z.number().int().positive(), at: z.string() });

/** `INSTANCE#<munchkinId>` / `PUSH_PARK`: no Marketo call for this instance before `resumeAt` (607, daily quota). */
export const parkSchema = z.object({ munchkinId: z.string(), resumeAt: z.string(), reason: z.string() });
export type Park = z.infer<typeof parkSchema>;

/**
 * Hot keys are spread over `KEY_SHARDS` partitions by a hash of the email
 * (docs/scale.md, "Keys that spread"): an audience's memberships, the
 * instance's due-work queue (`gsi1`), a destination's aliases and the
 * instance's lead ID cache, so none takes more than about 1/KEY_SHARDS of
 * its kind's writes. DynamoDB serves about 1,000 write units a second per
 * partition; a 1M push writes the audience's memberships at up to ~1,500
 * WCU/s, so the default 16 keeps every key under 100 WCU/s, a tenth of a
 * partition, leaving room for adaptive capacity to be late.
 *
 * Set at install (`PUSH_KEY_SHARDS`, read once here: the key layout is a
 * property of the deployment, not of a request). Every reader must find what
 * a writer wrote, so it cannot change once items are written: the table
 * records it on the first run and a runner configured otherwise refuses to
 * run (persistence/key-layout.ts). An item stays one item (its key is a
 * function of the email alone), so every conditional write, and with it
 * newest-wins and the queue as the checkpoint, is as before; only reads of a
 * whole audience, queue or cache read every shard.
 */
export const KEY_SHARDS: number = configSchema.shape.PUSH_KEY_SHARDS.parse(process.env.PUSH_KEY_SHARDS || undefined);

/** FNV-1a over the email's UTF-16 code units: stable across processes and releases (never change it: keys depend on it). */
export function shardOf(email: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < email.length; index += 1) {
    hash ^= email.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % KEY_SHARDS;
}

const SHARDS = Array.from({ length: KEY_SHARDS }, (_, shard) => shard);
const sharded = (base: string, shard: number) => `${base}#S${shard}`;

export const keys = {
  destination: (destinationId: string) => ({ pk: `DEST#${destinationId}`, sk: 'DEST' }),
  /** The runner's own state of a destination (stop, end dates carried out): written by the runner only. */
  destinationRunState: (destinationId: string) => ({ pk: `DEST#${destinationId}`, sk: 'RUNSTATE' }),
  instanceDestination: (munchkinId: string, destinationId: string) => ({ pk: `INSTANCE#${munchkinId}`, sk: `DEST#${destinationId}` }),
  instanceDestinationsPrefix: (munchkinId: string) => ({ partition: `INSTANCE#${munchkinId}`, sortPrefix: 'DEST#' }),
  stats: (destinationId: string, audienceId: string) => ({ pk: `DEST#${destinationId}`, sk: `STATS#${audienceId}` }),
  /** Every partition of an audience's memberships (read a whole audience: query each). */
  membershipPartitions: (destinationId: string, audienceId: string) => SHARDS.map((shard) => sharded(`DEST#${destinationId}#AUD#${audienceId}`, shard)),
  membership: (destinationId: string, audienceId: string, email: string) => ({ pk: sharded(`DEST#${destinationId}#AUD#${audienceId}`, shardOf(email)), sk: `P#${email}` }),
  /** The `gsi1` queue partition a person's due work is in. */
  pendingPartition: (munchkinId: string, email: string) => sharded(`PUSH#${munchkinId}`, shardOf(email)),
  /** Every `gsi1` queue partition of an instance (a pass over the queue reads each). */
  pendingPartitions: (munchkinId: string) => SHARDS.map((shard) => sharded(`PUSH#${munchkinId}`, shard)),
  /** gsi1 of people whose last attempt failed and who wait for an admin (a setup fix or retry-failed): sort key `<reason>#<email>`. */
  failedPartition: (destinationId: string, audienceId: string) => `FAILED#${destinationId}#${audienceId}`,
  /** gsi1 of people skipped for good (e.g. not found in match-only mode): sort key `<reason>#<email>`, for samples by reason. */
  skippedPartition: (destinationId: string, audienceId: string) => `SKIPPED#${destinationId}#${audienceId}`,
  reasonSort: (reason: string, email: string) => `${reason}#${email}`,
  pendingSort: (notBeforeIso: string, destinationId: string, audienceId: string, email: string) => `${notBeforeIso}#${destinationId}#${audienceId}#${email}`,
  inboxPartition: (munchkinId: string) => `INBOX#${munchkinId}`,
  workMarker: (munchkinId: string) => ({ pk: 'PUSH_WORK', sk: munchkinId }),
  workMarkerPartition: 'PUSH_WORK',
  /** Every partition of an instance's lead ID cache. */
  leadIdPartitions: (munchkinId: string) => SHARDS.map((shard) => sharded(`LEADS#${munchkinId}`, shard)),
  leadId: (munchkinId: string, email: string) => ({ pk: sharded(`LEADS#${munchkinId}`, shardOf(email)), sk: email }),
  park: (munchkinId: string) => ({ pk: `INSTANCE#${munchkinId}`, sk: 'PUSH_PARK' }),
  intake: (destinationId: string) => ({ pk: `DEST#${destinationId}`, sk: 'INTAKE' }),
  alias: (destinationId: string, email: string) => ({ pk: sharded(`ALIAS#${destinationId}`, shardOf(email)), sk: email }),
  quarantinePartition: (destinationId: string) => `QUARANTINE#${destinationId}`,
  quarantine: (destinationId: string, audienceId: string, subject: string) => ({ pk: `QUARANTINE#${destinationId}`, sk: `${audienceId}#${subject}` }),
  archivePartition: (destinationId: string) => `ARCHIVE#${destinationId}`,
  callsPerDay: (munchkinId: string, centralDate: string) => ({ pk: `INSTANCE#${munchkinId}`, sk: `MARKETO_CALLS#${centralDate}` }),
} as const;

/** The identity as we key it (shared/identifiers.ts). */
export { canonicalEmail } from '#shared/identifiers.ts';

/**
 * Parses the mapping ID an admin pasted: `1001`, `ST1001A1`, or a whole list URL
 * ending `#ST1001A1` (Marketo's UI). Returns undefined when it is none of these.
 */
export function parseMappingId(input: string | number): number | undefined {
  const text = String(input).trim();
  const match = /^(\d+)$/.exec(text) ?? /(?:^|[#/])ST(\d+)A\d+\/?$/i.exec(text);
  if (!match?.[1]) return undefined;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

// ---------------------------------------------------------------------------
// Added with the webhook, ingest and status (additive: the names above are stable).
// ---------------------------------------------------------------------------

export const APPLIED_STATES = ['in', 'out', 'none'] as const;
export type AppliedState = (typeof APPLIED_STATES)[number];

/**
 * The one rule for "this membership has work": the list should change. A person
 * who left before we ever added them (`desired: out`, `applied: none`) costs
 * nothing, so is not pending. Ingest and the runner's write-back both use this.
 */
export function isPendingState(desired: Presence, applied: AppliedState): boolean {
  return applied === 'none' ? desired === 'in' : desired !== applied;
}

export const fieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One person's membership of one audience as an activation stated it, normalised by the parser. */
export const activationRecordSchema = z.object({
  audienceId: z.string(),
  email: z.string(),
  presence: z.enum(['in', 'out']),
  /** AEP's lastQualificationTime (or the receipt time when AEP sent none), epoch ms. */
  qualifiedAt: z.number(),
  attributes: z.record(z.string(), fieldValueSchema),
});
export type ActivationRecord = z.infer<typeof activationRecordSchema>;

/**
 * One AEP profile as the webhook keeps it: its emails (the person's first,
 * then the aliases, in resolution order), its mapped attributes once, and its
 * memberships of mapped audiences. Stored bytes grow with profiles, not with
 * profiles x emails x audiences.
 */
export const profileRecordSchema = z.object({
  emails: z.array(z.string()).min(1),
  attributes: z.record(z.string(), fieldValueSchema),
  memberships: z.array(z.object({ audienceId: z.string(), presence: z.enum(['in', 'out']), qualifiedAt: z.number() })).min(1),
});
export type ProfileRecord = z.infer<typeof profileRecordSchema>;

/**
 * Why a profile or one of its audience entries was not accepted. Profile-level
 * reasons count profiles; entry-level ones count audience entries.
 */
export const REFUSAL_REASONS = [
  /** profile: no email in the configured sources (hashed-only identities included: never guessed). */
  'unresolvable_identity',
  /** profile: an array element that is not a profile at all. */
  'not_a_profile',
  /** profile: no segmentMembership entries. */
  'no_membership',
  /** entry: an audience this destination does not map. */
  'unmapped_audience',
  /** entry: a mapped audience ID under another namespace than the mapped one. */
  'other_namespace',
  /** entry: status other than realized, existing or exited. */
  'bad_status',
  /** entry: lastQualificationTime missing, unreadable, or outside the sane window. */
  'bad_timestamp',
  /** profile or entry: beyond the parser's caps (profiles per body, audiences per profile, attribute size). */
  'over_limits',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];
export type RefusalCounts = Partial<Record<RefusalReason, number>>;
/** Counter field prefix of refusals in the stats and intake items (`refused_<reason>`). */
export const REFUSED_FIELD_PREFIX = 'refused_';

/**
 * An inbox item: the records of (part of) one webhook delivery, written before
 * the webhook answers. `records` is the JSON of ActivationRecord[] in one string
 * attribute: far cheaper to marshal than a list of maps, and its size is known
 * exactly when chunking under DynamoDB's 400 KB item limit.
 */
export const inboxItemSchema = z.object({
  munchkinId: z.string(),
  destinationId: z.string(),
  /** When the webhook received the delivery (epoch ms): "arrived after the end date" is judged on this. */
  receivedAt: z.number(),
  recordCount: z.number().int().nonnegative(),
  /** JSON of ActivationRecord[] (one per email and audience; written by tests and older versions). */
  records: z.string().optional(),
  /** JSON of ProfileRecord[], gzip (what the webhook writes): resolved into records at ingest, aliases included. */
  profilesGzip: z.custom<Uint8Array>((value) => value instanceof Uint8Array).optional(),
});
export type InboxItem = z.infer<typeof inboxItemSchema>;

/** The inbox sort key: receipt time first, so a query reads the oldest deliveries first. */
export function inboxKey(munchkinId: string, receivedAtMs: number, id: string) {
  return { pk: keys.inboxPartition(munchkinId), sk: `${new Date(receivedAtMs).toISOString()}#${id}` };
}

/**
 * The work marker of an instance. Every webhook delivery SETs `updatedAt` and
 * ADDs 1 to `version`; a runner that found nothing left deletes the marker only
 * on the condition `version = <the version it read>`, so it can never delete a
 * marker for work that arrived meanwhile.
 */
export const workMarkerSchema = z.object({
  munchkinId: z.string(),
  updatedAt: z.string(),
  version: z.number().int().positive(),
});
export type WorkMarker = z.infer<typeof workMarkerSchema>;

/** A membership's place in a gsi1 partition (the work queue, or the FAILED / SKIPPED samples). */
export interface QueueKeys {
  gsi1pk: string;
  gsi1sk: string;
}

/**
 * Where a write leaves a membership in gsi1: at a place (`keepPlace`: keep
 * the place it has, if any, so it does not go to the back), out of the
 * index, or where it is.
 */
export type QueueMove = { at: QueueKeys; keepPlace?: boolean } | 'out' | 'unchanged';

/** A change the runner or an admin makes to a membership (persistence/memberships.ts writes it). */
export interface MembershipChange {
  set: Partial<Pick<Membership, 'hist' | 'outcome' | 'applied' | 'leadId' | 'attributes'>>;
  queue: QueueMove;
  /** Drop the lead ID (Marketo no longer knows it): the next pass looks the person up again. */
  forgetLeadId?: boolean;
}

/**
 * What folding a newer statement into a membership changes, and the state it
 * was computed from (`base`, and `read` when computed on an item read): the
 * write holds only while the item is still in that state.
 */
export interface FoldChange {
  desired: Presence;
  qualifiedAt: number;
  attributes: Membership['attributes'];
  bumpsVersion: boolean;
  queue: Exclude<QueueMove, 'unchanged'>;
  base: { desired: Presence; applied: AppliedState };
  /** An equal `qualifiedAt` is newer too (a tie that `out` wins). */
  tieWins: boolean;
  read?: Pick<Membership, 'qualifiedAt' | 'version'>;
}

/** The pointer item `keys.instanceDestination`: lets the runner and ingest list an instance's destinations. */
export const instanceDestinationSchema = z.object({ destinationId: z.string() });

/**
 * Stats of one audience (`keys.stats`), written by the runner with
 * `ADD <field> :n` (counters) and `SET lastRunAt, lastError`. Counter names
 * come from `statsFieldFor`, so the runner and the status read agree.
 */
export const STATS_COUNTER_FIELDS = ['added', 'removed', 'failed', 'expired'] as const;
export const SKIPPED_FIELD_PREFIX = 'skipped_';
export const STATS_LAST_RUN_FIELD = 'lastRunAt';
export const STATS_LAST_ERROR_FIELD = 'lastError';
/** The field of `keys.callsPerDay` that counts Marketo calls (ADD). */
export const MARKETO_CALLS_FIELD = 'calls';

/**
 * The counter an outcome increments: `added`, `removed`, `failed`, `expired`,
 * or `skipped_<reason>` (reason reduced to [A-Za-z0-9_], `unspecified` when absent),
 * e.g. `skipped_not_found_in_marketo`, `skipped_1006`.
 */
export function statsFieldFor(outcome: Pick<Outcome, 'kind' | 'reason'>): string {
  if (outcome.kind !== 'skipped') return outcome.kind;
  const reason = (outcome.reason ?? '').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 100);
  return `${SKIPPED_FIELD_PREFIX}${reason || 'unspecified'}`;
}

const counter = z.number().int().nonnegative().default(0);
export const audienceStatsSchema = z.looseObject({
  added: counter,
  removed: counter,
  failed: counter,
  expired: counter,
  lastRunAt: z.string().optional(),
  lastError: z.string().optional(),
});
export type AudienceStats = z.infer<typeof audienceStatsSchema>;
