import { createHash } from 'node:crypto';

/** Keys whose values are credentials, whatever their shape. */
const SECRET_KEY = /secret|password|passwd|token|authorization|cookie|api[-_]?key|code_verifier|verifier|credential|private/i;
// The local part allows every character RFC 5322 allows unquoted. Every quantifier is bounded (RFC 5321
// lengths) or anchored, because these run over any logged string: `+` here made a 100 KB run of letters
// take 11 s (each start position rescanned to the end).
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}/g;
/** A JWT or a bearer credential inside free text. */
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

/** `client_secret=...`, `"password": "..."`, `token: ...` inside free text (a vendor error, a URL). */
const SECRET_ASSIGNMENT = /((?:secret|password|passwd|token|api[-_]?key|authorization|code_verifier)[A-Za-z_]{0,40}["']?\s{0,10}[:=]\s{0,10}["']?)[^\s"'&,;}]+/gi;

/**
 * Every secret value this process has read or written through the secret
 * store. A secret can reach a log line in ways no key name or pattern
 * foresees (a vendor echoing it in an error), so known values are scrubbed
 * wherever they appear.
 */
const knownSecretValues = new Set<string>();

export function registerSecretValue(value: string): void {
  // Short values would scrub ordinary words; secrets we handle are long.
  if (value.length >= 8) knownSecretValues.add(value);
}

/** A stable, non-reversible stand-in for an email, so log lines about one person can still be joined. */
export function maskEmail(email: string): string {
  const digest = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 12);
  return `email#${digest}`;
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecretValues) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  return out
    .replace(JWT, '[REDACTED_JWT]')
    .replace(BEARER, '$1 [REDACTED]')
    .replace(SECRET_ASSIGNMENT, '$1[REDACTED]')
    .replace(EMAIL, (email) => maskEmail(email));
}

/**
 * JSON.stringify replacer used by the logger: credentials by key, emails and
 * tokens inside any string, and stack traces (a log line carries the error's
 * name and message only).
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key === 'stack') return undefined;
  // Only text can be a credential; counts such as `tokenCalls: 2` stay readable.
  if (key !== '' && SECRET_KEY.test(key) && typeof value === 'string') {
    return '[REDACTED]';
  }
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
