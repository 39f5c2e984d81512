import { describeError } from '#shared/http/index.ts';
import { CAMPAIGN_SYNC_TICK_MINUTES } from '#functions/campaign/catalog.ts';
import { listAccounts, readStatus } from './accounts';
import { readCursorHead, type CursorHead } from './cursor';
import type { SyncStatus } from './model';
import { CAMPAIGN_RETRY_MS, runSync, type SyncPorts, type SyncResult } from './sync';

/** Adobe asks for a full UMAPI sync at most every ~2 hours (docs/vendors/umapi.md). */
export const FULL_SYNC_EVERY_MS = 2 * 3_600_000;

/**
 * Due: a saved cursor whose wait is over; a run some of whose links failed in
 * Campaign, 15 minutes on (the next run sends only those); or no full sync
 * started in the last two hours. So a user removed from a profile loses the
 * operator group link at most about 2 h 15 min later (two hours between full
 * syncs, plus the tick), or as soon as an admin runs a sync.
 */
export function isDue(status: SyncStatus, head: CursorHead | undefined, now: number): boolean {
  if (head) return head.resumeAt <= now;
  if (status.lastOutcome === 'partially_applied' && status.lastCompletedAt !== undefined && now - status.lastCompletedAt >= CAMPAIGN_RETRY_MS) return true;
  return status.lastStartedAt === undefined || now - status.lastStartedAt >= FULL_SYNC_EVERY_MS;
}

const SYNC_TICK_MS = CAMPAIGN_SYNC_TICK_MINUTES * 60_000;

/**
 * Stale: no sync of the account has completed for two ticks past the moment a
 * full sync was due (an account never synced counts from its creation). One
 * slow run is not stale; an account whose syncs keep failing or never finish
 * is, and the tick counts it for the `CampaignSyncsStale` alarm.
 */
export function isStale(status: SyncStatus, createdAtMs: number, now: number): boolean {
  const since = status.lastCompletedAt ?? createdAtMs;
  return now - since > FULL_SYNC_EVERY_MS + 2 * SYNC_TICK_MS;
}

export type TickResult = { account: string; /** See isStale: still stale after this tick. */ stale: boolean; result: SyncResult | { status: 'not_due' } | { status: 'failed'; code: string } };

/**
 * One scheduler tick: syncs every due account in turn, each with the time the
 * invocation has left, so one slow org cannot push another past the timeout.
 */
export async function syncDueAccounts(ports: SyncPorts, remainingTimeMs: () => number): Promise<TickResult[]> {
  const results: TickResult[] = [];
  for (const { account, createdAt } of await listAccounts(ports.store)) {
    const [status, head] = await Promise.all([readStatus(ports.store, account), readCursorHead(ports.store, account)]);
    const stale = isStale(status, Date.parse(createdAt), ports.clock.now());
    if (!isDue(status, head, ports.clock.now())) {
      results.push({ account, stale, result: { status: 'not_due' } });
      continue;
    }
    try {
      const result = await runSync(ports, account, { dryRun: false, remainingTimeMs: remainingTimeMs() });
      results.push({ account, stale: stale && result.status !== 'completed', result });
    } catch (error) {
      // One account's bad credential must not stop the others; the handler fails the tick after the loop.
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'internal_error';
      ports.logger?.error('campaign sync failed', { account, code, error: describeError(error) });
      results.push({ account, stale, result: { status: 'failed', code } });
    }
  }
  return results;
}
