/**
 * AEP profiles as a streaming destination receives them (docs/vendors/aep.md, "One profile
 * as AEP sends it"; Destination SDK "Message format"), built by factory so
 * each test says only what matters to it.
 */
export type AepStatus = 'realized' | 'existing' | 'exited' | string;

export interface ProfileSpec {
  emails?: string[];
  /** audienceId -> status and optional lastQualificationTime (omit for none). */
  audiences: Record<string, { status: AepStatus; at?: string | number }>;
  namespaceKey?: string;
  person?: { firstName?: unknown; lastName?: unknown };
  companyName?: unknown;
  extra?: Record<string, unknown>;
}

export function aepProfile(spec: ProfileSpec): Record<string, unknown> {
  const ups: Record<string, unknown> = {};
  for (const [audienceId, membership] of Object.entries(spec.audiences)) {
    ups[audienceId] = membership.at === undefined ? { status: membership.status } : { status: membership.status, lastQualificationTime: membership.at };
  }
  const identityMap: Record<string, unknown> = { ECID: [{ id: '66479210745211234567890123456789012' }] };
  if (spec.emails) identityMap[spec.namespaceKey ?? 'Email'] = spec.emails.map((id) => ({ id, authenticatedState: 'authenticated', primary: false }));
  const profile: Record<string, unknown> = { segmentMembership: { ups }, identityMap, ...spec.extra };
  if (spec.person) profile.person = { name: spec.person };
  if (spec.companyName !== undefined) profile.companyName = spec.companyName;
  return profile;
}

/** `count` profiles of one audience, emails `<prefix>.<i>@example.com`. */
export function manyProfiles(count: number, audienceId: string, options: { prefix?: string; status?: AepStatus; at?: string } = {}): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, index) =>
    aepProfile({
      emails: [`${options.prefix ?? 'person'}.${index}@example.com`],
      audiences: { [audienceId]: { status: options.status ?? 'realized', at: options.at ?? '2026-01-01T08:00:00.000+0000' } },
      person: { firstName: `First${index}`, lastName: `Last${index}` },
      companyName: `Company ${index}, Inc.`,
    }),
  );
}
