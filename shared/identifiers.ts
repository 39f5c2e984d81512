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

/**
 * An https URL; plain http only on loopback and only in the local stage (the
 * sandboxes of `npm start` and the tests). A deployed stage never sends a
 * credential to its own loopback or over plain http.
 */
export const serviceUrlSchema = z
  .url()
  .refine((value) => {
    const url = new URL(value);
    const localStage = (process.env.STAGE ?? 'local') === 'local';
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url) && localStage);
  }, 'must be an https URL')
  .transform((value) => value.replace(/\/+$/, ''));

/**
 * An email as we compare and key it: Adobe and Marketo may spell one person
 * `Jane@Example.com ` and `jane@example.com`.
 */
export function canonicalEmail(email: string): string {
  return email.trim().toLowerCase();
}
