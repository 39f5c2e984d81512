import { z } from 'zod';
import { httpRoute, json, requireInstance, requirePermission, routeByKey } from '#shared/http/index.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { destinationIdSchema, destinationInputSchema, getDestination, saveDestination } from './core/destinations';
import { destinationStatus } from './core/status';

const logger = createLogger('push-clone-api');
const params = z.object({ destinationId: destinationIdSchema });

/** PUT /push-clone/destinations/{destinationId}: create or replace a destination (201 created, 200 replaced). */
export const putDestination = httpRoute({ logger, auth: 'admin', params, body: destinationInputSchema }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  requireInstance(admin, body.munchkinId);
  const { destination, created, warnings } = await saveDestination(ports, params.destinationId, body, admin.subject);
  logger.info('destination saved', { destinationId: destination.destinationId, munchkinId: destination.munchkinId, created, warnings: warnings.length });
  return json(created ? 201 : 200, { ...destination, warnings });
});

/** GET /push-clone/destinations/{destinationId}: the setup and per-audience status. */
export const getDestinationStatus = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  const destination = await getDestination(ports.store, params.destinationId);
  requireInstance(admin, destination.munchkinId);
  return json(200, await destinationStatus(ports, destination));
});

export const handler = routeByKey({
  'PUT /push-clone/destinations/{destinationId}': putDestination,
  'GET /push-clone/destinations/{destinationId}': getDestinationStatus,
});
