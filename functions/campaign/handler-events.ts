import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { BadRequestError } from '#shared/errors.ts';
import { EventBridgeSink } from '#shared/events/eventbridge.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { createMetrics, MetricUnit } from '#shared/metrics.ts';
import { defaultPorts } from '#shared/runtime/ports.ts';
import { scheduledEventSchema } from '#shared/runtime/scheduled-event.ts';
import { drainOutbox, type DrainResult } from './core/event-drain';

const logger = createLogger('campaign-events');
const metrics = createMetrics('campaign-events');
let sink: { key: string; sink: EventBridgeSink } | undefined;

/**
 * Scheduled every minute: publishes pending change sets to the event bus.
 * Entries EventBridge refuses stay pending and fail the invocation, so the
 * schedule retries it, then sends it to its dead-letter queue, and the
 * `CampaignEventsFailed` metric and the alarms say so.
 */
export const handler = middy<unknown, DrainResult | { skipped: 'no_event_bus' }, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    if (!scheduledEventSchema.safeParse(event).success) throw new BadRequestError('The Campaign event publisher expects a scheduled event { schedule, scheduledTime? }.', { code: 'invalid_event' });
    const ports = defaultPorts();
    const busName = ports.config.CAMPAIGN_EVENT_BUS_NAME;
    if (!busName) {
      logger.warn('no event bus configured (CAMPAIGN_EVENT_BUS_NAME): change sets stay in the outbox');
      return { skipped: 'no_event_bus' };
    }
    const key = `${busName}\n${ports.config.EVENTBRIDGE_ENDPOINT ?? ''}`;
    if (sink?.key !== key) sink = { key, sink: EventBridgeSink.create({ busName, region: ports.config.AWS_REGION, endpoint: ports.config.EVENTBRIDGE_ENDPOINT }) };
    const result = await drainOutbox({ store: ports.store, sink: sink.sink, now: () => ports.clock.now() });
    metrics.addMetric('CampaignEventsPublished', MetricUnit.Count, result.sent);
    metrics.addMetric('CampaignEventsFailed', MetricUnit.Count, result.failed);
    logger.info('campaign events drained', { sent: result.sent, failed: result.failed });
    if (result.failed > 0) {
      logger.warn('campaign events refused by EventBridge', { failures: result.failures });
      throw new Error(`${result.failed} Campaign change set events were refused by EventBridge (${[...new Set(result.failures.map((f) => f.errorCode))].join(', ')}); they stay pending and are retried.`);
    }
    return result;
  });
