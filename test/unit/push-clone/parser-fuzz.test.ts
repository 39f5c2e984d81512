import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseActivation, type ParserOptions } from '#functions/push-clone/core/intake/activation-parser.ts';
import { DEFAULT_EMAIL_SOURCES, DEFAULT_FIELD_MAPPINGS, profileRecordSchema } from '#functions/push-clone/core/model.ts';
import { ORDERING_KEY_WINDOW } from '#functions/push-clone/core/intake/timestamps.ts';

const MAPPED = ['aud-1', 'aud-2'];
const RECEIVED_AT = Date.parse('2026-02-01T12:00:00Z');
const options: ParserOptions = { audiences: MAPPED.map((audienceId) => ({ audienceId })), emailSources: DEFAULT_EMAIL_SOURCES, fieldMappings: DEFAULT_FIELD_MAPPINGS, receivedAt: RECEIVED_AT };

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
  it('never throws; one profile record per profile at most, only mapped audiences, only ordering keys that are facts', () => {
    fc.assert(
      fc.property(body, (text) => {
        const parsed = parseActivation(text, options);
        if (!parsed.readable) return;
        expect(parsed.profiles.length).toBe(parsed.counts.acceptedProfiles);
        expect(parsed.counts.acceptedProfiles).toBeLessThanOrEqual(parsed.counts.profiles);
        for (const profile of parsed.profiles) {
          expect(profileRecordSchema.safeParse(profile).success).toBe(true);
          expect(new Set(profile.emails).size).toBe(profile.emails.length);
          for (const email of profile.emails) expect(email).toBe(email.trim().toLowerCase());
          for (const membership of profile.memberships) {
            expect(MAPPED).toContain(membership.audienceId);
            expect(Number.isSafeInteger(membership.qualifiedAt)).toBe(true);
            expect(membership.qualifiedAt).toBeGreaterThanOrEqual(ORDERING_KEY_WINDOW.earliestMs);
            expect(membership.qualifiedAt).toBeLessThanOrEqual(RECEIVED_AT + ORDERING_KEY_WINDOW.futureSkewMs);
          }
        }
        const counted = [parsed.counts.profiles, parsed.counts.accepted, ...Object.values(parsed.counts.refused)];
        expect(counted.every((count) => Number.isInteger(count) && count >= 0)).toBe(true);
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
    expect(parsed.readable && parsed.counts.refused).toEqual({ bad_timestamp: 1 });
  });
});
