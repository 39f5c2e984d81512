import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  /** Kept server-side with the attempt; sent only to the token endpoint. */
  verifier: string;
  /** Sent on the authorize URL with code_challenge_method=S256. */
  challenge: string;
}

/** A random base64url string of `bytes` random bytes; at least 16 (128 bits), as state and nonce need. */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError(`randomToken needs at least 16 bytes (128 bits), got ${bytes}`);
  return randomBytes(bytes).toString('base64url');
}

export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * RFC 7636: a verifier of 43+ unreserved characters (32 random bytes give 43
 * base64url characters) and its S256 challenge. IMS defaults to `plain` when
 * no method is named (UserAuthentication/IMS.md), so we always send S256.
 */
export function createPkcePair(): PkcePair {
  const verifier = randomToken(32);
  return { verifier, challenge: s256Challenge(verifier) };
}
