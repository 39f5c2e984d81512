import { desiredLinks, diffLinks } from '#functions/campaign/core/diff.ts';
import { compileMask } from '#functions/campaign/core/mask.ts';
import type { AppliedLink } from '#functions/campaign/core/model.ts';
import { matchProfile, planProfiles } from '#functions/campaign/core/profiles.ts';
import { progress, type BenchRow } from './report';

const CPU_BOUND_MS = 5_000;
const MEMBERSHIPS_PER_USER = 3;

/**
 * The association sync's pure core at docs/targets.md's size: N product profiles
 * (half of them Campaign profiles with an operator group), U users each in 3
 * profiles, matched with the mask, planned, turned into desired links and
 * diffed against a previous state that differs by ~10%. No HTTP: UMAPI's
 * pages are built in memory. CPU time is user + system of this process.
 */
function measure(profiles: number, users: number): { cpuMs: number; memberships: number; changes: number } {
  const mask = compileMask('Campaign - bench_tenant - (.*)', { caseInsensitive: false });
  const groups = Array.from({ length: profiles }, (_, i) => ({
    groupName: i % 2 === 0 ? `Campaign - bench_tenant - group_${i}` : `Other product - profile ${i}`,
    type: 'PRODUCT_PROFILE',
    memberCount: 1,
  }));
  const operatorGroups = Array.from({ length: profiles / 2 }, (_, i) => `group_${i * 2}`);
  const members = new Map<string, string[]>();
  for (let u = 0; u < users; u += 1) {
    for (let k = 0; k < MEMBERSHIPS_PER_USER; k += 1) {
      const profile = groups[(u * 7 + k * 3_331) % profiles]?.groupName ?? '';
      let list = members.get(profile);
      if (!list) members.set(profile, (list = []));
      list.push(`User.${u}@Example.com`);
    }
  }
  // The previous state: the desired one with every tenth user missing and some stale ones.
  const previous: AppliedLink[] = [];
  for (const group of operatorGroups) {
    const emails = (members.get(`Campaign - bench_tenant - ${group}`) ?? []).map((email) => email.toLowerCase());
    previous.push({ operatorGroup: group, profiles: [`Campaign - bench_tenant - ${group}`], emails: emails.filter((_, i) => i % 10 !== 0).concat(`stale.${group}@example.com`).sort() });
  }

  const start = process.cpuUsage();
  const candidates = groups.flatMap((group) => matchProfile(group, mask) ?? []);
  const plan = planProfiles(candidates, operatorGroups, false);
  const desired = desiredLinks(plan.linked, members);
  const changes = diffLinks(previous, desired, Number.POSITIVE_INFINITY);
  const used = process.cpuUsage(start);
  const memberships = [...desired.values()].reduce((total, link) => total + link.emails.size, 0);
  return { cpuMs: (used.user + used.system) / 1000, memberships, changes: changes.writes.length };
}

export async function benchCampaign(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  measure(1_000, 10_000); // warm-up: JIT and re2js's caches, not counted
  for (const [profiles, users] of [[1_000, 10_000], [10_000, 100_000]] as const) {
    progress(`campaign diff: ${profiles.toLocaleString('en-US')} profiles x ${users.toLocaleString('en-US')} users`);
    const result = measure(profiles, users);
    rows.push({
      group: 'campaign',
      name: `diff CPU, ${profiles / 1000}k profiles x ${users / 1000}k users`,
      value: Math.round(result.cpuMs),
      unit: 'ms',
      bound: profiles === 10_000 ? CPU_BOUND_MS : CPU_BOUND_MS / 10,
      kind: 'max',
      note: `${result.memberships.toLocaleString('en-US')} memberships, ${result.changes.toLocaleString('en-US')} groups changed; the 1k row's bound is the 10k bound scaled linearly`,
    });
  }
  return rows;
}
