import { z } from 'zod';
import { describeError, httpRoute } from '#shared/http/index.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { completeConfirmation } from './core/complete-confirmation';
import { orgMappingIms } from './core/ims-ports';
import { popupPage } from './pages/popup-page';

const logger = createLogger('org-mapping-callback');

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
  return popupPage(result);
});
