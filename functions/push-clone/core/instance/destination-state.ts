import type { Destination, StoredAudience } from '#functions/push-clone/core/model.ts';

/**
 * The runner's own state of a destination, kept apart from the admin's setup
 * (persistence/destinations.ts): a stop after a configuration error (list
 * gone, permission), recorded with the setup `version` the runner ran with,
 * and per audience the end date whose behaviour it carried out.
 */
export interface DestinationRunState {
  stopped?: { reason: string; version: number };
  ended: Record<string, { endDate: string; at: string }>;
}

/** A destination's setup as the admin saved it: no runner state in it. */
export type DestinationSetup = Omit<Destination, 'state' | 'stoppedReason'>;

/**
 * The destination as everyone reads it: the setup joined with the runner's
 * state. A stop counts only against the setup it was recorded for: an admin's
 * save since is the fix, and the destination runs again. An end mark counts
 * only for the end date it was made for: a new end date reopens the audience.
 */
export function withRunState(setup: DestinationSetup, run: DestinationRunState): Destination {
  const stop = run.stopped && run.stopped.version === (setup.version ?? 0) ? run.stopped : undefined;
  const audiences: StoredAudience[] = setup.audiences.map(({ endHandledAt: _ignored, ...audience }) => {
    const mark = run.ended[audience.audienceId];
    return mark && mark.endDate === audience.endDate ? { ...audience, endHandledAt: mark.at } : audience;
  });
  return { ...setup, audiences, state: stop ? 'stopped' : 'active', ...(stop ? { stoppedReason: stop.reason } : {}) };
}

export function isEnded(endDate: string | undefined, now: number): boolean {
  return endDate !== undefined && Date.parse(endDate) <= now;
}
