import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileMask } from '#functions/campaign/core/mask.ts';
import { AppError, BadRequestError } from '#shared/errors.ts';

const MASK = 'Campaign - tenant_id - (.*)';

/** The error a compile throws, or undefined when it compiled. */
function refusal(source: string, caseInsensitive = false): unknown {
  try {
    compileMask(source, { caseInsensitive });
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('association mask', () => {
  it('captures the operator group internal name from the whole profile name', () => {
    const mask = compileMask(MASK, { caseInsensitive: false });
    expect(mask.capture('Campaign - tenant_id - internal_name')).toBe('internal_name');
    expect(mask.capture('Campaign - tenant_id - ')).toBe('');
    // Whole name only: a prefix or a suffix around the mask does not match.
    expect(mask.capture('Old Campaign - tenant_id - x')).toBeUndefined();
    expect(compileMask('Campaign - tenant_id - (\\w+)', { caseInsensitive: false }).capture('Campaign - tenant_id - x y')).toBeUndefined();
    expect(mask.capture('_admin_Campaign - tenant_id - x')).toBeUndefined();
  });

  it('is case-sensitive unless the account opts in', () => {
    expect(compileMask(MASK, { caseInsensitive: false }).capture('campaign - tenant_id - x')).toBeUndefined();
    expect(compileMask(MASK, { caseInsensitive: true }).capture('campaign - TENANT_ID - x')).toBe('x');
  });

  it.each([
    ['no capturing group', 'Campaign - .*'],
    ['two capturing groups', '(Campaign) - (.*)'],
    ['a backreference', '(a)\\1'],
    ['a lookahead', '(?=a)(a)'],
    ['a lookbehind', '(?<=a)(b)'],
    ['a syntax error', 'Campaign - [(.*)'],
    ['an attempt to break out of the anchors', 'a)|(b'],
    ['an empty mask', ''],
  ])('refuses %s with a 400', (_what, source) => {
    const error = refusal(source);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_association_mask' });
  });

  it('counts a named group and non-capturing groups right', () => {
    expect(compileMask('(?:Campaign|campaign) - (?P<name>.*)', { caseInsensitive: false }).capture('campaign - x')).toBe('x');
  });

  it('returns on a catastrophic-backtracking mask and a long profile name (linear-time engine)', () => {
    const name = `${'a'.repeat(100_000)}!`;
    expect(compileMask('(a+)+$', { caseInsensitive: false }).capture(name)).toBeUndefined();
    expect(compileMask('(a|a)*b', { caseInsensitive: true }).capture('a'.repeat(100_000))).toBeUndefined();
    expect(compileMask('(.*)(?:.*)*x', { caseInsensitive: false }).capture('y'.repeat(50_000))).toBeUndefined();
  });
});

describe('association mask properties', () => {
  it('never throws anything but a 400 for any mask, and a compiled mask never throws for any name', () => {
    const maskChars = fc.constantFrom('(', ')', '?', ':', '*', '+', '.', '|', '\\', '[', ']', '{', '}', '^', '$', 'a', 'b', '1', '-', ' ', '<', '=', '!', 'P', 'i');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.array(maskChars, { maxLength: 30 }).map((chars) => chars.join(''))), fc.string({ maxLength: 60 }), fc.boolean(), (source, name, caseInsensitive) => {
        let mask;
        try {
          mask = compileMask(source, { caseInsensitive });
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).status).toBe(400);
          return;
        }
        // Exactly one group: a compiled mask has one, counted by RE2 itself.
        expect(RE2JS.compile(source).groupCount()).toBe(1);
        const captured = mask.capture(name);
        expect(captured === undefined || typeof captured === 'string').toBe(true);
        if (captured !== undefined) expect(name).toContain(captured);
      }),
      { numRuns: 3_000 },
    );
  });

  it('captures exactly the suffix after any literal prefix', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (prefix, suffix) => {
        const mask = compileMask(`${RE2JS.quote(prefix)}(.*)`, { caseInsensitive: false });
        // (.*) stops at a newline (no DOTALL), as Campaign's own matching would.
        expect(mask.capture(prefix + suffix)).toBe(suffix.includes('\n') ? undefined : suffix);
      }),
      { numRuns: 1_000 },
    );
  });
});
