import {
  canonicalEmail,
  DEFAULT_AUDIENCE_NAMESPACE,
  type EmailSource,
  type FieldMapping,
  type FieldValue,
  type Presence,
  type ProfileRecord,
  type RefusalCounts,
  type RefusalReason,
} from '#functions/push-clone/core/model.ts';
import { orderingKey } from '#functions/push-clone/core/intake/timestamps.ts';

/**
 * A reader of AEP audience activations (docs/push-clone.md, "Intake"; docs/vendors/aep.md; Adobe's
 * HTTP API destination "Exported data" and Destination SDK "Message format"
 * pages). AEP drops data it cannot deliver after two retries and never
 * retries a 400, so it is lenient about shape and strict about facts:
 *
 * - the body: an array of profiles, `{ profiles: [...] }` (Destination SDK
 *   templates, aggregation keys beside it allowed), or one profile; a profile
 *   is an object with `segmentMembership`, `identityMap` or `identities`;
 * - **one person per profile**: the emails are read from the destination's
 *   email sources in order (identity namespaces in `identityMap` or
 *   `identities`, XDM paths such as `personalEmail.address`), an identity
 *   marked `primary` first; the first is the person, the others its aliases.
 *   Hashed identities are never emails: such a profile is `unresolvable_identity`;
 * - **audiences are (namespace, id)**: an entry counts only under the
 *   namespace the destination maps the audience in (`ups` by default);
 * - **ordering keys are facts**: an entry whose lastQualificationTime is
 *   missing, unreadable or outside the sane window is refused (`bad_timestamp`),
 *   never given an invented time;
 * - **nothing silent**: every profile or entry not accepted is counted by
 *   reason (`REFUSAL_REASONS`), per audience where the audience is known,
 *   with one sample per reason for the log (masked by the logger).
 *
 * It never throws: a body that is not JSON, or JSON with no profile shape, is
 * `{ readable: false }` (the webhook's 400). It walks only known paths with
 * fixed caps, and looks keys up with own-property checks, so `__proto__` or
 * `constructor` keys are just data.
 */
export interface MappedAudience {
  audienceId: string;
  /** Absent: `ups`. */
  namespace?: string;
}

export interface ParserOptions {
  /** The audiences this destination maps, each in its namespace. */
  audiences: readonly MappedAudience[];
  /** Where the email comes from, in order. */
  emailSources: readonly EmailSource[];
  fieldMappings: readonly FieldMapping[];
  /** When the delivery arrived: the end of the ordering-key window. */
  receivedAt: number;
}

/** One refused thing, for the WARN line: the logger masks emails; values are cut short. */
export interface RefusalSample {
  reason: RefusalReason;
  audienceId?: string;
  namespace?: string;
  email?: string;
  value?: string;
}

export interface ActivationCounts {
  /** Profiles read (array elements that are profiles). */
  profiles: number;
  /** Profiles that gave at least one accepted membership. */
  acceptedProfiles: number;
  /** Memberships accepted (one per accepted profile and mapped audience). */
  accepted: number;
  /** Refused profiles or audience entries by reason. */
  refused: RefusalCounts;
  /** The same, per mapped audience, where the audience is known. */
  refusedByAudience: Record<string, RefusalCounts>;
}

export type ParsedActivation =
  | { readable: true; profiles: ProfileRecord[]; counts: ActivationCounts; samples: RefusalSample[] }
  | { readable: false; reason: string };

export const PARSER_LIMITS = {
  profiles: 50_000,
  audiencesPerProfile: 2_000,
  emailsPerProfile: 50,
  attributeChars: 10_000,
  /** Keeps one profile far below the inbox item size whatever the mappings. */
  attributeCharsPerProfile: 64_000,
  emailChars: 254,
  pathSegments: 12,
  sampleValueChars: 60,
} as const;

export const EXPECTED_SHAPE =
  'Expected an array of AEP profiles, { "profiles": [...] }, or one profile: objects with "segmentMembership" ({ "<namespace>": { "<audienceId>": { "status", "lastQualificationTime" } } }) and "identityMap" or "identities" (see docs/aep-setup.md).';

const PRESENCE_BY_STATUS: ReadonlyMap<string, Presence> = new Map([
  ['realized', 'in'],
  ['existing', 'in'],
  ['exited', 'out'],
]);

/** Namespaces and ids that are hashes of emails (e.g. `email_lc_sha256`): never sent to Marketo, never guessed. */
const HASHED_NAMESPACE = /sha\d*|md5|hash/i;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

export function parseActivation(body: string, options: ParserOptions): ParsedActivation {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { readable: false, reason: `The body is not JSON. ${EXPECTED_SHAPE}` };
  }
  const candidates = profilesOf(json);
  if (!candidates) return { readable: false, reason: `The body has no profile. ${EXPECTED_SHAPE}` };
  const reader = new ActivationReader(options);
  candidates.slice(0, PARSER_LIMITS.profiles).forEach((candidate) => reader.read(candidate));
  for (let extra = PARSER_LIMITS.profiles; extra < candidates.length; extra += 1) reader.refuse('over_limits', () => ({ value: 'profiles per body' }));
  return { readable: true, profiles: reader.profiles, counts: reader.counts, samples: [...reader.samples.values()] };
}

/** The activation records of one profile for a person key (the fold's unit). */
export function recordsOfProfile(profile: ProfileRecord, person: string) {
  return profile.memberships.map((membership) => ({ ...membership, email: person, attributes: profile.attributes }));
}

class ActivationReader {
  readonly profiles: ProfileRecord[] = [];
  readonly counts: ActivationCounts = { profiles: 0, acceptedProfiles: 0, accepted: 0, refused: {}, refusedByAudience: {} };
  readonly samples = new Map<RefusalReason, RefusalSample>();
  /** namespace (lower-case) -> audience IDs mapped in it. */
  private readonly mapped = new Map<string, Set<string>>();
  private readonly mappedIds = new Set<string>();
  /** A backfill stamps thousands of entries with a few instants: each text is read once. */
  private readonly instants = new Map<string, number | undefined>();
  private readonly mappings: ReadonlyArray<{ source: string[]; target: string[]; name: string }>;
  private readonly sources: ReadonlyArray<{ namespace: string } | { path: string[] }>;

  constructor(private readonly options: ParserOptions) {
    this.mappings = options.fieldMappings.map(({ source, target }) => ({ source: source.split('.'), target: target.split('.'), name: target }));
    this.sources = options.emailSources.map((source) => ('namespace' in source ? source : { path: source.path.split('.') }));
    for (const audience of options.audiences) {
      const namespace = (audience.namespace ?? DEFAULT_AUDIENCE_NAMESPACE).toLowerCase();
      const ids = this.mapped.get(namespace) ?? new Set<string>();
      ids.add(audience.audienceId);
      this.mapped.set(namespace, ids);
      this.mappedIds.add(audience.audienceId);
    }
  }

  /** Counts a refusal; `sample` is built only for the first of its reason (it may stringify a big value). */
  refuse(reason: RefusalReason, sample: () => Omit<RefusalSample, 'reason'>, audienceId?: string): void {
    this.counts.refused[reason] = (this.counts.refused[reason] ?? 0) + 1;
    if (audienceId !== undefined && this.mappedIds.has(audienceId)) {
      const perAudience = (this.counts.refusedByAudience[audienceId] ??= {});
      perAudience[reason] = (perAudience[reason] ?? 0) + 1;
    }
    if (!this.samples.has(reason)) this.samples.set(reason, { reason, ...sample() });
  }

  read(candidate: unknown): void {
    if (!isProfile(candidate)) {
      this.refuse('not_a_profile', () => ({ value: shortText(candidate) }));
      return;
    }
    this.counts.profiles += 1;
    const entries = audienceEntries(own(candidate, 'segmentMembership'));
    const emails = emailsOf(candidate, this.sources);
    if (entries.length === 0) {
      this.refuse('no_membership', () => ({ email: emails[0] }));
      return;
    }
    if (emails.length === 0) {
      this.refuse('unresolvable_identity', () => ({ value: hashedOnly(candidate) ? 'hashed identities only' : 'no email in the configured sources' }));
      // Per audience too, so the admin sees which lists lose people to the identity setting.
      for (const entry of entries) {
        if (this.isMapped(entry.namespace, entry.audienceId)) this.countForAudience('unresolvable_identity', entry.audienceId);
      }
      return;
    }
    const memberships: ProfileRecord['memberships'] = [];
    for (const entry of entries) {
      const membership = this.membershipOf(entry, emails[0]);
      if (membership) memberships.push(membership);
    }
    if (entries.overflow > 0) for (let extra = 0; extra < entries.overflow; extra += 1) this.refuse('over_limits', () => ({ email: emails[0], value: 'audiences per profile' }));
    if (memberships.length === 0) return;
    const attributes = attributesOf(candidate, this.mappings);
    if (!attributes) {
      for (const membership of memberships) this.refuse('over_limits', () => ({ email: emails[0], value: 'mapped attributes too large' }), membership.audienceId);
      return;
    }
    this.counts.acceptedProfiles += 1;
    this.counts.accepted += memberships.length;
    this.profiles.push({ emails, attributes, memberships });
  }

  private orderingKeyOf(raw: unknown): number | undefined {
    if (typeof raw !== 'string') return orderingKey(raw, this.options.receivedAt);
    if (this.instants.has(raw)) return this.instants.get(raw);
    const key = orderingKey(raw, this.options.receivedAt);
    if (this.instants.size < 10_000) this.instants.set(raw, key);
    return key;
  }

  private countForAudience(reason: RefusalReason, audienceId: string): void {
    const perAudience = (this.counts.refusedByAudience[audienceId] ??= {});
    perAudience[reason] = (perAudience[reason] ?? 0) + 1;
  }

  private isMapped(namespace: string, audienceId: string): boolean {
    return this.mapped.get(namespace.toLowerCase())?.has(audienceId) ?? false;
  }

  private membershipOf(entry: AudienceEntry, email: string | undefined): ProfileRecord['memberships'][number] | undefined {
    const { namespace, audienceId, value } = entry;
    if (!this.isMapped(namespace, audienceId)) {
      const reason = this.mappedIds.has(audienceId) ? 'other_namespace' : 'unmapped_audience';
      this.refuse(reason, () => ({ audienceId, namespace, email }), reason === 'other_namespace' ? audienceId : undefined);
      return undefined;
    }
    const status = own(value, 'status');
    const presence = typeof status === 'string' ? PRESENCE_BY_STATUS.get(status.trim().toLowerCase()) : undefined;
    if (!presence) {
      this.refuse('bad_status', () => ({ audienceId, email, value: shortText(status) }), audienceId);
      return undefined;
    }
    const rawTime = own(value, 'lastQualificationTime');
    const qualifiedAt = this.orderingKeyOf(rawTime);
    if (qualifiedAt === undefined) {
      this.refuse('bad_timestamp', () => ({ audienceId, email, value: shortText(rawTime) }), audienceId);
      return undefined;
    }
    return { audienceId, presence, qualifiedAt };
  }
}

function profilesOf(json: unknown): unknown[] | undefined {
  const candidates = Array.isArray(json) ? json : isObject(json) && Array.isArray(own(json, 'profiles')) ? (own(json, 'profiles') as unknown[]) : undefined;
  if (candidates) return candidates.length === 0 || candidates.some(isProfile) ? candidates : undefined;
  return isProfile(json) ? [json] : undefined;
}

function isProfile(value: unknown): value is Record<string, unknown> {
  return isObject(value) && (Object.hasOwn(value, 'segmentMembership') || Object.hasOwn(value, 'identityMap') || Object.hasOwn(value, 'identities'));
}

interface AudienceEntry {
  namespace: string;
  audienceId: string;
  value: unknown;
}

/** Every `(namespace, audienceId, membership)` of segmentMembership, capped; `overflow` counts what the cap left out. */
function audienceEntries(segmentMembership: unknown): AudienceEntry[] & { overflow: number } {
  const entries = Object.assign([] as AudienceEntry[], { overflow: 0 });
  if (!isObject(segmentMembership)) return entries;
  for (const [namespace, audiences] of Object.entries(segmentMembership)) {
    if (!isObject(audiences)) continue;
    for (const [audienceId, value] of Object.entries(audiences)) {
      if (entries.length >= PARSER_LIMITS.audiencesPerProfile) entries.overflow += 1;
      else entries.push({ namespace, audienceId, value });
    }
  }
  return entries;
}

/**
 * The profile's distinct emails in resolution order: an identity marked
 * `primary` in a configured namespace first, then every source in the
 * configured order (within a namespace, in AEP's array order).
 */
function emailsOf(profile: Record<string, unknown>, sources: ReadonlyArray<{ namespace: string } | { path: string[] }>): string[] {
  const primary: string[] = [];
  const ordered: string[] = [];
  for (const source of sources) {
    if ('namespace' in source) {
      for (const identity of identitiesIn(profile, source.namespace)) (identity.primary ? primary : ordered).push(identity.id);
    } else {
      for (const root of [profile, own(profile, 'attributes')]) {
        const value = valueAt(root, source.path);
        if (typeof value === 'string') ordered.push(value);
      }
    }
  }
  const emails = new Set<string>();
  for (const candidate of [...primary, ...ordered]) {
    if (emails.size >= PARSER_LIMITS.emailsPerProfile) break;
    if (candidate.length > PARSER_LIMITS.emailChars) continue;
    const email = canonicalEmail(candidate);
    if (EMAIL_SHAPE.test(email)) emails.add(email);
  }
  return [...emails];
}

/** Identities of one namespace (case-insensitive) in identityMap, in `identities` as a map or as [{ type, id }], or as a top-level array. */
function identitiesIn(profile: Record<string, unknown>, namespace: string): Array<{ id: string; primary: boolean }> {
  if (HASHED_NAMESPACE.test(namespace)) return [];
  const wanted = namespace.toLowerCase();
  const found: Array<{ id: string; primary: boolean }> = [];
  const take = (identity: unknown) => {
    const id = typeof identity === 'string' ? identity : own(identity, 'id');
    if (typeof id === 'string' && found.length < PARSER_LIMITS.emailsPerProfile) found.push({ id, primary: own(identity, 'primary') === true });
  };
  for (const container of [own(profile, 'identityMap'), own(profile, 'identities')]) {
    if (isObject(container)) {
      for (const [key, identities] of Object.entries(container)) {
        if (key.toLowerCase() === wanted && Array.isArray(identities)) identities.slice(0, PARSER_LIMITS.emailsPerProfile).forEach(take);
      }
    } else if (Array.isArray(container)) {
      for (const identity of container.slice(0, PARSER_LIMITS.emailsPerProfile)) {
        const type = own(identity, 'type');
        if (typeof type === 'string' && type.toLowerCase() === wanted) take(identity);
      }
    }
  }
  // Destination SDK's identity-namespace aggregation writes `"email": ["a@example.com", ...]` on the profile itself.
  for (const [key, identities] of Object.entries(profile)) {
    if (key.toLowerCase() === wanted && Array.isArray(identities)) identities.slice(0, PARSER_LIMITS.emailsPerProfile).forEach(take);
  }
  return found;
}

function hashedOnly(profile: Record<string, unknown>): boolean {
  const identityMap = own(profile, 'identityMap');
  return isObject(identityMap) && Object.keys(identityMap).some((namespace) => HASHED_NAMESPACE.test(namespace));
}

/** The mapped attributes, once per profile; undefined when they exceed the per-profile cap. */
function attributesOf(profile: Record<string, unknown>, mappings: ReadonlyArray<{ source: string[]; target: string[]; name: string }>): Record<string, FieldValue> | undefined {
  const attributes: Record<string, FieldValue> = {};
  const nested = own(profile, 'attributes');
  let chars = 0;
  for (const { source, target, name } of mappings) {
    const value = valueAt(profile, source) ?? valueAt(nested, source) ?? valueAt(nested, target);
    if (value === undefined) continue;
    chars += typeof value === 'string' ? value.length : 8;
    if (chars > PARSER_LIMITS.attributeCharsPerProfile) return undefined;
    attributes[name] = value;
  }
  return attributes;
}

/** The plain value at a path (split on dots), unwrapping `{ value }`; undefined when absent, empty or not a plain value. */
function valueAt(root: unknown, segments: readonly string[]): FieldValue | undefined {
  if (segments.length > PARSER_LIMITS.pathSegments) return undefined;
  let current: unknown = root;
  for (const segment of segments) current = own(current, segment);
  if (isObject(current)) current = own(current, 'value');
  if (typeof current === 'string') return current.length <= PARSER_LIMITS.attributeChars ? current : undefined;
  if (typeof current === 'number') return Number.isFinite(current) ? current : undefined;
  if (typeof current === 'boolean') return current;
  return undefined;
}

/** A short text of what was refused (a status, a timestamp), for the WARN sample. */
function shortText(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = typeof value;
  }
  return text.length > PARSER_LIMITS.sampleValueChars ? `${text.slice(0, PARSER_LIMITS.sampleValueChars)}...` : text;
}

function own(value: unknown, key: string): unknown {
  return isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
