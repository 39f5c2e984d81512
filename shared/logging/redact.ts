import { createHash } from 'node:crypto';

/** Keys whose values are credentials, whatever their shape. */
const SECRET_KEY = /secret|password|passwd|token|authorization|cookie|api[-_]?key|code_verifier|verifier|credential|private/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** A JWT or a bearer credential inside free text. */
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

/** A stable, non-reversible stand-in for an email, so log lines about one person can still be joined. */
export function maskEmail(email: string): string {
  const digest = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 12);
  return `email#${digest}`;
}

export function redactText(text: string): string {
  return text.replace(JWT, '[REDACTED_JWT]').replace(BEARER, '$1 [REDACTED]').replace(EMAIL, (email) => maskEmail(email));
}

/**
 * JSON.stringify replacer used by the logger: credentials by key, emails and
 * tokens inside any string, and stack traces (a log line carries the error's
 * name and message only).
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key === 'stack') return undefined;
  if (key !== '' && SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'object') {
    return '[REDACTED]';
  }
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
