import { MarketoAuthError, MarketoConfigError, MarketoDailyQuotaError, MarketoUnavailableError } from '#shared/marketo/index.ts';
import { recordLastError } from '#functions/push-clone/core/marketo-batch/write-back.ts';
import { stopDestination } from '#functions/push-clone/persistence/destinations.ts';
import { parkInstance } from '#functions/push-clone/core/instance/park.ts';
import type { RunContext, StopReason, WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

/**
 * What the run does when Marketo refuses a call as a whole, by failure class:
 * the one table of the run's responses. Which Marketo code falls in which
 * class is decided by the code table (`shared/marketo/errors.ts`, `RULES`);
 * record-level codes (one person refused) never reach here: they become that
 * person's outcome (`marketo-batch/list-changes.ts`).
 *
 * | class | Marketo codes | the run |
 * |---|---|---|
 * | `MarketoConfigError` | 1013 list gone, 603 permission, 605/609/610/612/613, unknown codes | stops this destination (its people stay pending until an admin saves it again); other destinations go on |
 * | `MarketoDailyQuotaError` | 607 | parks the instance until the next US-Central midnight (`instance/park.ts`) and ends the tick |
 * | `MarketoUnavailableError`, `MarketoAuthError` | 604/608/611/614/713, 5xx, time-outs, 606/615 still refused after the client's retries; 401 from the identity service | records `lastError` and ends the tick; the next tick retries |
 * | anything else | | rethrown: the tick fails, the lease lapses, nothing written is lost |
 *
 * In every case the people of the failed call keep their pending state (no
 * outcome is written for them), so nothing is lost and nothing is counted twice.
 */
export async function respondToMarketoFailure(ctx: RunContext, destinationId: string, items: readonly WorkItem[], error: unknown, atIso: string): Promise<StopReason | undefined> {
  const { store, logger } = ctx.ports;
  const audiences = items.map(({ membership }) => ({ destinationId: membership.destinationId, audienceId: membership.audienceId }));
  if (error instanceof MarketoConfigError) {
    const destination = ctx.destinations.get(destinationId);
    if (destination) ctx.destinations.set(destinationId, await stopDestination(store, destination, error.message));
    ctx.summary.stoppedDestinations.push(destinationId);
    await recordLastError(store, audiences, error.message, atIso);
    logger?.warn('destination stopped', { destinationId, code: error.code, reason: error.message });
    return undefined;
  }
  if (error instanceof MarketoDailyQuotaError) {
    await parkInstance(store, ctx.munchkinId, error.resumeAt.toISOString(), error.message);
    await recordLastError(store, audiences, error.message, atIso);
    ctx.summary.lastError = error.message;
    logger?.warn('instance parked until the daily quota resets', { resumeAt: error.resumeAt.toISOString() });
    return 'daily_quota';
  }
  if (error instanceof MarketoUnavailableError || error instanceof MarketoAuthError) {
    await recordLastError(store, audiences, error.message, atIso);
    ctx.summary.lastError = error.message;
    logger?.warn('Marketo unavailable: ending this tick', { code: error.code, reason: error.message });
    return 'unavailable';
  }
  throw error;
}
