import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#functions/push-clone/core/model.ts';
import { destinationApi } from './admin-world';
import { pushCloneWorld, type PushCloneWorld } from './setup-world';

/** Issue 8, item 3: destination setup is checked against the instance's lead fields (Describe) and partitions. */
describe('destination setup checked against Marketo', () => {
  let world: PushCloneWorld;
  beforeAll(async () => {
    world = await pushCloneWorld('push-setup-checks');
    world.sandbox.addPartition('Europe');
  });
  afterAll(() => world.stop());

  const body = (extra: Record<string, unknown>) => ({
    name: 'Checked',
    munchkinId: world.munchkinId,
    personCreationMode: 'createMissing',
    audiences: [{ audienceId: 'aud-1', mappingId: 1002, startDate: '2025-01-01' }],
    ...extra,
  });

  it('refuses a mapping to a field the instance does not have, naming it and the near miss, and saves nothing', async () => {
    const refused = await destinationApi.put('bad-field', body({ fieldMappings: [{ source: 'person.name.firstName', target: 'firstName' }, { source: 'companyName', target: 'Company' }, { source: 'x', target: 'shoeSize' }] }));
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('unknown_lead_field');
    expect(refused.body.error.message).toContain("'Company' does not exist (did you mean 'company'?)");
    expect(refused.body.error.message).toContain("'shoeSize' does not exist");
    expect(refused.body.error.details.fields).toEqual([
      { path: ['fieldMappings', 1, 'target'], target: 'Company', problem: 'not_found', suggestion: 'company' },
      { path: ['fieldMappings', 2, 'target'], target: 'shoeSize', problem: 'not_found' },
    ]);
    expect(await world.ports.store.get(keys.destination('bad-field'))).toBeUndefined();
  });

  it('refuses a mapping to a read-only field', async () => {
    const refused = await destinationApi.put('read-only', body({ fieldMappings: [{ source: 'created', target: 'createdAt' }] }));
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.fields).toEqual([{ path: ['fieldMappings', 0, 'target'], target: 'createdAt', problem: 'read_only' }]);
  });

  it('refuses an unknown partition, listing the known ones, and accepts a known one', async () => {
    const refused = await destinationApi.put('bad-partition', body({ partitionName: 'Asia' }));
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('unknown_partition');
    expect(refused.body.error.message).toContain("no lead partition named 'Asia'");
    expect(refused.body.error.details.partitions).toEqual(['Default', 'Europe']);
    expect(await world.ports.store.get(keys.destination('bad-partition'))).toBeUndefined();
    const saved = await destinationApi.put('bad-partition', body({ partitionName: 'Europe' }));
    expect(saved.status).toBe(201);
    expect(saved.body.partitionName).toBe('Europe');
  });

  it('accepts the default mapping and a custom field the instance knows', async () => {
    world.sandbox.addField('favouriteColour');
    const saved = await destinationApi.put('good', body({ fieldMappings: [{ source: 'person.name.firstName', target: 'firstName' }, { source: 'c', target: 'favouriteColour' }] }));
    expect(saved.status).toBe(201);
    expect((await destinationApi.put('defaults', body({}))).status).toBe(201);
  });
});
