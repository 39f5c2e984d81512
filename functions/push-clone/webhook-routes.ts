import { z } from 'zod';
import { httpRoute, json, routeByKey } from '#shared/http/index.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { createMetrics, MetricUnit, OPERATIONAL_METRICS } from '#shared/metrics.ts';
import { destinationIdSchema } from '#functions/push-clone/core/setup/destination-input.ts';
import { acceptActivation, type AcceptedActivation } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { acceptedNone } from '#functions/push-clone/core/intake/intake-stats.ts';
import { issueWebhookToken } from '#functions/push-clone/core/intake/webhook-auth.ts';

const logger = createLogger('push-clone-webhook');
const metrics = createMetrics('push-clone-webhook');

/**
 * POST /push-clone/destinations/{destinationId}/activations: AEP's streaming
 * destination calls this. Authentication is the core's (a bearer token, not an
 * admin token); the body is read as text because it is parsed leniently. The
 * HTTP stack answers 413 above MAX_BODY_BYTES before this runs.
 */
export const activations = httpRoute(
  { logger, auth: 'public', params: z.object({ destinationId: destinationIdSchema }) },
  async ({ params, headers, rawBody }, ports) => {
    const result = await acceptActivation(ports, {
      destinationId: params.destinationId,
      authorization: headers.authorization,
      imsOrgId: headers['x-gw-ims-org-id'],
      body: rawBody,
    });
    reportIntake(params.destinationId, result);
    const { samples: _samples, refusedByAudience, ...counts } = result;
    return json(200, { ...counts, refusedByAudience });
  },
);

/**
 * Nothing silent: counts go to the metrics (one per refusal reason), and a
 * delivery that refused anything but unmapped audiences (which AEP sends by
 * design: other audiences of the same merge policy) is a WARN with one sample
 * per reason; the logger masks emails. A delivery that accepted no profile is
 * its own metric, which the stack alarms on.
 */
function reportIntake(destinationId: string, result: AcceptedActivation): void {
  metrics.addMetric(OPERATIONAL_METRICS.activationProfiles.name, MetricUnit.Count, result.profiles);
  metrics.addMetric('ActivationProfilesAccepted', MetricUnit.Count, result.acceptedProfiles);
  metrics.addMetric(OPERATIONAL_METRICS.activationRecordsAccepted.name, MetricUnit.Count, result.accepted);
  for (const [reason, count] of Object.entries(result.refused)) metrics.addMetric(`ActivationRefused_${reason}`, MetricUnit.Count, count);
  const noneAccepted = acceptedNone(result);
  metrics.addMetric(OPERATIONAL_METRICS.deliveriesNothingAccepted.name, MetricUnit.Count, noneAccepted ? 1 : 0);
  metrics.publishStoredMetrics();
  const { samples, ...counts } = result;
  const worrying = noneAccepted || Object.keys(result.refused).some((reason) => reason !== 'unmapped_audience');
  if (worrying) logger.warn('activation refused records', { destinationId, ...counts, noneAccepted, samples });
  else logger.info('activation accepted', { destinationId, ...counts });
}

/**
 * POST /push-clone/destinations/{destinationId}/oauth/token: where AEP fetches
 * an access token when the destination is set up with OAuth 2 client
 * credentials instead of a bearer token (one token URL per destination).
 */
export const token = httpRoute({ logger, auth: 'public', params: z.object({ destinationId: destinationIdSchema }) }, async ({ params, headers, rawBody }, ports) => {
  const outcome = await issueWebhookToken(ports, params.destinationId, { authorization: headers.authorization, form: new URLSearchParams(rawBody) });
  if (!outcome.ok) {
    logger.warn('webhook token refused', { destinationId: params.destinationId, error: outcome.error });
    return json(outcome.status, { error: outcome.error, error_description: outcome.description }, outcome.status === 401 ? { 'www-authenticate': 'Basic realm="orgbridge"' } : {});
  }
  return json(200, { access_token: outcome.accessToken, token_type: 'bearer', expires_in: outcome.expiresIn });
});

export const handler = routeByKey({
  'POST /push-clone/destinations/{destinationId}/activations': activations,
  'POST /push-clone/destinations/{destinationId}/oauth/token': token,
});
