import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { z } from 'zod';
import { BadRequestError, NotFoundError } from '#shared/errors.ts';
import { readInstance } from '#shared/instances/instance-store.ts';
import { marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { createMetrics, MetricUnit, RUNNER_THROTTLE_METRIC } from '#shared/metrics.ts';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { defaultPorts } from '#shared/runtime/ports.ts';
import { historyPolicy } from '#functions/push-clone/core/outcomes/person-history.ts';
import { QUOTA_RECHECK_EVERY } from '#functions/push-clone/core/instance/instance-quota.ts';
import { runInstanceTick, type RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';

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
      quota: { dailyQuota: ports.config.MARKETO_DAILY_QUOTA, floor: ports.config.MARKETO_DAILY_FLOOR, recheckEvery: QUOTA_RECHECK_EVERY },
    });
    recordRunMetrics(summary, marketo.stats.throttledWaits);
    return summary;
  });

/** What DevOps watch: outcomes, calls spent, and Marketo throttling (606/615 waits; alarmed in the stack). */
function recordRunMetrics(summary: RunSummary, throttledWaits: number): void {
  metrics.addMetric('MarketoCalls', MetricUnit.Count, summary.marketoCalls);
  metrics.addMetric(RUNNER_THROTTLE_METRIC, MetricUnit.Count, throttledWaits);
  for (const [kind, count] of Object.entries(summary.outcomes)) metrics.addMetric(`People${kind[0]?.toUpperCase()}${kind.slice(1)}`, MetricUnit.Count, count);
  metrics.addMetric('BulkLeadIdsLearned', MetricUnit.Count, summary.leadIdsLearned);
  metrics.addMetric('BulkLeadIdExtractsFailed', MetricUnit.Count, summary.leadIdExtractsFailed);
  if (summary.stoppedBy === 'daily_quota') metrics.addMetric('DailyQuotaReached', MetricUnit.Count, 1);
}
