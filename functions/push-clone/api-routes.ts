import { z } from 'zod';
import { httpRoute, json, requireInstanceAccess, requirePermission, routeByKey, type AdminPrincipal } from '#shared/http/index.ts';
import type { Store } from '#shared/store/index.ts';
import { munchkinIdSchema } from '#shared/identifiers.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { listDestinationSummaries } from '#functions/push-clone/core/setup/destination-list.ts';
import { listChoiceSchema, requestDeletion, setPaused } from '#functions/push-clone/core/setup/destination-lifecycle.ts';
import { requeueFailed } from '#functions/push-clone/core/outcomes/failed-people.ts';
import { historyPolicy } from '#functions/push-clone/core/outcomes/person-history.ts';
import { lookUpPerson } from '#functions/push-clone/core/outcomes/person-lookup.ts';
import { destinationIdSchema, destinationInputSchema, getDestination, saveDestination } from '#functions/push-clone/core/setup/destinations.ts';
import { instantSchema } from '#functions/push-clone/core/setup/destination-input.ts';
import { replayWindow } from '#functions/push-clone/core/intake/replay.ts';
import { destinationStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';
import {
  DEFAULT_OVERLAP_SECONDS,
  describeCredentials,
  MAX_OVERLAP_SECONDS,
  readCredentialSet,
  rotateCredential,
  WEBHOOK_CREDENTIAL_KINDS,
} from '#functions/push-clone/core/setup/webhook-credentials.ts';

const logger = createLogger('push-clone-api');
const params = z.object({ destinationId: destinationIdSchema });

/** PUT /push-clone/destinations/{destinationId}: create or replace a destination (201 created, 200 replaced). */
export const putDestination = httpRoute({ logger, auth: 'admin', params, body: destinationInputSchema }, async ({ params, body, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  requireInstanceAccess(admin, body.munchkinId);
  const { destination, created, warnings, requeued } = await saveDestination(ports, params.destinationId, body, admin.subject);
  logger.info('destination saved', { destinationId: destination.destinationId, munchkinId: destination.munchkinId, created, warnings: warnings.length, requeued });
  return json(created ? 201 : 200, { ...destination, warnings, requeued });
});

/** GET /push-clone/destinations/{destinationId}: the setup and per-audience status. */
export const getDestinationStatus = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  const destination = await getDestination(ports.store, params.destinationId);
  requireInstanceAccess(admin, destination.munchkinId);
  return json(200, await destinationStatus(ports, destination));
});

/** The destination, once the admin may act on it (push-clone-admin and its instance). */
async function allowedDestination(admin: AdminPrincipal, store: Store, destinationId: string) {
  requirePermission(admin, 'push-clone-admin');
  const destination = await getDestination(store, destinationId);
  requireInstanceAccess(admin, destination.munchkinId);
  return destination;
}

/** POST /push-clone/destinations/{id}/pause and /resume. */
const pauseRoute = (paused: boolean) =>
  httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
    await allowedDestination(admin, ports.store, params.destinationId);
    const destination = await setPaused(ports, params.destinationId, paused, admin.subject);
    logger.info(paused ? 'destination paused' : 'destination resumed', { destinationId: destination.destinationId });
    return json(200, destination);
  });
export const pauseDestination = pauseRoute(true);
export const resumeDestination = pauseRoute(false);

/** DELETE /push-clone/destinations/{id}?lists=keep|removeAdded: 202, the runner carries it out. */
export const deleteDestination = httpRoute(
  { logger, auth: 'admin', params, query: z.object({ lists: z.preprocess((value) => value ?? '', listChoiceSchema) }) },
  async ({ params, query, admin }, ports) => {
    await allowedDestination(admin, ports.store, params.destinationId);
    const removal = await requestDeletion(ports, params.destinationId, query.lists, admin.subject);
    logger.info('destination deletion requested', { destinationId: params.destinationId, lists: query.lists, pending: removal.pending });
    return json(202, { deleted: true, lists: query.lists, removal });
  },
);

/** POST /push-clone/destinations/{id}/retry-failed: every failed person back in the queue. */
export const retryFailed = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  const destination = await allowedDestination(admin, ports.store, params.destinationId);
  const requeued = await requeueFailed(ports, destination, 'An admin asked to retry the failed people.', historyPolicy(ports.config));
  logger.info('failed people requeued', { destinationId: destination.destinationId, requeued });
  return json(200, { requeued });
});

/** GET /push-clone/destinations/{id}/people/{email}: why is (or isn't) this person in the list. */
export const lookUpPersonRoute = httpRoute(
  { logger, auth: 'admin', params: z.object({ destinationId: destinationIdSchema, email: z.string().trim().min(3).max(320) }) },
  async ({ params, admin }, ports) => {
    const destination = await allowedDestination(admin, ports.store, params.destinationId);
    return json(200, await lookUpPerson(ports, destination, params.email, historyPolicy(ports.config)));
  },
);

/** GET /push-clone/destinations?munchkinId=X: an instance's destinations with their status. */
export const listDestinations = httpRoute({ logger, auth: 'admin', query: z.object({ munchkinId: munchkinIdSchema }) }, async ({ query, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  requireInstanceAccess(admin, query.munchkinId);
  return json(200, { destinations: await listDestinationSummaries(ports, query.munchkinId) });
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
  requireInstanceAccess(admin, destination.munchkinId);
  const rotated = await rotateCredential(ports, destination.destinationId, body.kind, body.overlapSeconds);
  logger.info('webhook credential created', { destinationId: destination.destinationId, kind: rotated.kind, previousValidUntil: rotated.previousValidUntil });
  const endpoint = `${ports.config.PUBLIC_BASE_URL}/push-clone/destinations/${destination.destinationId}`;
  return json(201, { ...rotated, webhookUrl: `${endpoint}/activations`, ...(rotated.kind === 'oauth' ? { tokenUrl: `${endpoint}/oauth/token` } : {}) }, { 'cache-control': 'no-store' });
});

/** GET /push-clone/destinations/{destinationId}/webhook-credentials: IDs and validity of the current credentials, never a value. */
export const listWebhookCredentials = httpRoute({ logger, auth: 'admin', params }, async ({ params, admin }, ports) => {
  requirePermission(admin, 'push-clone-admin');
  const destination = await getDestination(ports.store, params.destinationId);
  requireInstanceAccess(admin, destination.munchkinId);
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
  requireInstanceAccess(admin, destination.munchkinId);
  const result = await replayWindow(ports, destination, { fromMs: Date.parse(body.from), toMs: body.to ? Date.parse(body.to) : ports.clock.now(), cursor: body.cursor });
  logger.info('deliveries replayed', { destinationId: destination.destinationId, ...result });
  return json(200, result);
});

export const handler = routeByKey({
  'GET /push-clone/destinations': listDestinations,
  'POST /push-clone/destinations/{destinationId}/pause': pauseDestination,
  'POST /push-clone/destinations/{destinationId}/resume': resumeDestination,
  'DELETE /push-clone/destinations/{destinationId}': deleteDestination,
  'POST /push-clone/destinations/{destinationId}/retry-failed': retryFailed,
  'GET /push-clone/destinations/{destinationId}/people/{email}': lookUpPersonRoute,
  'PUT /push-clone/destinations/{destinationId}': putDestination,
  'GET /push-clone/destinations/{destinationId}': getDestinationStatus,
  'POST /push-clone/destinations/{destinationId}/webhook-credentials': rotateWebhookCredential,
  'GET /push-clone/destinations/{destinationId}/webhook-credentials': listWebhookCredentials,
  'POST /push-clone/destinations/{destinationId}/replay': replayDeliveries,
});
