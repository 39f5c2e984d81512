import { z } from 'zod';
import { httpRoute, json } from '../../shared/http';
import { createLogger } from '../../shared/logging/logger';
import { createMetrics, MetricUnit } from '../../shared/metrics';
import { destinationIdSchema } from './core/destination-input';
import { acceptActivation } from './core/inbox';

const logger = createLogger('push-clone-webhook');
const metrics = createMetrics('push-clone-webhook');

/**
 * POST /push-clone/destinations/{destinationId}/activations: AEP's streaming
 * destination calls this. Authentication is the core's (a bearer token, not an
 * admin token); the body is read as text because it is parsed leniently. The
 * HTTP stack answers 413 above MAX_BODY_BYTES before this runs.
 */
export const handler = httpRoute(
  { logger, auth: 'public', params: z.object({ destinationId: destinationIdSchema }) },
  async ({ params, headers, rawBody }, ports) => {
    const result = await acceptActivation(ports, {
      destinationId: params.destinationId,
      authorization: headers.authorization,
      imsOrgId: headers['x-gw-ims-org-id'],
      body: rawBody,
    });
    // Counts only: the records carry emails, which never go to the logs.
    logger.info('activation accepted', { destinationId: params.destinationId, ...result });
    metrics.addMetric('ActivationRecordsAccepted', MetricUnit.Count, result.accepted);
    metrics.addMetric('ActivationProfiles', MetricUnit.Count, result.profiles);
    metrics.addMetric('ActivationProfilesWithoutEmail', MetricUnit.Count, result.profilesWithoutEmail);
    metrics.publishStoredMetrics();
    const { inboxItems: _inboxItems, ...counts } = result;
    return json(200, counts);
  },
);
