import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BadRequestError } from '#shared/errors.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { defaultInvoker } from '#shared/runtime/invoker.ts';
import { defaultPorts } from '#shared/runtime/ports.ts';
import { scheduledEventSchema } from '#shared/runtime/scheduled-event.ts';
import { dispatch, type DispatchResult } from '#functions/push-clone/core/runner/dispatcher.ts';

const logger = createLogger('push-clone-dispatcher');

/** Locally the invoker resolves catalog names, so the catalog name is the default. */
const LOCAL_RUNNER_NAME = 'push-clone-runner';

/** Scheduled every minute: fans out one push-clone runner per Marketo instance with work. */
export const handler = middy<unknown, { invoked: number; results: DispatchResult[] }>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) throw new BadRequestError('The dispatcher expects a scheduled event { schedule, scheduledTime? }.', { code: 'invalid_event' });
    const ports = defaultPorts();
    const results = await dispatch({ ...ports, invoker: defaultInvoker(), logger }, ports.config.PUSH_RUNNER_FUNCTION_NAME ?? LOCAL_RUNNER_NAME);
    const failed = results.filter((result) => result.action === 'failed');
    logger.info('push clone dispatched', { schedule: parsed.data.schedule, instances: results.length, failed: failed.length });
    // A failed fan-out must reach the schedule's retry and dead-letter queue, not only a log line.
    if (failed.length > 0) throw new Error(`${failed.length} of ${results.length} runner invocations failed: ${failed.map((result) => result.munchkinId).join(', ')}`);
    return { invoked: results.filter((result) => result.action === 'invoked').length, results };
  });
