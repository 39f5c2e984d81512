import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { z } from 'zod';
import { BadRequestError, NotFoundError } from '../../shared/errors';
import { readInstance } from '../../shared/instances/instance-store';
import { marketoClientFor } from '../../shared/instances/marketo-for-instance';
import { createLogger } from '../../shared/logging/logger';
import { defaultPorts } from '../../shared/runtime/ports';
import { runPushBatch, type RunSummary } from './core/runner';

const logger = createLogger('push-clone-runner');

const eventSchema = z.object({ munchkinId: z.string().regex(/^\d{3}-[A-Za-z]{3}-\d{3}$/, 'a Munchkin ID looks like 123-ABC-456') });

/** Invoked asynchronously by the dispatcher, one invocation per instance with work. */
export const handler = middy<unknown, RunSummary>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) throw new BadRequestError('invalid_event', 'The push-clone runner expects { munchkinId: "123-ABC-456" }.');
    const { munchkinId } = parsed.data;
    logger.appendKeys({ munchkinId });
    const ports = defaultPorts();
    const instance = await readInstance(ports.store, munchkinId);
    if (!instance) throw new NotFoundError('instance_not_found', `Marketo instance ${munchkinId} is not registered: register it with PUT /marketo/instances/${munchkinId}`);
    return runPushBatch({ store: ports.store, clock: ports.clock, marketo: marketoClientFor(instance, ports), logger }, munchkinId, {
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      leaseOwner: context.awsRequestId,
    });
  });
