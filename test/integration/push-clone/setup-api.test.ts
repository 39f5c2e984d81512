import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationInputSchema, saveDestination } from '#functions/push-clone/core/setup/destinations.ts';
import { handler } from '#functions/push-clone/handler-api.ts';
import { keys } from '#functions/push-clone/core/model.ts';
import { readDestination, stopDestination } from '#functions/push-clone/persistence/destinations.ts';
import { demo } from '#local/demo-identities.ts';
import { readInstance, writeInstance } from '#shared/instances/instance-store.ts';
import { marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import { MarketoTokenCache } from '#shared/marketo/index.ts';
import type { Permission } from '#shared/http/index.ts';
import { callHandler } from '#test/support/http-events.ts';
import { adminToken } from '#test/support/local-ports.ts';
import { pushCloneWorld, registerInstance, type PushCloneWorld } from './setup-world';

const EMPTY_LIST = demo.marketo.emptyListId;
const NON_EMPTY_LIST = demo.marketo.staticListId;

function body(overrides: Record<string, unknown> = {}, audience: Record<string, unknown> = {}) {
  return {
    name: 'Spring campaign',
    munchkinId: demo.marketo.munchkinId,
    personCreationMode: 'createMissing',
    audiences: [{ audienceId: 'aud-1', mappingId: EMPTY_LIST, startDate: '2026-03-01', ...audience }],
    ...overrides,
  };
}

describe('PUT /push-clone/destinations/{destinationId}', () => {
  let world: PushCloneWorld;
  let token: string;
  beforeAll(async () => {
    world = await pushCloneWorld('push-setup');
    token = await adminToken();
  });
  afterAll(() => world.stop());

  const put = (destinationId: string, payload: unknown, bearer = token) =>
    callHandler(handler, {
      method: 'PUT',
      path: `/push-clone/destinations/${destinationId}`,
      routeKey: 'PUT /push-clone/destinations/{destinationId}',
      pathParameters: { destinationId },
      headers: { authorization: `Bearer ${bearer}` },
      body: JSON.stringify(payload),
    });
  const stored = (destinationId: string) => readDestination(world.ports.store, destinationId);
  const pointer = (destinationId: string) => world.ports.store.get(keys.instanceDestination(demo.marketo.munchkinId, destinationId));

  it('creates a destination in "create missing people" mode with the defaults, its org and its instance pointer', async () => {
    const response = await put('spring', body());
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      destinationId: 'spring',
      munchkinId: '123-ABC-456',
      imsOrgId: world.imsOrgId,
      personCreationMode: 'createMissing',
      identityNamespace: 'Email',
      endDateBehavior: 'freeze',
      state: 'active',
      warnings: [],
      audiences: [{ audienceId: 'aud-1', listId: EMPTY_LIST, startDate: '2026-03-01T00:00:00.000Z' }],
    });
    expect(response.body.fieldMappings.map((mapping: { target: string }) => mapping.target)).toEqual(['firstName', 'lastName', 'company']);
    expect(await stored('spring')).toMatchObject({ personCreationMode: 'createMissing', updatedBy: 'test-admin' });
    expect(await pointer('spring')).toMatchObject({ destinationId: 'spring' });
  });

  it.each([
    ['the number', EMPTY_LIST],
    ['the number as text', ` ${EMPTY_LIST} `],
    ['the end of the list URL', `ST${EMPTY_LIST}A1`],
    ['the whole list URL', `https://app-ab12.marketo.com/#ST${EMPTY_LIST}A1`],
  ])('replaces a destination in "match existing only" mode with the mapping ID given as %s', async (_label, mappingId) => {
    await put('match-only', body());
    const response = await put('match-only', body({ personCreationMode: 'matchExistingOnly', endDateBehavior: 'removeMembers' }, { mappingId, endDate: '2026-06-01T00:00:00+02:00' }));
    expect(response.status).toBe(200);
    expect(response.body.personCreationMode).toBe('matchExistingOnly');
    expect(response.body.audiences[0]).toMatchObject({ listId: EMPTY_LIST, endDate: '2026-05-31T22:00:00.000Z' });
  });

  it('warns, and still saves, when a list is not empty', async () => {
    const response = await put('non-empty', body({}, { mappingId: NON_EMPTY_LIST }));
    expect(response.status).toBe(201);
    expect(response.body.warnings).toHaveLength(1);
    expect(response.body.warnings[0]).toContain(`list ${NON_EMPTY_LIST}`);
    expect(response.body.warnings[0]).toContain('is not empty');
  });

  it('refuses a list Marketo does not have, naming list and instance, and stores nothing', async () => {
    const response = await put('missing-list', body({}, { mappingId: 'ST9999A1' }));
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'list_not_found', message: 'list 9999 was not found in instance 123-ABC-456: check the mapping ID' });
    expect(await stored('missing-list')).toBeUndefined();
    expect(await pointer('missing-list')).toBeUndefined();
  });

  it('refuses an instance without a confirmed org mapping with 409 and what to do', async () => {
    await registerInstance(world.ports, world.sandbox, '222-BBB-222');
    const response = await put('unmapped', body({ munchkinId: '222-BBB-222' }));
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('org_mapping_required');
    expect(response.body.error.message).toContain('PUT /org-mapping/222-BBB-222');
    expect(await stored('unmapped')).toBeUndefined();
  });

  it('refuses a HIPAA-ready instance with 403, the status org mapping gives the same code', async () => {
    await registerInstance(world.ports, world.sandbox, '333-HHH-333');
    const instance = await readInstance(world.ports.store, '333-HHH-333');
    if (!instance) throw new Error('the test instance was not registered');
    await writeInstance(world.ports.store, { ...instance, hipaaReady: true });
    const response = await put('hipaa', body({ munchkinId: '333-HHH-333' }));
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('hipaa_ready_instance');
    expect(await stored('hipaa')).toBeUndefined();
  });

  it('refuses an instance that is not registered', async () => {
    const response = await put('unregistered', body({ munchkinId: '999-ZZZ-999' }));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('instance_not_registered');
    expect(response.body.error.message).toContain('PUT /marketo/instances/999-ZZZ-999');
  });

  it.each([
    ['an end date before the start date', body({}, { endDate: '2026-02-01' }), 'audiences.0.endDate'],
    ['an audience listed twice', body({ audiences: [body().audiences[0], body().audiences[0]] }), 'audiences.1.audienceId'],
    ['a mapping ID that is no list ID', body({}, { mappingId: 'list-one' }), 'audiences.0.mappingId'],
    ['a start date that is no date', body({}, { startDate: '01/03/2026' }), 'audiences.0.startDate'],
    ['a malformed Munchkin ID', body({ munchkinId: 'ABC' }), 'munchkinId'],
    ['an unknown person creation mode', body({ personCreationMode: 'createAll' }), 'personCreationMode'],
    ['no audiences', body({ audiences: [] }), 'audiences'],
  ])('refuses %s with the field path, and stores nothing', async (_label, payload, path) => {
    const response = await put('bad-input', payload);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
    expect(await stored('bad-input')).toBeUndefined();
  });

  it('refuses a destination ID that cannot be a key', async () => {
    const response = await put('has#hash', body());
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('destinationId');
  });

  it('makes a stopped destination active again when it is saved', async () => {
    await put('stopped', body());
    const saved = await stored('stopped');
    if (!saved) throw new Error('the destination was not saved');
    await stopDestination(world.ports.store, saved, 'list 1002 was deleted');
    const response = await put('stopped', body());
    expect(response.status).toBe(200);
    expect(await stored('stopped')).toMatchObject({ state: 'active' });
    expect((await stored('stopped'))?.stoppedReason).toBeUndefined();
  });

  it.each([
    ['lacks the push-clone-admin permission', { permissions: ['marketo-admin'] as Permission[] }, 'missing_permission'],
    ['does not cover the instance', { instances: ['111-AAA-111'] }, 'instance_not_allowed'],
  ])('refuses an admin whose token %s', async (_label, claims, code) => {
    const response = await put('forbidden', body(), await adminToken(claims));
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe(code);
  });

  it('answers 502 and stores nothing when Marketo cannot be reached', async () => {
    const closedPort = 'http://127.0.0.1:9';
    const unreachable = saveDestination(world.ports, 'unreachable', destinationInputSchema.parse(body()), 'test-admin', (instance) =>
      marketoClientFor(instance, world.ports, { restBaseUrl: closedPort, identityBaseUrl: `${closedPort}/identity`, maxRetries: 0, tokenCache: new MarketoTokenCache() }),
    );
    await expect(unreachable).rejects.toMatchObject({ status: 502, code: 'marketo_unavailable' });
    expect(await stored('unreachable')).toBeUndefined();
  });
});
