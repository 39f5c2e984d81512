import { z } from 'zod';
import { ForbiddenError } from '#shared/errors.ts';
import { httpRoute, json, requireInstanceAccess, requirePermission, routeByKey, type AdminPrincipal } from '#shared/http/index.ts';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { listInstanceSummaries } from './core/instance-views';
import { leadFieldsOf, listsOf, partitionsOf } from './core/pickers';
import { getInstance, instanceInputSchema, registerInstance } from './core/register-instance';

const logger = createLogger('marketo-instances');
const params = z.object({ munchkinId: munchkinIdSchema });

export const putInstance = httpRoute({ logger, auth: 'admin', params, body: instanceInputSchema }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'marketo-admin');
  requireInstanceAccess(admin, params.munchkinId);
  const { instance, created, checks, warnings } = await registerInstance(ports, params.munchkinId, body, admin.subject);
  logger.info('instance registered', { munchkinId: instance.munchkinId, created, warnings: warnings.length });
  return json(created ? 201 : 200, { ...instance, checks, warnings });
});

export const getInstanceRoute = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requireInstanceAccess(admin, params.munchkinId);
  return json(200, await getInstance(ports.store, params.munchkinId));
});

/** GET /marketo/instances: the instances the token covers, with their org-mapping state. */
export const listInstancesRoute = httpRoute({ logger, auth: 'admin' }, async ({ admin }, ports) =>
  json(200, { instances: await listInstanceSummaries(ports, admin.instances) }),
);

/** The pickers serve instance admins and destination admins alike (setup picks fields, partitions and lists). */
function requirePickerAccess(admin: AdminPrincipal, munchkinId: string): void {
  if (!admin.permissions.includes('marketo-admin') && !admin.permissions.includes('push-clone-admin')) {
    throw new ForbiddenError('This action needs the "marketo-admin" or "push-clone-admin" permission.', { code: 'missing_permission' });
  }
  requireInstanceAccess(admin, munchkinId);
}

export const leadFieldsRoute = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePickerAccess(admin, params.munchkinId);
  return json(200, { fields: await leadFieldsOf(ports, params.munchkinId) });
});

export const partitionsRoute = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePickerAccess(admin, params.munchkinId);
  return json(200, { partitions: await partitionsOf(ports, params.munchkinId) });
});

export const listsRoute = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePickerAccess(admin, params.munchkinId);
  return json(200, await listsOf(ports, params.munchkinId));
});

export const handler = routeByKey({
  'GET /marketo/instances': listInstancesRoute,
  'PUT /marketo/instances/{munchkinId}': putInstance,
  'GET /marketo/instances/{munchkinId}': getInstanceRoute,
  'GET /marketo/instances/{munchkinId}/lead-fields': leadFieldsRoute,
  'GET /marketo/instances/{munchkinId}/partitions': partitionsRoute,
  'GET /marketo/instances/{munchkinId}/lists': listsRoute,
});
