import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OUTCOMES } from '#functions/org-mapping/core/reasons.ts';

/** The status each AppError subclass answers with (shared/errors.ts). */
const STATUS_OF: Record<string, number> = {
  BadRequestError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  PayloadTooLargeError: 413,
  UpstreamError: 502,
  ServiceUnavailableError: 503,
};

/** Every `new XError(message, { code: '…' })` in the application code, with the status its class gives. */
function thrownCodes(): Array<{ code: string; status: number; file: string }> {
  const files = execFileSync('git', ['ls-files', 'functions/*.ts', 'shared/*.ts'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const found: Array<{ code: string; status: number; file: string }> = [];
  const construction = /new (\w+Error)\(((?:(?!new \w+Error\()[\s\S]){0,800}?)\{\s*code: '([a-z_]+)'/g;
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(construction)) {
      const [, errorClass, , code] = match;
      const status = errorClass ? STATUS_OF[errorClass] : undefined;
      if (code && status !== undefined) found.push({ code, status, file });
    }
  }
  return found;
}

describe('one HTTP status per error code, everywhere', () => {
  it('finds the codes it checks (so an empty scan cannot pass)', () => {
    const codes = new Set(thrownCodes().map(({ code }) => code));
    expect(codes).toContain('hipaa_ready_instance');
    expect(codes).toContain('validation_failed');
    expect(codes.size).toBeGreaterThan(20);
  });

  it('gives each code one status in every capability, org mapping outcomes included', () => {
    const statuses = new Map<string, Set<string>>();
    const note = (code: string, status: number, where: string) => statuses.set(code, new Set([...(statuses.get(code) ?? []), `${status} (${where})`]));
    for (const { code, status, file } of thrownCodes()) note(code, status, file);
    for (const [code, { status }] of Object.entries(OUTCOMES)) if (statuses.has(code)) note(code, status, 'org-mapping outcomes');
    const disagreeing = [...statuses].filter(([, seen]) => new Set([...seen].map((entry) => entry.split(' ')[0])).size > 1);
    expect(disagreeing).toEqual([]);
  });
});
