import { RE2JS, RE2JSException } from 're2js';
import { BadRequestError } from '#shared/errors.ts';

/** Long enough for any real prefix; bounds compile work on input an admin types. */
export const MAX_MASK_LENGTH = 500;

/** A compiled association mask: the captured operator-group name of a profile, or undefined. */
export interface AssociationMask {
  readonly source: string;
  readonly caseInsensitive: boolean;
  capture(profileName: string): string | undefined;
}

/**
 * Compiles an association mask with RE2 semantics (re2js): matching is linear
 * in the profile name whatever the mask, because the mask is user input and a
 * backtracking engine would let `(a+)+$` stall the sync. The mask must match
 * the whole profile name and have exactly one capturing group, the operator
 * group's internal name (Adobe: `<prefix> + <internal name>` = full name).
 */
export function compileMask(source: string, options: { caseInsensitive: boolean }): AssociationMask {
  if (source.length === 0 || source.length > MAX_MASK_LENGTH) {
    throw invalidMask(`The association mask must be 1 to ${MAX_MASK_LENGTH} characters long.`);
  }
  const flags = options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0;
  let anchored: RE2JS;
  try {
    // Compiled alone first: a mask that compiles on its own is balanced, so `a)|(b` cannot break out of the anchors.
    RE2JS.compile(source, flags);
    anchored = RE2JS.compile(`^(?:${source})$`, flags);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    throw invalidMask(
      `The association mask is not a valid RE2 regular expression (${error.message}). Backreferences and lookarounds are not supported; write it like "Campaign - tenant_id - (.*)".`,
      { cause: error },
    );
  }
  const groups = anchored.groupCount();
  if (groups !== 1) {
    throw invalidMask(
      `The association mask must have exactly one capturing group, the operator group's internal name; it has ${groups}. Use (?:...) for other groups, e.g. "Campaign - tenant_id - (.*)".`,
    );
  }
  return {
    source,
    caseInsensitive: options.caseInsensitive,
    capture(profileName) {
      const matcher = anchored.matcher(profileName);
      if (!matcher.matches()) return undefined;
      // An optional group that did not take part in the match captures nothing: treat it as no name.
      return matcher.group(1) ?? undefined;
    },
  };
}

function invalidMask(message: string, options: { cause?: unknown } = {}): BadRequestError {
  return new BadRequestError(message, { code: 'invalid_association_mask', ...options });
}
