import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { handler } from '#functions/push-clone/handler-api.ts';
import { inboxItems } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { canonicalEmail, type ActivationRecord } from '#functions/push-clone/core/model.ts';
import { runInstanceTick, type RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { readInstance } from '#shared/instances/instance-store.ts';
import { marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import { MarketoTokenCache } from '#shared/marketo/index.ts';
import { callHandler } from '#test/support/http-events.ts';
import { adminToken } from '#test/support/local-ports.ts';
import { pushCloneWorld, type PushCloneWorld } from './setup-world';
import { touchWorkMarker } from '#functions/push-clone/persistence/work-marker.ts';

/**
 * What the admin-console tests do: call the push-clone admin API as the
 * console does (real handler, real token), deliver activations as the
 * webhook stores them, and run the instance's runner as a tick would.
 */
export type Answer = { status: number; body: Record<string, any> };

export async function callApi(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, routeKey: string, pathParameters: Record<string, string>, body?: unknown, bearer?: string): Promise<Answer> {
  const token = bearer ?? (await adminToken());
  const { status, body: answer } = await callHandler(handler, { method, path, routeKey, pathParameters, headers: { authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status, body: answer };
}

export const destinationApi = {
  put: (id: string, body: unknown) => callApi('PUT', `/push-clone/destinations/${id}`, 'PUT /push-clone/destinations/{destinationId}', { destinationId: id }, body),
  status: (id: string) => callApi('GET', `/push-clone/destinations/${id}`, 'GET /push-clone/destinations/{destinationId}', { destinationId: id }),
  action: (id: string, action: 'pause' | 'resume' | 'retry-failed', bearer?: string) =>
    callApi('POST', `/push-clone/destinations/${id}/${action}`, `POST /push-clone/destinations/{destinationId}/${action}`, { destinationId: id }, undefined, bearer),
  remove: (id: string, lists?: string) =>
    callApi('DELETE', `/push-clone/destinations/${id}${lists === undefined ? '' : `?lists=${lists}`}`, 'DELETE /push-clone/destinations/{destinationId}', { destinationId: id }),
  person: (id: string, email: string) =>
    callApi('GET', `/push-clone/destinations/${id}/people/${encodeURIComponent(email)}`, 'GET /push-clone/destinations/{destinationId}/people/{email}', { destinationId: id, email }),
  list: (munchkinId?: string) => callApi('GET', `/push-clone/destinations${munchkinId ? `?munchkinId=${munchkinId}` : ''}`, 'GET /push-clone/destinations', {}),
};

export interface Delivery {
  audienceId: string;
  email: string;
  presence: 'in' | 'out';
  attributes?: ActivationRecord['attributes'];
}

/** The last delivery's time per world: each delivery must be strictly newer than the one before. */
const lastDeliveryAt = new WeakMap<PushCloneWorld, number>();

/** Stores a delivery as the webhook does (inbox items, then the work marker). Each call is a newer qualification. */
export async function deliver(world: PushCloneWorld, destinationId: string, deliveries: readonly Delivery[]): Promise<void> {
  // A millisecond after the last delivery when the world's clock has not moved since (no wait on the real clock).
  const receivedAt = Math.max(world.ports.clock.now(), (lastDeliveryAt.get(world) ?? 0) + 1);
  lastDeliveryAt.set(world, receivedAt);
  const records = deliveries.map((delivery) => ({
    audienceId: delivery.audienceId,
    email: canonicalEmail(delivery.email),
    presence: delivery.presence,
    qualifiedAt: receivedAt,
    attributes: delivery.attributes ?? {},
  }));
  await world.ports.store.putMany(inboxItems(world.munchkinId, destinationId, receivedAt, records));
  await touchWorkMarker(world.ports.store, world.munchkinId, receivedAt);
}

/** One tick of the instance's runner, with the instance's real client. */
export async function tick(world: PushCloneWorld): Promise<RunSummary> {
  const instance = await readInstance(world.ports.store, world.munchkinId);
  if (!instance) throw new Error('instance not registered');
  const marketo = marketoClientFor(instance, world.ports, { timeoutMs: 2_000, maxRetries: 1, tokenCache: new MarketoTokenCache() });
  return runInstanceTick({ store: world.ports.store, clock: world.ports.clock, marketo }, world.munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: `tick-${randomUUID()}` });
}

/** The emails in a sandbox list, sorted. */
export function listEmails(world: PushCloneWorld, listId: number): string[] {
  return world.sandbox
    .listMemberIds(listId)
    .map((id) => world.sandbox.lead(id)?.email?.toLowerCase() ?? `#${id}`)
    .sort();
}

/**
 * A scenario for the tests of the enclosing `describe`: before them, a fresh
 * push-clone world (its own table, sandbox and secrets) is set up and the
 * scenario is played once, recording what each step left behind; each test
 * reads one behaviour from that record. The handlers read the process's
 * environment, so a file's scenarios run one after the other, never side by side.
 */
export function useScenario<T extends object>(label: string, play: (world: PushCloneWorld) => Promise<T>): () => T & { world: PushCloneWorld } {
  let world: PushCloneWorld | undefined;
  let outcome: (T & { world: PushCloneWorld }) | undefined;
  beforeAll(async () => {
    world = await pushCloneWorld(label);
    outcome = { ...(await play(world)), world };
  });
  afterAll(() => world?.stop());
  return () => {
    if (!outcome) throw new Error('the scenario is read before its beforeAll ran');
    return outcome;
  };
}
