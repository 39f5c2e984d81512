import { describe, expect, it } from 'vitest';
import { parseActivation, type ParserOptions } from '#functions/push-clone/core/activation-parser.ts';
import { DEFAULT_FIELD_MAPPINGS } from '#functions/push-clone/core/model.ts';
import { parseInstant } from '#functions/push-clone/core/timestamps.ts';
import { aepProfile } from './parser-profiles';

const RECEIVED_AT = Date.parse('2026-02-01T12:00:00Z');
const options: ParserOptions = { mappedAudienceIds: new Set(['aud-1', 'aud-2']), fieldMappings: DEFAULT_FIELD_MAPPINGS, receivedAt: RECEIVED_AT };

function parse(body: unknown, parserOptions = options) {
  const parsed = parseActivation(typeof body === 'string' ? body : JSON.stringify(body), parserOptions);
  if (!parsed.readable) throw new Error(`unexpectedly unreadable: ${parsed.reason}`);
  return parsed;
}

describe('activation parser: lenient reading of AEP bodies', () => {
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

  it('uses the receipt time when lastQualificationTime is missing or unreadable', () => {
    const parsed = parse([
      aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized' } } }),
      aepProfile({ emails: ['b@example.com'], audiences: { 'aud-1': { status: 'realized', at: 'yesterday' } } }),
    ]);
    expect(parsed.records.map((record) => record.qualifiedAt)).toEqual([RECEIVED_AT, RECEIVED_AT]);
  });

  it('maps realized and existing to in, exited to out, and counts unknown statuses', () => {
    const parsed = parse(
      aepProfile({
        emails: ['jane@example.com'],
        audiences: { 'aud-1': { status: 'Existing', at: '2026-01-01T00:00:00Z' }, 'aud-2': { status: 'exited', at: '2026-01-01T00:00:00Z' }, 'aud-9': { status: 'realized' } },
      }),
    );
    expect(parsed.records.map((record) => [record.audienceId, record.presence])).toEqual([
      ['aud-1', 'in'],
      ['aud-2', 'out'],
    ]);
    expect(parsed.counts.ignoredAudiences).toBe(1);
    const unknown = parse(aepProfile({ emails: ['jane@example.com'], audiences: { 'aud-1': { status: 'pending' }, 'aud-2': { status: 'realized' } } }));
    expect(unknown.counts.ignoredStatuses).toBe(1);
    expect(unknown.records.map((record) => record.audienceId)).toEqual(['aud-2']);
  });

  it('reads the Email namespace in any case, canonicalises addresses, and gives one record per distinct email', () => {
    const parsed = parse(aepProfile({ namespaceKey: 'email', emails: ['Jane.Doe@Example.com ', 'jane.doe@example.com', 'jd@example.com', 'not-an-email'], audiences: { 'aud-1': { status: 'realized' } } }));
    expect(parsed.records.map((record) => record.email)).toEqual(['jane.doe@example.com', 'jd@example.com']);
  });

  it('counts profiles without an email and makes no record of them', () => {
    const parsed = parse([aepProfile({ audiences: { 'aud-1': { status: 'realized' } } }), aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized' } } })]);
    expect(parsed.counts.profilesWithoutEmail).toBe(1);
    expect(parsed.records).toHaveLength(1);
  });

  it('takes attributes plain, as { value }, or from Destination SDK "attributes", and leaves {} and null out', () => {
    const parsed = parse([
      aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized' } }, person: { firstName: 'Jane', lastName: { value: 'Doe' } }, companyName: {} }),
      aepProfile({ emails: ['b@example.com'], audiences: { 'aud-1': { status: 'realized' } }, person: { firstName: null }, extra: { attributes: { company: { value: 'Acme, Inc.' }, lastName: 'Roe' } } }),
    ]);
    expect(parsed.records[0]?.attributes).toEqual({ firstName: 'Jane', lastName: 'Doe' });
    expect(parsed.records[1]?.attributes).toEqual({ lastName: 'Roe', company: 'Acme, Inc.' });
  });

  it('accepts an array, { profiles: [...] } with aggregation keys beside it, and a single profile', () => {
    const profile = aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized' } }, extra: { unknownField: { nested: [1, 2] } } });
    expect(parse([profile]).records).toHaveLength(1);
    expect(parse({ segment: { id: 'aud-1', namespace: 'ups' }, profiles: [profile] }).records).toHaveLength(1);
    expect(parse(profile).records).toHaveLength(1);
    expect(parse([]).records).toHaveLength(0);
  });

  it('reads memberships from every segmentMembership namespace', () => {
    const parsed = parse({ identityMap: { Email: [{ id: 'a@example.com' }] }, segmentMembership: { CustomerAudienceUpload: { 'aud-2': { status: 'realized' } } } });
    expect(parsed.records.map((record) => record.audienceId)).toEqual(['aud-2']);
  });

  it.each([
    ['text that is not JSON', 'hello'],
    ['an empty body', ''],
    ['an object with no profile shape', '{"foo":1}'],
    ['an array of non-profiles', '[1,2,3]'],
    ['a JSON string', '"profiles"'],
  ])('calls %s unreadable', (_label, body) => {
    expect(parseActivation(body, options).readable).toBe(false);
  });

  it('treats __proto__ and constructor keys as data, without polluting any prototype', () => {
    const body =
      '[{"identityMap":{"__proto__":[{"id":"x@example.com"}],"Email":[{"id":"a@example.com"}]},' +
      '"segmentMembership":{"__proto__":{"aud-1":{"status":"realized"}},"ups":{"__proto__":{"status":"realized"},"constructor":{"status":"realized"},"aud-1":{"status":"realized"}}},' +
      '"person":{"name":{"__proto__":{"polluted":true},"firstName":{"__proto__":{"value":"x"},"value":"Jane"}}}}]';
    const parsed = parse(body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parsed.records.every((record) => record.audienceId === 'aud-1' && record.email === 'a@example.com')).toBe(true);
    expect(parsed.records[0]?.attributes).toEqual({ firstName: 'Jane' });
    expect(parsed.counts.ignoredAudiences).toBe(2);
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
