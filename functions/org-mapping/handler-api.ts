import { z } from 'zod';
import { httpRoute, json, requireInstanceAccess, requirePermission, routeByKey } from '#shared/http/index.ts';
import { imsOrgIdSchema, munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { orgMappingIms } from './core/ims-ports';
import { cancelConfirmation } from './core/cancel-confirmation';
import { enterOrgId, getMappingView } from './core/mapping';
import { startConfirmation } from './core/start-confirmation';

const logger = createLogger('org-mapping-api');
const params = z.object({ munchkinId: munchkinIdSchema });

const getMapping = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'org-mapping');
  requireInstanceAccess(admin, params.munchkinId);
  return json(200, await getMappingView(ports, params.munchkinId));
});

/** Edit, enter the org ID, OK. */
const putMapping = httpRoute({ logger, auth: 'admin', params, body: z.object({ imsOrgId: imsOrgIdSchema }) }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'org-mapping');
  requireInstanceAccess(admin, params.munchkinId);
  return json(200, await enterOrgId(ports, params.munchkinId, body.imsOrgId, admin.subject));
});

/** Confirm: returns the IMS authorize URL the admin page opens in a popup. */
const confirmMapping = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'org-mapping');
  requireInstanceAccess(admin, params.munchkinId);
  const { ims, settings } = orgMappingIms(ports.config, ports.secrets);
  const started = await startConfirmation({ ...ports, ims }, params.munchkinId, admin.email, settings);
  logger.info('org mapping confirmation started', { munchkinId: params.munchkinId, attemptId: started.attemptId });
  return json(201, { ...started, statusUrl: `/org-mapping/${params.munchkinId}` });
});

/** Cancel: ends a pending sign-in now (the popup was closed or abandoned) instead of when its state expires. */
const cancelConfirmationRoute = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'org-mapping');
  requireInstanceAccess(admin, params.munchkinId);
  return json(200, await cancelConfirmation(ports, params.munchkinId));
});

export const handler = routeByKey({
  'GET /org-mapping/{munchkinId}': getMapping,
  'PUT /org-mapping/{munchkinId}': putMapping,
  'POST /org-mapping/{munchkinId}/confirm': confirmMapping,
  'POST /org-mapping/{munchkinId}/cancel': cancelConfirmationRoute,
});
