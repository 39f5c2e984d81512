import { randomUUID } from 'node:crypto';
import { createMarketoSandbox, type MarketoSandbox, type MarketoSandboxOptions } from '#local/sandboxes/marketo/index.ts';
import { ManualClock } from '#shared/clock.ts';
import { CallBudget, MarketoClient, MarketoTokenCache, type MarketoClientOptions } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';
import { inboxItems } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { canonicalEmail, keys, type ActivationRecord, type Destination, type StoredAudience } from '#functions/push-clone/core/model.ts';
import { runInstanceTick, type RunnerOptions, type RunnerPorts, type RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { touchWorkMarker } from '#functions/push-clone/persistence/work-marker.ts';
import { writeDestinationSetup } from '#functions/push-clone/persistence/destinations.ts';

/**
 * A push-clone world for runner tests: DynamoDB Local (a table per file), one
 * Marketo sandbox per instance on loopback, a clock the test moves, and
 * activations delivered the way the webhook stores them (inbox items plus the
 * work marker), so the real ingest folds them in.
 */
export const CLIENT_ID = 'runner-client';
export const CLIENT_SECRET = 'runner-secret-value-0123456789';

export interface Instance {
  munchkinId: string;
  sandbox: MarketoSandbox;
  client: MarketoClient;
}

export interface InstanceOptions {
  sandbox?: MarketoSandboxOptions;
  budget?: { callsPerWindow: number; windowMs: number; maxConcurrent: number };
  client?: Partial<MarketoClientOptions>;
}

let instanceCounter = 0;

/** A fresh Munchkin ID per instance, so many instances can share one table. */
export function nextMunchkinId(): string {
  instanceCounter += 1;
  return `${String(100 + (process.pid % 800)).padStart(3, '0')}-RUN-${String(instanceCounter).padStart(3, '0')}`;
}

export async function startInstance(options: InstanceOptions = {}): Promise<Instance> {
  const munchkinId = nextMunchkinId();
  // Fast windows keep tests quick; the client's budget matches the sandbox's limits.
  const limits = options.budget ?? { callsPerWindow: 100, windowMs: 200, maxConcurrent: 5 };
  const sandbox = createMarketoSandbox({
    munchkinId,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    seed: false,
    callsPerWindow: limits.callsPerWindow,
    windowMs: limits.windowMs,
    maxConcurrent: 10,
    ...options.sandbox,
  });
  await sandbox.start(0);
  return { munchkinId, sandbox, client: clientOf(munchkinId, sandbox, limits, options.client) };
}

export function clientOf(munchkinId: string, sandbox: MarketoSandbox, limits: { callsPerWindow: number; windowMs: number; maxConcurrent: number }, overrides: Partial<MarketoClientOptions> = {}): MarketoClient {
  return new MarketoClient({
    munchkinId,
    restBaseUrl: sandbox.baseUrl,
    identityBaseUrl: sandbox.identityUrl,
    credentials: async () => ({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
    budget: new CallBudget(limits),
    timeoutMs: 2_000,
    maxRetries: 4,
    backoffBaseMs: 5,
    backoffCapMs: 40,
    tokenCache: new MarketoTokenCache(),
    ...overrides,
  });
}

export interface DestinationSpec {
  munchkinId: string;
  mode: Destination['personCreationMode'];
  audiences: StoredAudience[];
  endDateBehavior?: Destination['endDateBehavior'];
  partitionName?: string;
}

/** Writes a destination and the instance's pointer to it, as the setup API saves them. */
export async function saveDestination(store: Store, spec: DestinationSpec, clock: ManualClock): Promise<Destination> {
  const at = new Date(clock.now()).toISOString();
  const destination: Destination = {
    destinationId: `dest-${randomUUID().slice(0, 8)}`,
    name: 'runner test',
    munchkinId: spec.munchkinId,
    imsOrgId: 'ABCDEF0123456789ABCDEF01@AdobeOrg',
    personCreationMode: spec.mode,
    identityNamespace: 'Email',
    fieldMappings: [],
    partitionName: spec.partitionName,
    endDateBehavior: spec.endDateBehavior ?? 'freeze',
    audiences: spec.audiences,
    state: 'active',
    createdAt: at,
    updatedAt: at,
  };
  return writeDestinationSetup(store, destination, undefined);
}

export interface Activation {
  audienceId: string;
  email: string;
  presence: 'in' | 'out';
  attributes?: ActivationRecord['attributes'];
}

/** Stores a delivery exactly as the webhook does: inbox items, then the work marker touched. */
export async function deliver(store: Store, clock: ManualClock, destination: Destination, activations: readonly Activation[]): Promise<void> {
  clock.advance(1_000);
  const receivedAt = clock.now();
  const records: ActivationRecord[] = activations.map((activation) => ({
    audienceId: activation.audienceId,
    email: canonicalEmail(activation.email), // as the webhook's parser stores it
    presence: activation.presence,
    qualifiedAt: receivedAt,
    attributes: activation.attributes ?? { firstName: 'Test' },
  }));
  await store.putMany(inboxItems(destination.munchkinId, destination.destinationId, receivedAt, records));
  await touchWorkMarker(store, destination.munchkinId, receivedAt);
}

export function people(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}.${from + index}@example.com`);
}

export const realize = (audienceId: string, emails: readonly string[]): Activation[] => emails.map((email) => ({ audienceId, email, presence: 'in' }));
export const exit = (audienceId: string, emails: readonly string[]): Activation[] => emails.map((email) => ({ audienceId, email, presence: 'out' }));

/** One runner invocation with plenty of time left. */
export function run(ports: RunnerPorts, munchkinId: string, options: Partial<RunnerOptions> = {}): Promise<RunSummary> {
  return runInstanceTick(ports, munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: `runner-${randomUUID()}`, ...options });
}

/** Invocations until one finds nothing left (as the dispatcher would start them tick after tick). */
export async function runUntilDone(ports: RunnerPorts, munchkinId: string, options: Partial<RunnerOptions> = {}, maxRuns = 20): Promise<RunSummary[]> {
  const summaries: RunSummary[] = [];
  for (let runs = 0; runs < maxRuns; runs += 1) {
    const summary = await run(ports, munchkinId, options);
    summaries.push(summary);
    if (summary.stoppedBy === 'done') return summaries;
  }
  throw new Error(`runner did not finish in ${maxRuns} runs: ${summaries.map((summary) => summary.stoppedBy).join(', ')}`);
}

/** Runs until done (as `runUntilDone`) and returns the REST calls the sandbox answered meanwhile. */
export async function callsUntilDone(ports: RunnerPorts, munchkinId: string, sandbox: MarketoSandbox, options: Partial<RunnerOptions> = {}) {
  const before = restCalls(sandbox);
  await runUntilDone(ports, munchkinId, options);
  return diffCalls(before, restCalls(sandbox));
}

/** The emails in a sandbox list, sorted. */
export function listEmails(sandbox: MarketoSandbox, listId: number): string[] {
  return sandbox
    .listMemberIds(listId)
    .map((id) => sandbox.lead(id)?.email?.toLowerCase() ?? `#${id}`)
    .sort();
}

/** REST calls the sandbox answered (identity calls apart), by kind and in total. */
export function restCalls(sandbox: MarketoSandbox): { total: number; identity: number; byKind: Record<string, number> } {
  const { callsByKind } = sandbox.stats();
  const { identity, ...rest } = callsByKind;
  return { total: Object.values(rest).reduce((sum, count) => sum + count, 0), identity, byKind: rest };
}

export function diffCalls(before: ReturnType<typeof restCalls>, after: ReturnType<typeof restCalls>) {
  const byKind = Object.fromEntries(Object.entries(after.byKind).map(([kind, count]) => [kind, count - (before.byKind[kind] ?? 0)]).filter(([, count]) => count !== 0));
  return { total: after.total - before.total, identity: after.identity - before.identity, byKind };
}

/** Memberships still carrying the work-queue keys (due or not). */
export async function pendingCount(store: Store, munchkinId: string): Promise<number> {
  return (await store.queryAllOf(keys.pendingPartitions(munchkinId), { index: 'gsi1',  })).length;
}

export function sorted(emails: Iterable<string>): string[] {
  return [...emails].sort();
}
