import type { z } from 'zod';
import { BadRequestError } from '#shared/errors.ts';

/** Field-level problems, as a caller can act on them: where and what. */
export function describeIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}

/** Parses with a schema; a mismatch is a 400 naming every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new BadRequestError(`The ${what} is not valid.`, { code: 'validation_failed', details: describeIssues(result.error) });
  }
  return result.data;
}
