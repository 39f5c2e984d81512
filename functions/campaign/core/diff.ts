import type { AppliedLink, CampaignChangeSet } from './model';
import { compare, type LinkedProfile } from './profiles';

/** Operator group -> the profiles linked to it and their users (emails, lower-case). */
export type DesiredLinks = Map<string, { profiles: Set<string>; emails: Set<string> }>;

/** Desired links from the linked profiles and the users paged for each (profiles with no entry have none). */
export function desiredLinks(linked: LinkedProfile[], membersByProfile: Map<string, Iterable<string>>): DesiredLinks {
  const desired: DesiredLinks = new Map();
  for (const { profile, operatorGroup } of linked) {
    let link = desired.get(operatorGroup);
    if (!link) {
      link = { profiles: new Set(), emails: new Set() };
      desired.set(operatorGroup, link);
    }
    link.profiles.add(profile);
    for (const email of membersByProfile.get(profile) ?? []) link.emails.add(email.toLowerCase());
  }
  return desired;
}

export type LinkChanges = Pick<CampaignChangeSet, 'linksAdded' | 'linksRemoved' | 'usersAdded' | 'usersRemoved'> & {
  removalCount: number;
  /** Link items to write (the state after this run) and groups whose link item goes. */
  writes: AppliedLink[];
  deletes: string[];
  /** The state after this run of every group the run touches, before `writes`/`deletes` drop what did not change. */
  next: AppliedLink[];
};

/**
 * The change set between the last applied links and the desired ones. When
 * the removals exceed the cap none of them is applied (a mis-typed mask must
 * not empty Campaign): the next state keeps every previous link and user and
 * takes only the additions. Cost is linear in the memberships.
 */
export function diffLinks(previous: AppliedLink[], desired: DesiredLinks, removalCap: number): LinkChanges {
  const before = new Map(previous.map((link) => [link.operatorGroup, link]));
  const groups = [...new Set([...before.keys(), ...desired.keys()])].sort(compare);
  const changes: LinkChanges = { linksAdded: [], linksRemoved: [], usersAdded: [], usersRemoved: [], removalCount: 0, writes: [], deletes: [], next: [] };
  const desiredNext: AppliedLink[] = [];
  const additionsOnly: AppliedLink[] = [];
  for (const operatorGroup of groups) {
    const old = before.get(operatorGroup);
    const oldProfiles = new Set(old?.profiles ?? []);
    const oldEmails = new Set(old?.emails ?? []);
    const want = desired.get(operatorGroup) ?? { profiles: new Set<string>(), emails: new Set<string>() };
    const addedProfiles = [...want.profiles].filter((profile) => !oldProfiles.has(profile)).sort(compare);
    const removedProfiles = [...oldProfiles].filter((profile) => !want.profiles.has(profile)).sort(compare);
    const added = [...want.emails].filter((email) => !oldEmails.has(email)).sort(compare);
    const removed = [...oldEmails].filter((email) => !want.emails.has(email)).sort(compare);
    for (const profile of addedProfiles) changes.linksAdded.push({ operatorGroup, profile });
    for (const profile of removedProfiles) changes.linksRemoved.push({ operatorGroup, profile });
    if (added.length > 0) changes.usersAdded.push({ operatorGroup, emails: added });
    if (removed.length > 0) changes.usersRemoved.push({ operatorGroup, emails: removed });
    changes.removalCount += removed.length;
    if (addedProfiles.length + removedProfiles.length + added.length + removed.length === 0) continue;
    desiredNext.push({ operatorGroup, profiles: [...want.profiles].sort(compare), emails: [...want.emails].sort(compare) });
    additionsOnly.push({ operatorGroup, profiles: [...oldProfiles, ...addedProfiles].sort(compare), emails: [...oldEmails, ...added].sort(compare) });
  }
  const capExceeded = changes.removalCount > removalCap;
  // Over the cap, a group keeps every previous user and profile and takes only the additions.
  changes.next = capExceeded ? additionsOnly : desiredNext;
  Object.assign(changes, linkWrites(previous, changes.next));
  return changes;
}

/** The link items to write and delete to go from `previous` to `next` (groups not in `next` stay as they are). */
export function linkWrites(previous: AppliedLink[], next: AppliedLink[]): { writes: AppliedLink[]; deletes: string[] } {
  const before = new Map(previous.map((link) => [link.operatorGroup, link]));
  const writes: AppliedLink[] = [];
  const deletes: string[] = [];
  for (const link of next) {
    if (sameLink(before.get(link.operatorGroup), link)) continue;
    if (link.profiles.length === 0 && link.emails.length === 0) {
      if (before.has(link.operatorGroup)) deletes.push(link.operatorGroup);
    } else writes.push(link);
  }
  return { writes, deletes };
}

/**
 * The state Campaign really reached: an addition Campaign does not have
 * (missing operator or group, failed write) is left out, so the next run
 * tries it again; a removal that failed stays in, so the next run sends it
 * again. Everything else is as planned.
 */
export function settleLinks(next: AppliedLink[], notAdded: Set<string>, notRemoved: Set<string>): AppliedLink[] {
  return next.map((link) => {
    const emails = new Set(link.emails.filter((email) => !notAdded.has(linkKey(link.operatorGroup, email))));
    for (const key of notRemoved) {
      const [group, email] = key.split('\n');
      if (group === link.operatorGroup && email) emails.add(email);
    }
    return { ...link, emails: [...emails].sort(compare) };
  });
}

export const linkKey = (operatorGroup: string, email: string) => `${operatorGroup}\n${email}`;

function sameLink(a: AppliedLink | undefined, b: AppliedLink): boolean {
  if (!a) return false;
  return a.profiles.length === b.profiles.length && a.emails.length === b.emails.length && a.profiles.every((p, i) => p === b.profiles[i]) && a.emails.every((e, i) => e === b.emails[i]);
}
