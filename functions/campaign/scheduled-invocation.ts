import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { BadRequestError } from '#shared/errors.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { createMetrics, MetricUnit, OPERATIONAL_METRICS } from '#shared/metrics.ts';
import { defaultPorts } from '#shared/runtime/ports.ts';
import { scheduledEventSchema } from '#shared/runtime/scheduled-event.ts';
import { syncDueAccounts, type TickResult } from './core/schedule';
import { campaignSyncPorts } from './sync-ports';

const logger = createLogger('campaign-sync');
const metrics = createMetrics('campaign-sync');

/** Scheduled tick: syncs every Campaign account that is due (a cursor to resume, or two hours since the last full sync). */
export const handler = middy<unknown, { synced: number; results: TickResult[] }, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) throw new BadRequestError('The Campaign sync expects a scheduled event { schedule, scheduledTime? }.', { code: 'invalid_event' });
    const ports = defaultPorts();
    const results = await syncDueAccounts(campaignSyncPorts(ports, logger, metrics), () => context.getRemainingTimeInMillis());
    const failed = results.filter(({ result }) => result.status === 'failed');
    const stale = results.filter((entry) => entry.stale);
    metrics.addMetric(OPERATIONAL_METRICS.campaignStaleSyncs.name, MetricUnit.Count, stale.length);
    if (stale.length > 0) logger.warn('campaign accounts not synced for too long', { accounts: stale.map(({ account }) => account) });
    logger.info('campaign sync tick', { schedule: parsed.data.schedule, accounts: results.length, failed: failed.length });
    // A failed account must reach the schedule's retry and dead-letter queue, not only a log line.
    if (failed.length > 0) throw new Error(`${failed.length} of ${results.length} Campaign syncs failed: ${failed.map(({ account }) => account).join(', ')}`);
    return { synced: results.filter(({ result }) => result.status === 'completed').length, results };
  });
