import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { z } from 'zod';
import { BadRequestError, NotFoundError } from '#shared/errors.ts';
import { instanceDailyQuota, readInstance } from '#shared/instances/instance-store.ts';
import { marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { createMetrics, MetricUnit, OPERATIONAL_METRICS } from '#shared/metrics.ts';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { defaultPorts } from '#shared/runtime/ports.ts';
import { historyPolicy } from '#functions/push-clone/core/outcomes/person-history.ts';
import { QUOTA_RECHECK_EVERY } from '#functions/push-clone/core/instance/instance-quota.ts';
import { runInstanceTick, type RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import type { OutcomeKind } from '#functions/push-clone/core/runner/run-context.ts';

const logger = createLogger('push-clone-runner');

const metrics = createMetrics('push-clone-runner');

const eventSchema = z.object({ munchkinId: munchkinIdSchema });

/** Invoked asynchronously by the dispatcher, one invocation per instance with work. */
export const handler = middy<unknown, RunSummary>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) throw new BadRequestError('The push-clone runner expects { munchkinId: "123-ABC-456" }.', { code: 'invalid_event' });
    const { munchkinId } = parsed.data;
    logger.appendKeys({ munchkinId });
    const ports = defaultPorts();
    const instance = await readInstance(ports.store, munchkinId);
    if (!instance) throw new NotFoundError(`Marketo instance ${munchkinId} is not registered: register it with PUT /marketo/instances/${munchkinId}`, { code: 'instance_not_found' });
    const marketo = marketoClientFor(instance, ports);
    const summary = await runInstanceTick({ store: ports.store, clock: ports.clock, marketo, logger }, munchkinId, {
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      leaseOwner: context.awsRequestId,
      history: historyPolicy(ports.config),
      quota: { dailyQuota: instanceDailyQuota(instance, ports.config), floor: ports.config.MARKETO_DAILY_FLOOR, recheckEvery: QUOTA_RECHECK_EVERY },
    });
    recordRunMetrics(summary, marketo.stats.throttledWaits);
    return summary;
  });

/** One metric per outcome kind; `PeopleFailed` is alarmed. */
const OUTCOME_METRICS: Record<OutcomeKind, string> = {
  added: 'PeopleAdded',
  removed: 'PeopleRemoved',
  skipped: 'PeopleSkipped',
  failed: OPERATIONAL_METRICS.peopleFailed.name,
  expired: 'PeopleExpired',
};

/** What DevOps watch: outcomes, calls spent, Marketo throttling (606/615 waits) and quarantined items (both alarmed in the stack). */
function recordRunMetrics(summary: RunSummary, throttledWaits: number): void {
  metrics.addMetric(OPERATIONAL_METRICS.marketoCalls.name, MetricUnit.Count, summary.marketoCalls);
  metrics.addMetric(OPERATIONAL_METRICS.marketoThrottled.name, MetricUnit.Count, throttledWaits);
  for (const [kind, count] of Object.entries(summary.outcomes) as Array<[OutcomeKind, number]>) metrics.addMetric(OUTCOME_METRICS[kind], MetricUnit.Count, count);
  metrics.addMetric(OPERATIONAL_METRICS.membershipsQuarantined.name, MetricUnit.Count, summary.quarantined);
  metrics.addMetric('BulkLeadIdsLearned', MetricUnit.Count, summary.leadIdsLearned);
  metrics.addMetric('BulkLeadIdExtractsFailed', MetricUnit.Count, summary.leadIdExtractsFailed);
  if (summary.stoppedBy === 'daily_quota') metrics.addMetric('DailyQuotaReached', MetricUnit.Count, 1);
}
