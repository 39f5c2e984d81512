import { z } from 'zod';
import { httpRoute, json, requireInstance, requirePermission, routeByKey } from '#shared/http/index.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { destinationIdSchema, destinationInputSchema, getDestination, saveDestination } from './core/destinations';
import { instantSchema } from './core/destination-input';
import { replayWindow } from './core/replay';
import { destinationStatus } from './core/status';
import {
  DEFAULT_OVERLAP_SECONDS,
  describeCredentials,
  MAX_OVERLAP_SECONDS,
  readCredentialSet,
  rotateCredential,
  WEBHOOK_CREDENTIAL_KINDS,
} from './core/webhook-credentials';

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

const rotationSchema = z.object({
  kind: z.enum(WEBHOOK_CREDENTIAL_KINDS),
  overlapSeconds: z.number().int().min(0).max(MAX_OVERLAP_SECONDS).default(DEFAULT_OVERLAP_SECONDS),
});

/**
 * POST /push-clone/destinations/{destinationId}/webhook-credentials: creates
 * the destination's first bearer token or OAuth client, or rotates it (the
 * current ones stay valid for `overlapSeconds`). The value is answered once.
 */
export const rotateWebhookCredential = httpRoute({ logger, auth: 'admin', params, body: rotationSchema }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  const destination = await getDestination(ports.store, params.destinationId);
  requireInstance(admin, destination.munchkinId);
  const rotated = await rotateCredential(ports, destination.destinationId, body.kind, body.overlapSeconds);
  logger.info('webhook credential created', { destinationId: destination.destinationId, kind: rotated.kind, previousValidUntil: rotated.previousValidUntil });
  const endpoint = `${ports.config.PUBLIC_BASE_URL}/push-clone/destinations/${destination.destinationId}`;
  return json(201, { ...rotated, webhookUrl: `${endpoint}/activations`, ...(rotated.kind === 'oauth' ? { tokenUrl: `${endpoint}/oauth/token` } : {}) }, { 'cache-control': 'no-store' });
});

/** GET /push-clone/destinations/{destinationId}/webhook-credentials: IDs and validity of the current credentials, never a value. */
export const listWebhookCredentials = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  const destination = await getDestination(ports.store, params.destinationId);
  requireInstance(admin, destination.munchkinId);
  const set = await readCredentialSet(ports.secrets, destination.destinationId, { refresh: true });
  return json(200, describeCredentials(set, ports.clock.now()));
});

const replaySchema = z
  .object({ from: instantSchema, to: instantSchema.optional(), cursor: z.string().max(300).optional() })
  .refine((window) => window.to === undefined || window.to > window.from, { message: 'to must be after from', path: ['to'] });

/**
 * POST /push-clone/destinations/{destinationId}/replay: replays the archived
 * deliveries received in [from, to] through the current setup (at most
 * REPLAY_DELIVERIES_PER_CALL per call; `nextCursor` goes on). Idempotent.
 */
export const replayDeliveries = httpRoute({ logger, auth: 'admin', params, body: replaySchema }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  const destination = await getDestination(ports.store, params.destinationId);
  requireInstance(admin, destination.munchkinId);
  const result = await replayWindow(ports, destination, { fromMs: Date.parse(body.from), toMs: body.to ? Date.parse(body.to) : ports.clock.now(), cursor: body.cursor });
  logger.info('deliveries replayed', { destinationId: destination.destinationId, ...result });
  return json(200, result);
});

export const handler = routeByKey({
  'PUT /push-clone/destinations/{destinationId}': putDestination,
  'GET /push-clone/destinations/{destinationId}': getDestinationStatus,
  'POST /push-clone/destinations/{destinationId}/webhook-credentials': rotateWebhookCredential,
  'GET /push-clone/destinations/{destinationId}/webhook-credentials': listWebhookCredentials,
  'POST /push-clone/destinations/{destinationId}/replay': replayDeliveries,
});
