import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { CampaignUnavailableError } from '#shared/campaign/index.ts';
import type { Clock } from '#shared/clock.ts';
import { MetricUnit, OPERATIONAL_METRICS } from '#shared/metrics.ts';
import { LeaseLock, type Store } from '#shared/store/index.ts';
import { UmapiThrottledError } from '#shared/umapi/index.ts';
import { readOperatorGroups, requireAccount } from './accounts';
import { collectCandidates, collectMembers, OutOfTimeError } from './collect';
import { clearCursor, loadCursor, readCursorHead, saveCursor, type CursorState } from './cursor';
import { applyToCampaign, countByStatus, type ApplyReport } from './campaign-apply';
import type { CampaignConnector } from './campaign-connector';
import { desiredLinks, diffLinks, linkKey, linkWrites, settleLinks } from './diff';
import { applyChangeSet, publishPending, readLinks } from './history';
import { compileMask } from './mask';
import { keys, type CampaignAccount, type CampaignChangeSet } from './model';
import { planProfiles } from './profiles';
import type { EventPublisher } from './publisher';
import type { UmapiConnector } from './umapi-connector';
import { markStatus } from '#functions/campaign/persistence/sync-status.ts';

export interface SyncPorts {
  store: Store;
  clock: Clock;
  umapi: UmapiConnector;
  campaign: CampaignConnector;
  publisher: EventPublisher;
  logger?: Logger;
  /** Counts of links applied, not found and failed in Campaign (published by the handler). */
  metrics?: Pick<Metrics, 'addMetric'>;
}

export interface SyncOptions {
  dryRun: boolean;
  /** The Lambda's remaining time (context.getRemainingTimeInMillis()); we never sleep or page past it. */
  remainingTimeMs?: number;
}

export type SyncResult =
  | { status: 'completed'; changeSet: CampaignChangeSet }
  | { status: 'resumable'; resumeAt: string; reason: StopReason }
  | { status: 'busy' };

type StopReason = 'throttled' | 'out_of_time' | 'campaign_unavailable';

/** Campaign could not be reached: the collected UMAPI state is kept and the next tick (15 minutes) tries Campaign again. */
export const CAMPAIGN_RETRY_MS = 15 * 60_000;

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
  const previous = await readLinks(ports.store, account.account);
  const changes = diffLinks(previous, desired, account.removalCapPerRun);
  const capExceeded = changes.removalCount > account.removalCapPerRun;
  // The cap and the dry run hold for what is sent: over the cap no removal reaches Campaign.
  const report = await applyChanges(ports, account, { add: changes.usersAdded, remove: capExceeded ? [] : changes.usersRemoved, dryRun });
  const failed = report?.links.some((link) => link.status === 'failed') ?? false;
  const completedAt = ports.clock.now();
  const changeSet: CampaignChangeSet = {
    changeSetId: randomUUID(),
    account: account.account,
    dryRun,
    outcome: dryRun ? 'dry_run' : capExceeded ? 'removal_cap_exceeded' : failed ? 'partially_applied' : 'applied',
    startedAt: iso(state.startedAt),
    completedAt: iso(completedAt),
    linksAdded: changes.linksAdded,
    linksRemoved: changes.linksRemoved,
    usersAdded: changes.usersAdded,
    usersRemoved: changes.usersRemoved,
    unmatchedProfiles: plan.unmatched,
    warnings: plan.warnings,
    removals: { count: changes.removalCount, cap: account.removalCapPerRun, applied: !capExceeded },
    // Users whose operator or group is still missing are listed again on every run (they are retried), but change nothing.
    empty: changes.linksAdded.length + changes.linksRemoved.length === 0 && (changes.usersAdded.length + changes.usersRemoved.length === 0 || (report?.links.every(isUnresolved) ?? false)),
    ...(report ? { campaign: { sent: report.sent, counts: countByStatus(report.links), links: report.links, ...(report.error ? { error: report.error } : {}) } } : {}),
  };
  if (!dryRun) {
    if (!changeSet.empty) {
      const notAdded = new Set((report?.links ?? []).filter((l) => l.action === 'add' && l.status !== 'added' && l.status !== 'already_present').map((l) => linkKey(l.operatorGroup, l.email)));
      const notRemoved = new Set((report?.links ?? []).filter((l) => l.action === 'remove' && l.status === 'failed').map((l) => linkKey(l.operatorGroup, l.email)));
      await applyChangeSet(ports.store, ports.publisher, changeSet, linkWrites(previous, settleLinks(changes.next, notAdded, notRemoved)));
    }
    await clearCursor(ports.store, account.account);
    await markStatus(ports.store, account.account, { lastCompletedAt: completedAt, lastOutcome: changeSet.outcome, resumeAt: undefined });
  }
  const counts = changeSet.campaign?.counts ?? {};
  ports.logger?.info('campaign sync finished', {
    account: account.account,
    outcome: changeSet.outcome,
    linksAdded: changes.linksAdded.length,
    usersAdded: changes.usersAdded.reduce((total, group) => total + group.emails.length, 0),
    usersRemoved: changes.removalCount,
    unmatched: plan.unmatched.length,
    warnings: plan.warnings.length,
    campaignSent: changeSet.campaign?.sent ?? 0,
    campaign: counts,
  });
  const notApplied = { operatorNotFound: counts.operator_not_found ?? 0, groupNotFound: counts.group_not_found ?? 0, failed: counts.failed ?? 0 };
  if (notApplied.operatorNotFound + notApplied.groupNotFound + notApplied.failed > 0) {
    ports.logger?.warn('campaign links not applied', { account: account.account, dryRun, ...notApplied, error: changeSet.campaign?.error?.code });
  }
  if (!dryRun && ports.metrics) {
    ports.metrics.addMetric('CampaignLinksAdded', MetricUnit.Count, counts.added ?? 0);
    ports.metrics.addMetric('CampaignLinksRemoved', MetricUnit.Count, counts.removed ?? 0);
    ports.metrics.addMetric('CampaignOperatorsNotFound', MetricUnit.Count, notApplied.operatorNotFound);
    ports.metrics.addMetric('CampaignGroupsNotFound', MetricUnit.Count, notApplied.groupNotFound);
    ports.metrics.addMetric('CampaignLinksFailed', MetricUnit.Count, notApplied.failed);
    // Alarmed (CampaignRemovalCap): a sync that held back its removals waits for a person to look.
    ports.metrics.addMetric(OPERATIONAL_METRICS.campaignRemovalCapStops.name, MetricUnit.Count, changeSet.outcome === 'removal_cap_exceeded' ? 1 : 0);
  }
  return changeSet;
}

/** Applies the users added and removed to Campaign (reads only for a dry run); nothing to do, no logon. */
async function applyChanges(ports: SyncPorts, account: CampaignAccount, request: Parameters<typeof applyToCampaign>[1]): Promise<ApplyReport | undefined> {
  if (request.add.length + request.remove.length === 0) return undefined;
  const directory = ports.campaign.connect(account);
  try {
    return await applyToCampaign(directory, request);
  } finally {
    await directory.close().catch(() => undefined);
  }
}

function isUnresolved(link: { status: string }): boolean {
  return link.status === 'operator_not_found' || link.status === 'group_not_found';
}

function stopOf(error: unknown, now: number): { resumeAt: number; reason: StopReason } | undefined {
  if (error instanceof UmapiThrottledError) return { resumeAt: error.retryAt, reason: 'throttled' };
  if (error instanceof CampaignUnavailableError) return { resumeAt: now + CAMPAIGN_RETRY_MS, reason: 'campaign_unavailable' };
  if (error instanceof OutOfTimeError) return { resumeAt: now, reason: 'out_of_time' };
  return undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
