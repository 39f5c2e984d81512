import { z } from 'zod';
import { httpRoute, json, requireInstance, requirePermission, routeByKey } from '#shared/http/index.ts';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { getInstance, instanceInputSchema, registerInstance } from './core/register-instance';

const logger = createLogger('marketo-instances');
const params = z.object({ munchkinId: munchkinIdSchema });

export const putInstance = httpRoute({ logger, auth: 'admin', params, body: instanceInputSchema }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'marketo-admin');
  requireInstance(admin, params.munchkinId);
  const { instance, created } = await registerInstance(ports, params.munchkinId, body, admin.subject);
  return json(created ? 201 : 200, instance);
});

export const getInstanceRoute = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requireInstance(admin, params.munchkinId);
  return json(200, await getInstance(ports.store, params.munchkinId));
});

export const handler = routeByKey({
  'PUT /marketo/instances/{munchkinId}': putInstance,
  'GET /marketo/instances/{munchkinId}': getInstanceRoute,
});
