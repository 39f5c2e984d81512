import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseActivation, type ParserOptions } from '#functions/push-clone/core/activation-parser.ts';
import { activationRecordSchema, DEFAULT_FIELD_MAPPINGS } from '#functions/push-clone/core/model.ts';

const MAPPED = ['aud-1', 'aud-2'];
const options: ParserOptions = { mappedAudienceIds: new Set(MAPPED), fieldMappings: DEFAULT_FIELD_MAPPINGS, receivedAt: Date.parse('2026-02-01T12:00:00Z') };

/** Profiles that are nearly right: the shapes AEP sends, with any value in any place. */
const audienceId = fc.oneof(fc.constantFrom(...MAPPED, 'aud-3', '__proto__', 'constructor'), fc.string());
const anyValue = fc.oneof(fc.jsonValue(), fc.constant({}), fc.constant(null));
const membership = fc.record(
  { status: fc.oneof(fc.constantFrom('realized', 'existing', 'exited', 'EXITED', 'unknown'), anyValue), lastQualificationTime: fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString().replace('Z', '+0000')), anyValue) },
  { requiredKeys: [] },
);
const profile = fc.record(
  {
    segmentMembership: fc.oneof(fc.dictionary(fc.constantFrom('ups', 'other', '__proto__'), fc.dictionary(audienceId, fc.oneof(membership, anyValue))), anyValue),
    identityMap: fc.oneof(
      fc.dictionary(fc.constantFrom('Email', 'email', 'EMAIL', 'ECID', '__proto__'), fc.array(fc.oneof(fc.record({ id: fc.oneof(fc.emailAddress(), fc.string(), anyValue) }), anyValue), { maxLength: 4 })),
      anyValue,
    ),
    person: fc.oneof(fc.record({ name: fc.record({ firstName: anyValue, lastName: fc.oneof(fc.record({ value: anyValue }), anyValue) }) }), anyValue),
    attributes: anyValue,
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.array(profile, { maxLength: 5 }).map((profiles) => JSON.stringify(profiles)),
  profile.map((one) => JSON.stringify({ profiles: [one] })),
  profile.map((one) => JSON.stringify(one)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
);

describe('activation parser under random input', () => {
  it('never throws, and only returns well-formed records of mapped audiences', () => {
    fc.assert(
      fc.property(body, (text) => {
        const parsed = parseActivation(text, options);
        if (!parsed.readable) return;
        for (const record of parsed.records) {
          expect(MAPPED).toContain(record.audienceId);
          expect(activationRecordSchema.safeParse(record).success).toBe(true);
          expect(Number.isFinite(record.qualifiedAt)).toBe(true);
          expect(record.email).toBe(record.email.trim().toLowerCase());
        }
        expect(Object.values(parsed.counts).every((count) => Number.isInteger(count) && count >= 0)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });

  it('costs bounded work on a deeply nested body', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseActivation(deep, options)).not.toThrow();
    const deepPerson = `${'{"name":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const deepProfile = `{"identityMap":{"Email":[{"id":"a@example.com"}]},"segmentMembership":{"ups":{"aud-1":{"status":"realized"}}},"person":${deepPerson}}`;
    const parsed = parseActivation(deepProfile, options);
    expect(parsed.readable && parsed.records).toHaveLength(1);
  });
});
