import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredLinks, diffLinks } from '#functions/campaign/core/diff.ts';
import { compileMask } from '#functions/campaign/core/mask.ts';
import type { AppliedLink } from '#functions/campaign/core/model.ts';
import { matchProfile, planProfiles, type LinkedProfile } from '#functions/campaign/core/profiles.ts';

const mask = compileMask('Campaign - t - (.*)', { caseInsensitive: false });

describe('profile plan', () => {
  it('ignores Adobe system groups and non-profiles, even when their names would match', () => {
    expect(matchProfile({ groupName: '_org_admin', type: 'SYSADMIN_GROUP' }, compileMask('(.*)', { caseInsensitive: false }))).toBeUndefined();
    expect(matchProfile({ groupName: '_admin_Campaign - t - x', type: 'PRODUCT_PROFILE' }, compileMask('(.*)', { caseInsensitive: false }))).toBeUndefined();
    expect(matchProfile({ groupName: 'Campaign - t - x', type: 'USER_GROUP' }, mask)).toBeUndefined();
    expect(matchProfile({ groupName: 'Campaign - t - x', type: 'PRODUCT_PROFILE', memberCount: 0 }, mask)).toEqual({ profile: 'Campaign - t - x', captured: 'x', memberCount: 0 });
  });

  it('reports unmatched names and warns about duplicates, spaces and admin groups', () => {
    const plan = planProfiles(
      [
        { profile: 'Campaign - t - ops', captured: 'ops' },
        { profile: 'Campaign - t - Ops', captured: 'Ops' },
        { profile: ' Campaign - t - x', captured: 'x' },
        { profile: 'Campaign - t - superadmin', captured: 'superadmin' },
      ],
      ['ops', 'superadmin'],
      true,
    );
    expect(plan.linked.map((profile) => [profile.profile, profile.operatorGroup])).toEqual([
      ['Campaign - t - Ops', 'ops'],
      ['Campaign - t - ops', 'ops'],
      ['Campaign - t - superadmin', 'superadmin'],
    ]);
    expect(plan.unmatched).toEqual([{ profile: ' Campaign - t - x', captured: 'x' }]);
    expect(plan.warnings.map((warning) => warning.code).sort()).toEqual(['admin_operator_group', 'duplicate_operator_group', 'surrounding_spaces']);
  });
});

describe('link diff', () => {
  const linked: LinkedProfile[] = [
    { profile: 'P1', captured: 'g1', operatorGroup: 'g1' },
    { profile: 'P2', captured: 'g2', operatorGroup: 'g2' },
  ];

  it('adds, removes and keeps users by lower-cased email', () => {
    const previous = [{ operatorGroup: 'g1', profiles: ['P1'], emails: ['a@x.com', 'gone@x.com'] }];
    const changes = diffLinks(previous, desiredLinks(linked, new Map([['P1', ['A@x.com', 'b@x.com']], ['P2', ['c@x.com']]])), 10);
    expect(changes.linksAdded).toEqual([{ operatorGroup: 'g2', profile: 'P2' }]);
    expect(changes.usersAdded).toEqual([{ operatorGroup: 'g1', emails: ['b@x.com'] }, { operatorGroup: 'g2', emails: ['c@x.com'] }]);
    expect(changes.usersRemoved).toEqual([{ operatorGroup: 'g1', emails: ['gone@x.com'] }]);
    expect(changes.writes).toEqual([
      { operatorGroup: 'g1', profiles: ['P1'], emails: ['a@x.com', 'b@x.com'] },
      { operatorGroup: 'g2', profiles: ['P2'], emails: ['c@x.com'] },
    ]);
  });

  it('over the cap keeps every previous user and applies only the additions', () => {
    const previous = [{ operatorGroup: 'g1', profiles: ['P1'], emails: ['a@x.com', 'b@x.com'] }];
    const changes = diffLinks(previous, desiredLinks(linked, new Map([['P2', ['c@x.com']]])), 1);
    expect(changes.removalCount).toBe(2);
    expect(changes.writes).toEqual([{ operatorGroup: 'g2', profiles: ['P2'], emails: ['c@x.com'] }]);
    expect(changes.deletes).toEqual([]);
  });

  it('applying the diff and diffing again gives no change, whatever the states', () => {
    const state = fc.dictionary(fc.constantFrom('g1', 'g2', 'g3'), fc.uniqueArray(fc.constantFrom('a@x', 'b@x', 'c@x', 'd@x'), { minLength: 1 }));
    fc.assert(
      fc.property(state, state, (before, after) => {
        const previous: AppliedLink[] = Object.entries(before).map(([operatorGroup, emails]) => ({ operatorGroup, profiles: [`P-${operatorGroup}`], emails: [...emails].sort() }));
        const targets: LinkedProfile[] = Object.keys(after).map((group) => ({ profile: `P-${group}`, captured: group, operatorGroup: group }));
        const desired = desiredLinks(targets, new Map(Object.entries(after).map(([group, emails]) => [`P-${group}`, emails])));
        const changes = diffLinks(previous, desired, Number.POSITIVE_INFINITY);
        const applied = new Map(previous.map((link) => [link.operatorGroup, link]));
        for (const link of changes.writes) applied.set(link.operatorGroup, link);
        for (const group of changes.deletes) applied.delete(group);
        const again = diffLinks([...applied.values()], desired, Number.POSITIVE_INFINITY);
        expect(again.writes).toEqual([]);
        expect(again.deletes).toEqual([]);
        expect(again.usersAdded.length + again.usersRemoved.length + again.linksAdded.length + again.linksRemoved.length).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
