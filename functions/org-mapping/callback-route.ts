import { z } from 'zod';
import { describeError, httpRoute } from '#shared/http/index.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { createMetrics, MetricUnit, OPERATIONAL_METRICS } from '#shared/metrics.ts';
import { completeConfirmation } from './core/complete-confirmation';
import { orgMappingIms } from './core/ims-ports';
import { popupPage } from './pages/popup-page';

const logger = createLogger('org-mapping-callback');
const metrics = createMetrics('org-mapping-callback');

// Anything IMS may put on the redirect; lengths bounded (IMS caps state at 4096), unknown parameters ignored.
const query = z.object({
  code: z.string().max(4096).optional().catch(undefined),
  state: z.string().max(4096).optional().catch(undefined),
  error: z.string().max(200).optional().catch(undefined),
});

/** The IMS redirect target: answers the popup with an HTML page, never JSON and never a redirect. */
export const handler = httpRoute({ logger, auth: 'public', query }, async ({ query }, ports) => {
  const { ims, orgAdminCheck, settings } = orgMappingIms(ports.config, ports.secrets);
  const result = await completeConfirmation({ store: ports.store, clock: ports.clock, ims, orgAdminCheck, redirectUri: settings.redirectUri }, query);
  if (result.error !== undefined) logger.error('org mapping callback failed', { attemptId: result.attemptId, munchkinId: result.munchkinId, error: describeError(result.error) });
  else logger.info('org mapping callback', { outcome: result.outcome, attemptId: result.attemptId, munchkinId: result.munchkinId });
  // Alarmed (OrgMappingRefused): every sign-in that did not map, whatever the reason (the reason is in the log line above).
  metrics.addMetric(OPERATIONAL_METRICS.orgMappingRefusals.name, MetricUnit.Count, result.outcome === 'mapped' ? 0 : 1);
  metrics.publishStoredMetrics();
  return popupPage(result);
});
