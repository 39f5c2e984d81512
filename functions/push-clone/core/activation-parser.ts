import { canonicalEmail, type ActivationRecord, type FieldMapping, type FieldValue, type Presence } from './model';
import { epochToMs, parseInstant } from './timestamps';

/**
 * A lenient reader of AEP audience activations (docs/vendors/aep.md, "One profile as AEP
 * sends it"; Adobe's Destination SDK "Message format" page). AEP drops data
 * it cannot deliver after two retries and never retries a 400, so anything we
 * can use is used and everything else is counted, not refused:
 *
 * - the body: an array of profiles, `{ profiles: [...] }` (Destination SDK
 *   templates, with or without aggregation keys beside it), or one profile;
 * - `segmentMembership.<namespace>.<audienceId>` in every namespace (`ups`,
 *   `CustomerAudienceUpload`, ...); `realized`/`existing` = in, `exited` = out,
 *   any other status is counted and ignored; audiences the destination does
 *   not map are counted and ignored;
 * - `identityMap` keys compared case-insensitively (`Email`/`email`), each
 *   entry `{ id }` (or a bare string), several emails giving one record each;
 * - attributes by each field mapping's `source` path, on the profile or under
 *   `attributes` (where Destination SDK puts mapped attributes), or under
 *   `attributes.<target>`; values plain or `{ value }`; `{}` and null mean
 *   "absent" and are not sent, so a missing attribute never wipes a Marketo field.
 *
 * It never throws: a body that is not JSON, or JSON with no profile shape, is
 * `{ readable: false }` (the webhook's 400). It walks only known paths with
 * fixed caps, so a deep or huge body costs bounded work, and it looks keys up
 * with own-property checks and Maps, so `__proto__` or `constructor` keys are
 * just data.
 */
export interface ParserOptions {
  /** Audience IDs this destination maps; every other audience is ignored. */
  mappedAudienceIds: ReadonlySet<string>;
  fieldMappings: readonly FieldMapping[];
  /** When the delivery arrived: the qualification time of records that carry none. */
  receivedAt: number;
}

export interface ActivationCounts {
  profiles: number;
  /** Audience entries on profiles that this destination does not map. */
  ignoredAudiences: number;
  /** Profiles with no usable address in the Email namespace. */
  profilesWithoutEmail: number;
  /** Mapped audience entries whose status is not realized, existing or exited. */
  ignoredStatuses: number;
  /** Array elements that are not profiles at all. */
  unreadableProfiles: number;
}

export type ParsedActivation =
  | { readable: true; records: ActivationRecord[]; counts: ActivationCounts }
  | { readable: false; reason: string };

export const PARSER_LIMITS = {
  profiles: 50_000,
  audiencesPerProfile: 2_000,
  emailsPerProfile: 50,
  attributeChars: 10_000,
  /** Keeps one record far below the inbox item size whatever the mappings. */
  attributeCharsPerProfile: 64_000,
  emailChars: 254,
  pathSegments: 12,
} as const;

const PRESENCE_BY_STATUS: ReadonlyMap<string, Presence> = new Map([
  ['realized', 'in'],
  ['existing', 'in'],
  ['exited', 'out'],
]);

export function parseActivation(body: string, options: ParserOptions): ParsedActivation {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { readable: false, reason: 'The body is not JSON.' };
  }
  const profiles = profilesOf(json);
  if (!profiles) {
    return { readable: false, reason: 'The body has no profiles: expected an array of profiles, { "profiles": [...] }, or one profile with segmentMembership and identityMap.' };
  }
  const counts: ActivationCounts = { profiles: 0, ignoredAudiences: 0, profilesWithoutEmail: 0, ignoredStatuses: 0, unreadableProfiles: 0 };
  const records: ActivationRecord[] = [];
  for (const profile of profiles.slice(0, PARSER_LIMITS.profiles)) {
    if (!isProfile(profile)) {
      counts.unreadableProfiles += 1;
      continue;
    }
    counts.profiles += 1;
    readProfile(profile, options, counts, records);
  }
  counts.unreadableProfiles += Math.max(0, profiles.length - PARSER_LIMITS.profiles);
  return { readable: true, records, counts };
}

function readProfile(profile: Record<string, unknown>, options: ParserOptions, counts: ActivationCounts, records: ActivationRecord[]): void {
  const emails = emailsOf(own(profile, 'identityMap'));
  if (emails.length === 0) counts.profilesWithoutEmail += 1;
  const memberships: Array<{ audienceId: string; presence: Presence; qualifiedAt: number }> = [];
  for (const [audienceId, membership] of audienceEntries(own(profile, 'segmentMembership'))) {
    if (!options.mappedAudienceIds.has(audienceId)) {
      counts.ignoredAudiences += 1;
      continue;
    }
    const status = own(membership, 'status');
    const presence = typeof status === 'string' ? PRESENCE_BY_STATUS.get(status.trim().toLowerCase()) : undefined;
    if (!presence) {
      counts.ignoredStatuses += 1;
      continue;
    }
    memberships.push({ audienceId, presence, qualifiedAt: qualificationTime(own(membership, 'lastQualificationTime'), options.receivedAt) });
  }
  if (emails.length === 0 || memberships.length === 0) return;
  const attributes = attributesOf(profile, options.fieldMappings);
  for (const email of emails) {
    for (const membership of memberships) records.push({ ...membership, email, attributes });
  }
}

function profilesOf(json: unknown): unknown[] | undefined {
  const candidates = Array.isArray(json) ? json : isObject(json) && Array.isArray(own(json, 'profiles')) ? (own(json, 'profiles') as unknown[]) : undefined;
  if (candidates) return candidates.length === 0 || candidates.some(isProfile) ? candidates : undefined;
  return isProfile(json) ? [json] : undefined;
}

function isProfile(value: unknown): value is Record<string, unknown> {
  return isObject(value) && (Object.hasOwn(value, 'segmentMembership') || Object.hasOwn(value, 'identityMap'));
}

/** `[audienceId, membership]` across every namespace of segmentMembership, capped. */
function audienceEntries(segmentMembership: unknown): Array<[string, unknown]> {
  const entries: Array<[string, unknown]> = [];
  if (!isObject(segmentMembership)) return entries;
  for (const namespace of Object.values(segmentMembership)) {
    if (!isObject(namespace)) continue;
    for (const entry of Object.entries(namespace)) {
      if (entries.length >= PARSER_LIMITS.audiencesPerProfile) return entries;
      entries.push(entry);
    }
  }
  return entries;
}

function emailsOf(identityMap: unknown): string[] {
  const emails = new Set<string>();
  if (!isObject(identityMap)) return [];
  for (const [namespace, identities] of Object.entries(identityMap)) {
    if (namespace.trim().toLowerCase() !== 'email' || !Array.isArray(identities)) continue;
    for (const identity of identities.slice(0, PARSER_LIMITS.emailsPerProfile)) {
      const id = typeof identity === 'string' ? identity : own(identity, 'id');
      if (typeof id !== 'string' || id.length > PARSER_LIMITS.emailChars) continue;
      const email = canonicalEmail(id);
      if (/^[^\s@]+@[^\s@]+$/.test(email)) emails.add(email);
    }
  }
  return [...emails].slice(0, PARSER_LIMITS.emailsPerProfile);
}

function qualificationTime(value: unknown, receivedAt: number): number {
  const instant = typeof value === 'number' ? epochToMs(value) : parseInstant(value);
  return instant ?? receivedAt;
}

function attributesOf(profile: Record<string, unknown>, mappings: readonly FieldMapping[]): Record<string, FieldValue> {
  const attributes: Record<string, FieldValue> = {};
  const nested = own(profile, 'attributes');
  let chars = 0;
  for (const { source, target } of mappings) {
    const value = [valueAt(profile, source), valueAt(nested, source), valueAt(nested, target)].find((candidate) => candidate !== undefined);
    if (value === undefined) continue;
    chars += typeof value === 'string' ? value.length : 8;
    if (chars > PARSER_LIMITS.attributeCharsPerProfile) break;
    attributes[target] = value;
  }
  return attributes;
}

/** The plain value at a dotted path, unwrapping `{ value }`; undefined when absent, empty or not a plain value. */
function valueAt(root: unknown, path: string): FieldValue | undefined {
  const segments = path.split('.');
  if (segments.length > PARSER_LIMITS.pathSegments) return undefined;
  let current: unknown = root;
  for (const segment of segments) current = own(current, segment);
  if (isObject(current)) current = own(current, 'value');
  if (typeof current === 'string') return current.length <= PARSER_LIMITS.attributeChars ? current : undefined;
  if (typeof current === 'number') return Number.isFinite(current) ? current : undefined;
  if (typeof current === 'boolean') return current;
  return undefined;
}

function own(value: unknown, key: string): unknown {
  return isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
