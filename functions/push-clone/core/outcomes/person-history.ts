import type { Config } from '#shared/config/index.ts';
import { failureClass, RETRY_BACKOFF, retryDelayMs } from '#functions/push-clone/core/outcomes/outcome-reasons.ts';
import type { Membership, Outcome } from '#functions/push-clone/core/model.ts';
import type { ItemResult } from '#functions/push-clone/core/runner/run-context.ts';

/**
 * A person's history in one audience, kept on the membership item itself
 * (`hist`, newest last): the write that records an outcome records its
 * history in the same request, so history costs no extra write and can never
 * disagree with the outcome. Bounded by count and by age (HistoryPolicy).
 */
export type HistoryEntry =
  /** The delivery the runner acted on (one entry per version of the membership). */
  | { at: string; kind: 'delivery'; status: 'realized' | 'exited'; qualificationTime: string; version: number }
  /** What the runner or an admin decided without asking Marketo. */
  | { at: string; kind: 'decision'; action: 'in_step' | 'expire' | 'retry_scheduled' | 'wait_for_admin' | 'requeue'; reason?: string; message: string }
  /** What Marketo answered for this person. */
  | { at: string; kind: 'marketo'; outcome: Outcome['kind']; code?: string; message?: string; leadId?: number };

export interface HistoryPolicy {
  maxEntries: number;
  retentionMs: number;
}

export const DEFAULT_HISTORY_POLICY: HistoryPolicy = { maxEntries: 20, retentionMs: 30 * 86_400_000 };

/** The policy the settings ask for (PERSON_HISTORY_RETENTION_DAYS, PERSON_HISTORY_MAX_ENTRIES). */
export function historyPolicy(config: Pick<Config, 'PERSON_HISTORY_RETENTION_DAYS' | 'PERSON_HISTORY_MAX_ENTRIES'>): HistoryPolicy {
  return { maxEntries: config.PERSON_HISTORY_MAX_ENTRIES, retentionMs: config.PERSON_HISTORY_RETENTION_DAYS * 86_400_000 };
}

/** The entries kept: younger than the retention, the newest `maxEntries`. */
export function appendHistory(existing: Membership['hist'], entries: readonly HistoryEntry[], nowMs: number, policy: HistoryPolicy): HistoryEntry[] {
  const oldest = nowMs - policy.retentionMs;
  const kept = ((existing ?? []) as HistoryEntry[]).filter((entry) => Date.parse(entry.at) >= oldest);
  return [...kept, ...entries].slice(-policy.maxEntries);
}

/** Entries younger than the retention (what a reader may show: TTL-like expiry is enforced on read as well). */
export function liveHistory(existing: Membership['hist'], nowMs: number, policy: HistoryPolicy): HistoryEntry[] {
  return appendHistory(existing, [], nowMs, policy);
}

/** The delivery behind this membership's current version, unless already recorded. */
function deliveryEntry(membership: Membership): HistoryEntry[] {
  const recorded = (membership.hist ?? []).some((entry) => entry.kind === 'delivery' && entry.version === membership.version);
  if (recorded) return [];
  const qualificationTime = new Date(membership.qualifiedAt).toISOString();
  return [{ at: qualificationTime, kind: 'delivery', status: membership.desired === 'in' ? 'realized' : 'exited', qualificationTime, version: membership.version }];
}

/** What one runner result adds to the person's history. */
export function historyOf(result: ItemResult, atIso: string): HistoryEntry[] {
  const { item, outcome } = result;
  const entries = deliveryEntry(item.membership);
  if (!outcome) {
    entries.push({ at: atIso, kind: 'decision', action: 'in_step', message: 'Nothing to change in the list: it already matches the audience.' });
    return entries;
  }
  if (outcome.kind === 'expired') {
    entries.push({ at: atIso, kind: 'decision', action: 'expire', reason: outcome.reason, message: outcome.message ?? 'The change was dropped.' });
    return entries;
  }
  entries.push({
    at: atIso,
    kind: 'marketo',
    outcome: outcome.kind,
    ...(outcome.reason ? { code: outcome.reason } : {}),
    ...(outcome.message ? { message: outcome.message } : {}),
    ...(result.leadId !== undefined ? { leadId: result.leadId } : {}),
  });
  if (outcome.kind === 'failed') {
    entries.push(
      outcome.retryAt
        ? { at: atIso, kind: 'decision', action: 'retry_scheduled', reason: outcome.reason, message: `Tried ${outcome.attempts ?? 1} time(s); tried again after ${outcome.retryAt}.` }
        : { at: atIso, kind: 'decision', action: 'wait_for_admin', reason: outcome.reason, message: 'Waits for the setup to be fixed (a save of the destination) or for "retry failed".' },
    );
  }
  return entries;
}

/**
 * Counts attempts at a failing change and plans its retry: a transient
 * failure is tried again after a backoff (until RETRY_BACKOFF.maxAttempts),
 * any other waits for an admin. Returns the outcome to record.
 */
export function planRetry(membership: Membership, outcome: Outcome, nowMs: number): Outcome {
  if (outcome.kind !== 'failed') return outcome;
  const previous = membership.outcome;
  const attempts = previous?.kind === 'failed' && previous.reason === outcome.reason ? (previous.attempts ?? 1) + 1 : 1;
  if (failureClass(outcome.reason ?? 'unspecified') !== 'transient' || attempts >= RETRY_BACKOFF.maxAttempts) return { ...outcome, attempts };
  return { ...outcome, attempts, retryAt: new Date(nowMs + retryDelayMs(attempts)).toISOString() };
}
