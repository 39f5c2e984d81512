import { describe, expect, it } from 'vitest';
import { parseActivation, recordsOfProfile, type ParserOptions } from '#functions/push-clone/core/intake/activation-parser.ts';
import { DEFAULT_EMAIL_SOURCES, DEFAULT_FIELD_MAPPINGS } from '#functions/push-clone/core/model.ts';
import { parseInstant } from '#functions/push-clone/core/intake/timestamps.ts';
import { aepProfile } from './parser-profiles';

const RECEIVED_AT = Date.parse('2026-02-01T12:00:00Z');
const options: ParserOptions = {
  audiences: [{ audienceId: 'aud-1' }, { audienceId: 'aud-2' }, { audienceId: 'upl-1', namespace: 'CustomerAudienceUpload' }],
  emailSources: DEFAULT_EMAIL_SOURCES,
  fieldMappings: DEFAULT_FIELD_MAPPINGS,
  receivedAt: RECEIVED_AT,
};
const AT = '2026-01-01T00:00:00Z';

function parse(body: unknown, parserOptions = options) {
  const parsed = parseActivation(typeof body === 'string' ? body : JSON.stringify(body), parserOptions);
  if (!parsed.readable) throw new Error(`unexpectedly unreadable: ${parsed.reason}`);
  return { ...parsed, records: parsed.profiles.flatMap((profile) => recordsOfProfile(profile, profile.emails[0] ?? '')) };
}

describe('activation parser: lenient about shape', () => {
  it.each([
    ['with millis and +0000', '2024-05-02T08:15:00.000+0000'],
    ['with Z', '2024-05-02T08:15:00Z'],
    ['with +0000 and no millis', '2024-05-02T08:15:00+0000'],
    ['with millis and Z', '2024-05-02T08:15:00.000Z'],
    ['with +00:00', '2024-05-02T08:15:00+00:00'],
    ['with +0200 two hours ahead', '2024-05-02T10:15:00.000+0200'],
  ])('reads lastQualificationTime %s', (_label, at) => {
    const parsed = parse(aepProfile({ emails: ['jane@example.com'], audiences: { 'aud-1': { status: 'realized', at } } }));
    expect(parsed.records).toHaveLength(1);
    expect(parsed.records[0]?.qualifiedAt).toBe(Date.parse('2024-05-02T08:15:00.000Z'));
  });

  it('maps realized and existing to in, exited to out, and counts unknown statuses as bad_status', () => {
    const parsed = parse(
      aepProfile({ emails: ['jane@example.com'], audiences: { 'aud-1': { status: 'Existing', at: AT }, 'aud-2': { status: 'exited', at: AT }, 'aud-9': { status: 'realized', at: AT } } }),
    );
    expect(parsed.records.map((record) => [record.audienceId, record.presence])).toEqual([
      ['aud-1', 'in'],
      ['aud-2', 'out'],
    ]);
    expect(parsed.counts.refused).toEqual({ unmapped_audience: 1 });
    const unknown = parse(aepProfile({ emails: ['jane@example.com'], audiences: { 'aud-1': { status: 'pending', at: AT }, 'aud-2': { status: 'realized', at: AT } } }));
    expect(unknown.counts.refused).toEqual({ bad_status: 1 });
    expect(unknown.counts.refusedByAudience).toEqual({ 'aud-1': { bad_status: 1 } });
    expect(unknown.records.map((record) => record.audienceId)).toEqual(['aud-2']);
  });

  it('takes attributes plain, as { value }, or from Destination SDK "attributes", and leaves {} and null out', () => {
    const parsed = parse([
      aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized', at: AT } }, person: { firstName: 'Jane', lastName: { value: 'Doe' } }, companyName: {} }),
      aepProfile({ emails: ['b@example.com'], audiences: { 'aud-1': { status: 'realized', at: AT } }, person: { firstName: null }, extra: { attributes: { company: { value: 'Acme, Inc.' }, lastName: 'Roe' } } }),
    ]);
    expect(parsed.records[0]?.attributes).toEqual({ firstName: 'Jane', lastName: 'Doe' });
    expect(parsed.records[1]?.attributes).toEqual({ lastName: 'Roe', company: 'Acme, Inc.' });
  });

  it('accepts an array, { profiles: [...] } with aggregation keys beside it, and a single profile', () => {
    const profile = aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized', at: AT } }, extra: { unknownField: { nested: [1, 2] } } });
    expect(parse([profile]).records).toHaveLength(1);
    expect(parse({ segment: { id: 'aud-1', namespace: 'ups' }, profiles: [profile] }).records).toHaveLength(1);
    expect(parse(profile).records).toHaveLength(1);
    expect(parse([]).records).toHaveLength(0);
  });

  it.each([
    ['text that is not JSON', 'hello'],
    ['an empty body', ''],
    ['an object with no profile shape', '{"foo":1}'],
    ['an array of non-profiles', '[1,2,3]'],
    ['a JSON string', '"profiles"'],
  ])('calls %s unreadable, saying what it expected', (_label, body) => {
    const parsed = parseActivation(body, options);
    expect(parsed.readable).toBe(false);
    expect(!parsed.readable && parsed.reason).toContain('segmentMembership');
  });

  it('treats __proto__ and constructor keys as data, without polluting any prototype', () => {
    const body =
      '[{"identityMap":{"__proto__":[{"id":"x@example.com"}],"Email":[{"id":"a@example.com"}]},' +
      '"segmentMembership":{"__proto__":{"aud-1":{"status":"realized","lastQualificationTime":"2026-01-01T00:00:00Z"}},"ups":{"__proto__":{"status":"realized"},"constructor":{"status":"realized"},"aud-1":{"status":"realized","lastQualificationTime":"2026-01-01T00:00:00Z"}}},' +
      '"person":{"name":{"__proto__":{"polluted":true},"firstName":{"__proto__":{"value":"x"},"value":"Jane"}}}}]';
    const parsed = parse(body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parsed.records.map((record) => [record.audienceId, record.email])).toEqual([['aud-1', 'a@example.com']]);
    expect(parsed.records[0]?.attributes).toEqual({ firstName: 'Jane' });
    expect(parsed.counts.refused).toEqual({ unmapped_audience: 2, other_namespace: 1 });
  });
});

describe('activation parser: one person per profile', () => {
  it('gives one profile record per profile, whatever its number of emails, the first email being the person', () => {
    const parsed = parse(aepProfile({ namespaceKey: 'email', emails: ['Jane.Doe@Example.com ', 'jane.doe@example.com', 'jd@example.com', 'not-an-email'], audiences: { 'aud-1': { status: 'realized', at: AT }, 'aud-2': { status: 'realized', at: AT } } }));
    expect(parsed.profiles).toHaveLength(1);
    expect(parsed.profiles[0]?.emails).toEqual(['jane.doe@example.com', 'jd@example.com']);
    expect(parsed.records.map((record) => record.email)).toEqual(['jane.doe@example.com', 'jane.doe@example.com']);
  });

  it('puts the identity marked primary first, then the configured order', () => {
    const profile = {
      identityMap: { Email: [{ id: 'second@example.com' }, { id: 'primary@example.com', primary: true }] },
      personalEmail: { address: 'personal@example.com' },
      segmentMembership: { ups: { 'aud-1': { status: 'realized', lastQualificationTime: AT } } },
    };
    expect(parse(profile).profiles[0]?.emails).toEqual(['primary@example.com', 'second@example.com', 'personal@example.com']);
    const pathFirst = parse(profile, { ...options, emailSources: [{ path: 'personalEmail.address' }, { namespace: 'Email' }] });
    expect(pathFirst.profiles[0]?.emails).toEqual(['primary@example.com', 'personal@example.com', 'second@example.com']);
  });

  it('reads identities as a namespace map, as [{ type, id }], and from an XDM path', () => {
    const membership = { ups: { 'aud-1': { status: 'realized', lastQualificationTime: AT } } };
    expect(parse({ identities: { Email: [{ id: 'map@example.com' }] }, segmentMembership: membership }).profiles[0]?.emails).toEqual(['map@example.com']);
    expect(parse({ identities: [{ type: 'email', id: 'list@example.com' }, { type: 'external_id', id: '1' }], segmentMembership: membership }).profiles[0]?.emails).toEqual(['list@example.com']);
    expect(parse({ personalEmail: { address: 'path@example.com' }, segmentMembership: membership }).profiles[0]?.emails).toEqual(['path@example.com']);
  });

  it('counts a profile with only hashed or no email identities as unresolvable, per audience too, and never guesses', () => {
    const parsed = parse([
      { identityMap: { ecid: [{ id: '1457' }], email_lc_sha256: [{ id: '655332b5fa2aea4498bf7a290cff017cb4' }] }, segmentMembership: { ups: { 'aud-1': { status: 'realized', lastQualificationTime: AT } } } },
      aepProfile({ audiences: { 'aud-2': { status: 'realized', at: AT } } }),
    ]);
    expect(parsed.profiles).toEqual([]);
    expect(parsed.counts.refused).toEqual({ unresolvable_identity: 2 });
    expect(parsed.counts.refusedByAudience).toEqual({ 'aud-1': { unresolvable_identity: 1 }, 'aud-2': { unresolvable_identity: 1 } });
    expect(parsed.samples[0]).toMatchObject({ reason: 'unresolvable_identity', value: 'hashed identities only' });
  });
});

describe('activation parser: audiences are (namespace, id)', () => {
  it('takes an audience only in its mapped namespace; the same ID elsewhere is other_namespace and changes nothing', () => {
    const parsed = parse({
      identityMap: { Email: [{ id: 'a@example.com' }] },
      segmentMembership: {
        ups: { 'aud-1': { status: 'exited', lastQualificationTime: AT } },
        CustomerAudienceUpload: { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-05T00:00:00Z' }, 'upl-1': { status: 'realized', lastQualificationTime: AT } },
      },
    });
    expect(parsed.records.map((record) => [record.audienceId, record.presence])).toEqual([
      ['aud-1', 'out'],
      ['upl-1', 'in'],
    ]);
    expect(parsed.counts.refused).toEqual({ other_namespace: 1 });
    expect(parsed.counts.refusedByAudience).toEqual({ 'aud-1': { other_namespace: 1 } });
  });
});

describe('activation parser: ordering keys are facts', () => {
  it.each([
    ['missing', undefined],
    ['unreadable', 'yesterday'],
    ['numeric beyond 2^53', 1e300],
    ['before 2000', '1999-12-31T23:59:59Z'],
    ['epoch zero', 0],
    ['more than five minutes after arrival', '2026-02-01T12:06:00Z'],
    ['not a string or number', { at: 1 }],
  ])('refuses a %s lastQualificationTime as bad_timestamp', (_label, at) => {
    const parsed = parse(aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized', ...(at === undefined ? {} : { at: at as string }) } } }));
    expect(parsed.records).toEqual([]);
    expect(parsed.counts.refused).toEqual({ bad_timestamp: 1 });
    expect(parsed.counts.refusedByAudience).toEqual({ 'aud-1': { bad_timestamp: 1 } });
  });

  it('accepts a time a little after arrival (clock skew) and epoch milliseconds', () => {
    expect(parse(aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized', at: '2026-02-01T12:04:00Z' } } })).records).toHaveLength(1);
    expect(parse(aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized', at: Date.parse(AT) } } })).records[0]?.qualifiedAt).toBe(Date.parse(AT));
  });
});

describe('parseInstant', () => {
  it.each(['2026-02-30', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+2500', 'now', ''])('refuses %s', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('reads a date as midnight UTC', () => {
    expect(parseInstant('2026-03-01')).toBe(Date.parse('2026-03-01T00:00:00Z'));
  });
});
