import { z } from 'zod';
import { httpRoute, json, requireInstance, requirePermission, routeByKey } from '#shared/http/index.ts';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { listDestinationSummaries } from './core/destination-list';
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

/** GET /push-clone/destinations?munchkinId=X: an instance's destinations with their status. */
export const listDestinations = httpRoute({ logger, auth: 'admin', query: z.object({ munchkinId: munchkinIdSchema }) }, async ({ query, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  requireInstance(admin, query.munchkinId);
  return json(200, { destinations: await listDestinationSummaries(ports, query.munchkinId) });
});

export const handler = routeByKey({
  'GET /push-clone/destinations': listDestinations,
  'PUT /push-clone/destinations/{destinationId}': putDestination,
  'GET /push-clone/destinations/{destinationId}': getDestinationStatus,
});
