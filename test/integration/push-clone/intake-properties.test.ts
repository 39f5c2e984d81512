import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptActivation } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { runInstanceTick } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { orderingKey } from '#functions/push-clone/core/intake/timestamps.ts';
import { demo } from '#local/demo-identities.ts';
import { readInstance } from '#shared/instances/instance-store.ts';
import { marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

const AUDIENCES = ['aud-p1', 'aud-p2'];
const timestamp = fc.oneof(
  fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString().replace('Z', '+0000')),
  fc.constantFrom<unknown>(1e300, -1, 0, '9999-12-31T00:00:00Z', '1999-01-01T00:00:00Z', 'yesterday', null, {}, Number.NaN, 2 ** 60),
);
const entry = fc.record({ status: fc.constantFrom('realized', 'existing', 'exited', 'weird'), lastQualificationTime: timestamp }, { requiredKeys: ['status'] });
const profileSpec = fc.record({
  emails: fc.integer({ min: 0, max: 3 }),
  primaryIndex: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  ups: fc.dictionary(fc.constantFrom(...AUDIENCES, 'aud-unmapped'), entry, { maxKeys: 3 }),
  other: fc.dictionary(fc.constantFrom(...AUDIENCES), entry, { maxKeys: 2 }),
  personal: fc.boolean(),
});

/**
 * Properties over random bodies, end to end on DynamoDB Local and the Marketo
 * sandbox: no body creates two people for one profile, no membership holds an
 * ordering key the body did not state as a sane fact, and no body stops the
 * instance (the runner finishes its tick).
 */
describe('intake properties under random bodies', () => {
  let world: PushCloneWorld;
  let round = 0;
  beforeAll(async () => {
    world = await pushCloneWorld('push-intake-properties');
  });
  afterAll(() => world.stop());

  it('one person per profile, only stated keys, and the instance keeps going', async () => {
    const instance = await readInstance(world.ports.store, world.munchkinId);
    if (!instance) throw new Error('instance not registered');
    const marketo = marketoClientFor(instance, world.ports);
    await fc.assert(
      fc.asyncProperty(fc.array(profileSpec, { minLength: 1, maxLength: 4 }), async (specs) => {
        round += 1;
        const destinationId = `prop-${round}`;
        await saveTestDestination(world, destinationId, { name: 'Properties', audiences: AUDIENCES.map((audienceId) => ({ audienceId, mappingId: demo.marketo.emptyListId, startDate: '2024-01-01' })) });
        const profiles = specs.map((spec, index) => {
          const emails = Array.from({ length: spec.emails }, (_, n) => `r${round}.p${index}.e${n}@example.com`);
          return {
            emails: [...emails, ...(spec.personal ? [`r${round}.p${index}.personal@example.com`] : [])],
            body: {
              identityMap: { Email: emails.map((id, n) => ({ id, primary: n === spec.primaryIndex })), ECID: [{ id: `${round}${index}` }] },
              ...(spec.personal ? { personalEmail: { address: `r${round}.p${index}.personal@example.com` } } : {}),
              segmentMembership: { ups: spec.ups, CustomerAudienceUpload: spec.other },
            },
          };
        });
        const receivedAt = world.ports.clock.now();
        await acceptActivation(world.ports, { destinationId, authorization: `Bearer ${world.webhookToken}`, imsOrgId: world.imsOrgId, body: JSON.stringify(profiles.map((profile) => profile.body)) });
        const summary = await runInstanceTick({ store: world.ports.store, clock: world.ports.clock, marketo }, world.munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: `prop-${round}` });
        expect(['done', 'lease_busy']).toContain(summary.stoppedBy);

        const stated = new Set<number>();
        for (const spec of specs) for (const value of [...Object.values(spec.ups), ...Object.values(spec.other)]) {
          const key = orderingKey(value.lastQualificationTime, receivedAt);
          if (key !== undefined) stated.add(key);
        }
        for (const audienceId of AUDIENCES) {
          const members = (await world.ports.store.queryAllOf(keys.membershipPartitions(destinationId, audienceId), {  })).map((item) => membershipSchema.parse(item));
          for (const member of members) expect(stated.has(member.qualifiedAt)).toBe(true);
          for (const profile of profiles) {
            expect(members.filter((member) => profile.emails.includes(member.email)).length).toBeLessThanOrEqual(1);
          }
        }
      }),
      { numRuns: 12 },
    );
  });
});
