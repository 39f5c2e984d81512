import type { AssociationMask } from './mask';
import type { SyncWarning } from './model';

/** A product profile whose name the mask matched, as the cursor keeps it between invocations. */
export interface Candidate {
  profile: string;
  captured: string;
  /** From the groups listing; 0 lets us skip the users call. */
  memberCount?: number;
}

/** A candidate whose captured name is an operator group in Campaign: its users are fetched. */
export interface LinkedProfile extends Candidate {
  operatorGroup: string;
}

export interface ProfilePlan {
  linked: LinkedProfile[];
  unmatched: Array<{ profile: string; captured: string }>;
  warnings: SyncWarning[];
}

/**
 * Adobe's system groups: `_org_admin`, `_admin_<profile>`, `_product_admin_<product>`
 * and friends. Their names start with "_" whatever their `type` says, and only
 * product profiles carry Campaign rights.
 */
export function isCandidateType(group: { groupName: string; type: string }): boolean {
  return group.type === 'PRODUCT_PROFILE' && !group.groupName.startsWith('_');
}

export function matchProfile(group: { groupName: string; type: string; memberCount?: number }, mask: AssociationMask): Candidate | undefined {
  if (!isCandidateType(group)) return undefined;
  const captured = mask.capture(group.groupName);
  if (captured === undefined) return undefined;
  return { profile: group.groupName, captured, ...(group.memberCount === undefined ? {} : { memberCount: group.memberCount }) };
}

/**
 * Which matched profiles link to which operator group. Operator groups are
 * never created: a captured name with no group is reported. With the
 * case-insensitive opt-in the captured name finds its group whatever its case
 * (Campaign v8 writes `campaign - ...` in lower case).
 */
export function planProfiles(candidates: Candidate[], operatorGroups: string[], caseInsensitive: boolean): ProfilePlan {
  const byName = new Map<string, string>();
  for (const group of operatorGroups) byName.set(caseInsensitive ? group.toLowerCase() : group, group);
  const linked: LinkedProfile[] = [];
  const unmatched: ProfilePlan['unmatched'] = [];
  const warnings: SyncWarning[] = [];
  const profilesByTarget = new Map<string, string[]>();
  for (const candidate of [...candidates].sort((a, b) => compare(a.profile, b.profile))) {
    const { profile, captured } = candidate;
    if (profile !== profile.trim() || captured !== captured.trim()) {
      warnings.push({
        code: 'surrounding_spaces',
        message: `Product profile "${profile}" has leading or trailing spaces in its name: Campaign compares names exactly, so check the profile name in the Admin Console.`,
        profiles: [profile],
      });
    }
    const operatorGroup = byName.get(caseInsensitive ? captured.toLowerCase() : captured);
    const target = operatorGroup ?? captured;
    profilesByTarget.set(target, [...(profilesByTarget.get(target) ?? []), profile]);
    if (operatorGroup === undefined) unmatched.push({ profile, captured });
    else linked.push({ ...candidate, operatorGroup });
  }
  for (const [target, profiles] of profilesByTarget) {
    if (profiles.length > 1) {
      warnings.push({
        code: 'duplicate_operator_group',
        message: `${profiles.length} product profiles resolve to operator group "${target}": their users are merged; check the association mask.`,
        profiles,
        operatorGroup: target,
      });
    }
    if (/admin/i.test(target)) {
      warnings.push({
        code: 'admin_operator_group',
        message: `Operator group "${target}" contains "admin": its members get access to the Campaign Control Panel.`,
        profiles,
        operatorGroup: target,
      });
    }
  }
  return { linked, unmatched, warnings };
}

/** Code-point order, so reports are the same on every machine (no locale). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
