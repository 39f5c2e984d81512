import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '#shared/clock.ts';
import { LeaseLock, type Store } from '#shared/store/index.ts';
import { UmapiThrottledError } from '#shared/umapi/index.ts';
import { readOperatorGroups, requireAccount } from './accounts';
import { collectCandidates, collectMembers, OutOfTimeError } from './collect';
import { clearCursor, loadCursor, readCursorHead, saveCursor, type CursorState } from './cursor';
import { desiredLinks, diffLinks } from './diff';
import { applyChangeSet, publishPending, readLinks } from './history';
import { compileMask } from './mask';
import { keys, type CampaignAccount, type CampaignChangeSet } from './model';
import { planProfiles } from './profiles';
import type { EventPublisher } from './publisher';
import type { UmapiConnector } from './umapi-connector';

export interface SyncPorts {
  store: Store;
  clock: Clock;
  umapi: UmapiConnector;
  publisher: EventPublisher;
  logger?: Logger;
}

export interface SyncOptions {
  dryRun: boolean;
  /** The Lambda's remaining time (context.getRemainingTimeInMillis()); we never sleep or page past it. */
  remainingTimeMs?: number;
}

export type SyncResult =
  | { status: 'completed'; changeSet: CampaignChangeSet }
  | { status: 'resumable'; resumeAt: string; reason: 'throttled' | 'out_of_time' }
  | { status: 'busy' };

/** Time kept back to save the cursor and release the lock before the Lambda is stopped. */
const SAVE_MARGIN_MS = 10_000;
const DEFAULT_REMAINING_MS = 15 * 60_000;

/**
 * One sync of one account: the org's groups and the users of each linked
 * profile from UMAPI, the desired links, the diff against the last applied
 * links, and (unless a dry run) the change set applied, kept and published.
 * A per-account lease keeps two runs apart; a 429 or the deadline saves the
 * cursor and returns `resumable` instead of sleeping.
 */
export async function runSync(ports: SyncPorts, accountKey: string, options: SyncOptions): Promise<SyncResult> {
  const account = await requireAccount(ports.store, accountKey);
  const operatorGroups = await readOperatorGroups(ports.store, accountKey);
  const mask = compileMask(account.associationMask, { caseInsensitive: account.caseInsensitive });
  const remaining = options.remainingTimeMs ?? DEFAULT_REMAINING_MS;
  const runId = randomUUID();
  const lock = new LeaseLock(ports.store, ports.clock);
  const lease = await lock.acquire(keys.lease(accountKey), runId, remaining + 60_000);
  if (!lease) return { status: 'busy' };
  try {
    if (!options.dryRun) await publishPending(ports.store, ports.publisher, accountKey);
    const now = ports.clock.now();
    const head = await readCursorHead(ports.store, accountKey);
    const saved = await loadCursor(ports.store, accountKey, head, now);
    // UMAPI asked us to wait: calling before resumeAt would only earn another 429.
    if (saved && head && head.resumeAt > now) return { status: 'resumable', resumeAt: iso(head.resumeAt), reason: 'throttled' };
    const state: CursorState = saved ?? { runId, startedAt: now, groupsPage: 0, candidates: [], completed: [], members: {} };
    if (!saved && !options.dryRun) await markStatus(ports.store, accountKey, { lastStartedAt: now });
    const deadline = now + remaining - SAVE_MARGIN_MS;
    const timeLeft = () => ports.clock.now() < deadline;
    const client = ports.umapi.connect(account, { deadline: () => deadline });
    try {
      await collectCandidates(client, state, mask, timeLeft);
      const plan = planProfiles(state.candidates, operatorGroups, account.caseInsensitive);
      await collectMembers(client, state, plan.linked, timeLeft);
      return { status: 'completed', changeSet: await finish(ports, account, state, operatorGroups, options.dryRun) };
    } catch (error) {
      const stop = stopOf(error, ports.clock.now());
      if (!stop) throw error;
      // A dry run changes nothing, its cursor included: the admin runs it again after resumeAt.
      if (!options.dryRun) {
        await saveCursor(ports.store, accountKey, state, stop.resumeAt, ports.clock.now());
        await markStatus(ports.store, accountKey, { resumeAt: stop.resumeAt, lastOutcome: `resumable:${stop.reason}` });
      }
      ports.logger?.info('campaign sync paused', { account: accountKey, reason: stop.reason, resumeAt: iso(stop.resumeAt), profilesDone: state.completed.length });
      return { status: 'resumable', resumeAt: iso(stop.resumeAt), reason: stop.reason };
    }
  } finally {
    await lock.release(lease);
  }
}

async function finish(ports: SyncPorts, account: CampaignAccount, state: CursorState, operatorGroups: string[], dryRun: boolean): Promise<CampaignChangeSet> {
  const plan = planProfiles(state.candidates, operatorGroups, account.caseInsensitive);
  const desired = desiredLinks(plan.linked, new Map(Object.entries(state.members)));
  const changes = diffLinks(await readLinks(ports.store, account.account), desired, account.removalCapPerRun);
  const capExceeded = changes.removalCount > account.removalCapPerRun;
  const completedAt = ports.clock.now();
  const changeSet: CampaignChangeSet = {
    changeSetId: randomUUID(),
    account: account.account,
    dryRun,
    outcome: dryRun ? 'dry_run' : capExceeded ? 'removal_cap_exceeded' : 'applied',
    startedAt: iso(state.startedAt),
    completedAt: iso(completedAt),
    linksAdded: changes.linksAdded,
    linksRemoved: changes.linksRemoved,
    usersAdded: changes.usersAdded,
    usersRemoved: changes.usersRemoved,
    unmatchedProfiles: plan.unmatched,
    warnings: plan.warnings,
    removals: { count: changes.removalCount, cap: account.removalCapPerRun, applied: !capExceeded },
    empty: changes.linksAdded.length + changes.linksRemoved.length + changes.usersAdded.length + changes.usersRemoved.length === 0,
  };
  if (!dryRun) {
    if (!changeSet.empty) await applyChangeSet(ports.store, ports.publisher, changeSet, changes);
    await clearCursor(ports.store, account.account);
    await markStatus(ports.store, account.account, { lastCompletedAt: completedAt, lastOutcome: changeSet.outcome, resumeAt: undefined });
  }
  ports.logger?.info('campaign sync finished', {
    account: account.account,
    outcome: changeSet.outcome,
    linksAdded: changes.linksAdded.length,
    usersAdded: changes.usersAdded.reduce((total, group) => total + group.emails.length, 0),
    usersRemoved: changes.removalCount,
    unmatched: plan.unmatched.length,
    warnings: plan.warnings.length,
  });
  return changeSet;
}

function stopOf(error: unknown, now: number): { resumeAt: number; reason: 'throttled' | 'out_of_time' } | undefined {
  if (error instanceof UmapiThrottledError) return { resumeAt: error.retryAt, reason: 'throttled' };
  if (error instanceof OutOfTimeError) return { resumeAt: now, reason: 'out_of_time' };
  return undefined;
}

/** Sets the given status fields; an undefined value removes the field. */
async function markStatus(store: Store, account: string, fields: Record<string, number | string | undefined>): Promise<void> {
  const set = Object.entries(fields).filter(([, value]) => value !== undefined);
  const remove = Object.entries(fields).filter(([, value]) => value === undefined);
  const names = Object.fromEntries(Object.keys(fields).map((name, index) => [`#f${index}`, name]));
  const alias = (name: string) => `#f${Object.keys(fields).indexOf(name)}`;
  const expression = [
    set.length ? `SET ${set.map(([name]) => `${alias(name)} = :${name}`).join(', ')}` : '',
    remove.length ? `REMOVE ${remove.map(([name]) => alias(name)).join(', ')}` : '',
  ].filter(Boolean).join(' ');
  await store.update(keys.status(account), { expression, names, values: set.length ? Object.fromEntries(set.map(([name, value]) => [`:${name}`, value])) : undefined });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
