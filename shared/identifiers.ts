import { z } from 'zod';

/**
 * Marketo Munchkin ID, e.g. `123-ABC-456`: three digits, three letters, three
 * digits. Marketo shows the letters upper-case; we accept any case and keep
 * the canonical form so one instance has one key.
 */
export const munchkinIdSchema = z
  .string()
  .trim()
  .regex(/^\d{3}-[A-Za-z]{3}-\d{3}$/, 'a Munchkin ID looks like 123-ABC-456')
  .transform((value) => value.toUpperCase());

/**
 * Adobe IMS org ID: 24 hexadecimal characters and `@AdobeOrg`. Canonical form is
 * upper-case hex; the suffix is accepted in any case and written as `@AdobeOrg`.
 */
export const imsOrgIdSchema = z
  .string()
  .trim()
  .regex(/^[0-9A-Fa-f]{24}@AdobeOrg$/i, 'an IMS org ID looks like 0123456789ABCDEF01234567@AdobeOrg')
  .transform((value) => `${value.slice(0, 24).toUpperCase()}@AdobeOrg`);

/** Loopback hosts, where plain http is acceptable (local sandboxes). */
export function isLoopbackUrl(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/** The URL, or undefined for text `new URL` refuses (never a throw: bad input is a 400, not a 500). */
export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * A URL-shaped input field: text that parses as an absolute `scheme://host`
 * URL, carries no user name or password (a credential never travels inside a
 * URL we store), and passes `allow`; stored without trailing slashes. Each
 * failure is a validation issue on the field (400 naming it), never a throw.
 */
export function urlFieldSchema(allow: (url: URL) => boolean, refusal: string) {
  return z
    .string()
    .trim()
    .max(2048)
    .superRefine((value, context) => {
      const url = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) ? parseUrl(value) : undefined;
      if (!url || url.hostname === '') context.addIssue({ code: 'custom', message: 'must be a URL such as https://host.example.com' });
      else if (url.username !== '' || url.password !== '') context.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
      else if (!allow(url)) context.addIssue({ code: 'custom', message: refusal });
    })
    .transform((value) => value.replace(/\/+$/, ''));
}

/**
 * An https URL; plain http only on loopback and only in the local stage (the
 * sandboxes of `npm start` and the tests). A deployed stage never sends a
 * credential to its own loopback or over plain http.
 */
export const serviceUrlSchema = urlFieldSchema((url) => {
  const localStage = (process.env.STAGE ?? 'local') === 'local';
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url) && localStage);
}, 'must be an https URL');

/** An https URL, on loopback too. */
export const httpsUrlSchema = (refusal = 'must be an https URL') => urlFieldSchema((url) => url.protocol === 'https:', refusal);

/**
 * An email as we compare and key it: Adobe and Marketo may spell one person
 * `Jane@Example.com ` and `jane@example.com`.
 */
export function canonicalEmail(email: string): string {
  return email.trim().toLowerCase();
}
