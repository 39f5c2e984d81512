import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import type { Config } from '#shared/config/index.ts';
import { AppError, ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '#shared/errors.ts';
import type { SecretStore } from '#shared/secrets/index.ts';

/** What an admin token lets its bearer do. */
export const PERMISSIONS = ['org-mapping', 'marketo-admin', 'push-clone-admin', 'campaign-admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface AdminPrincipal {
  subject: string;
  /** The acting Marketo user's email. */
  email: string;
  /** Munchkin IDs this admin may act on; '*' for all. */
  instances: string[];
  permissions: Permission[];
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  email: z.email(),
  instances: z.array(z.string()).default([]),
  permissions: z.array(z.string()).default([]),
});

type AuthConfig = Pick<Config, 'ADMIN_JWKS_URL' | 'ADMIN_JWT_SECRET_NAME' | 'ADMIN_JWT_ISSUER' | 'ADMIN_JWT_AUDIENCE' | 'ADMIN_TOKEN_MAX_LIFETIME_SECONDS'>;

let remoteJwks: { url: string; keys: JWTVerifyGetKey } | undefined;

const TOKEN_CLOCK_TOLERANCE_SECONDS = 30;

/** RFC 7518 section 3.2: an HS256 key must be at least as long as the hash output. */
const MIN_HMAC_KEY_BYTES = 32;

/**
 * What jose throws when the token itself is bad (signature, claims, shape,
 * unknown key). Anything else means we could not check it (JWKS unreachable,
 * secret store down): that is our outage, not the caller's bad token.
 */
const TOKEN_FAULTS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

/** Verifies an `Authorization: Bearer <jwt>` header; 401 for anything short of a valid token. */
export async function authenticateAdmin(
  authorization: string | undefined,
  config: AuthConfig,
  secrets: SecretStore,
): Promise<AdminPrincipal> {
  const match = /^Bearer\s+([A-Za-z0-9._-]+)$/i.exec(authorization?.trim() ?? '');
  if (!match?.[1]) throw new UnauthorizedError('An admin bearer token is required (Authorization: Bearer <token>).');
  // jose checks exp only when the token has one: a token without it would never expire.
  const options: JWTVerifyOptions = { issuer: config.ADMIN_JWT_ISSUER, audience: config.ADMIN_JWT_AUDIENCE, clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS, requiredClaims: ['exp'] };
  let payload: unknown;
  try {
    if (config.ADMIN_JWKS_URL) {
      if (remoteJwks?.url !== config.ADMIN_JWKS_URL) {
        remoteJwks = { url: config.ADMIN_JWKS_URL, keys: createRemoteJWKSet(new URL(config.ADMIN_JWKS_URL)) };
      }
      ({ payload } = await jwtVerify(match[1], remoteJwks.keys, { ...options, algorithms: ['RS256', 'ES256'] }));
    } else {
      ({ payload } = await jwtVerify(match[1], await hmacKey(config, secrets), { ...options, algorithms: ['HS256'] }));
    }
  } catch (error) {
    if (TOKEN_FAULTS.some((fault) => error instanceof fault)) throw new UnauthorizedError('The admin token is invalid or expired.', { code: 'invalid_token' });
    if (error instanceof AppError) throw error;
    throw new ServiceUnavailableError('Admin tokens cannot be checked right now (the signing keys could not be read). Try again in a minute.', { code: 'admin_auth_unavailable', cause: error });
  }
  refuseLongLivedToken(payload as { exp?: unknown; iat?: unknown }, config.ADMIN_TOKEN_MAX_LIFETIME_SECONDS);
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw new UnauthorizedError('The admin token lacks a required claim (sub, email, instances, permissions).', { code: 'invalid_token' });
  return {
    subject: claims.data.sub,
    email: claims.data.email,
    instances: claims.data.instances,
    permissions: claims.data.permissions.filter((p): p is Permission => (PERMISSIONS as readonly string[]).includes(p)),
  };
}

/**
 * A stolen admin token is good until it expires: refuse one that lives longer
 * than the deployment allows, whatever its signer put in `exp` (a remaining
 * life beyond the maximum, or exp - iat beyond it when iat is given).
 */
function refuseLongLivedToken(payload: { exp?: unknown; iat?: unknown }, maxLifetimeSeconds: number): void {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const exp = typeof payload.exp === 'number' ? payload.exp : Number.POSITIVE_INFINITY;
  const lifetime = typeof payload.iat === 'number' ? exp - payload.iat : exp - nowSeconds;
  if (lifetime > maxLifetimeSeconds + TOKEN_CLOCK_TOLERANCE_SECONDS || exp - nowSeconds > maxLifetimeSeconds + TOKEN_CLOCK_TOLERANCE_SECONDS) {
    throw new UnauthorizedError(`The admin token lives longer than the ${formatSeconds(maxLifetimeSeconds)} this deployment accepts: get one with a shorter lifetime.`, { code: 'invalid_token' });
  }
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

async function hmacKey(config: AuthConfig, secrets: SecretStore): Promise<Uint8Array> {
  const key = new TextEncoder().encode(await secrets.get(config.ADMIN_JWT_SECRET_NAME));
  if (key.length < MIN_HMAC_KEY_BYTES) {
    // A short key can be brute-forced offline from any token: refuse to trust it rather than accept forgeries.
    throw new AppError(`The admin signing key ${config.ADMIN_JWT_SECRET_NAME} is shorter than ${MIN_HMAC_KEY_BYTES} bytes: replace it.`, { status: 500, code: 'admin_key_too_short' });
  }
  return key;
}

export function requirePermission(principal: AdminPrincipal, permission: Permission): void {
  if (!principal.permissions.includes(permission)) {
    throw new ForbiddenError(`This action needs the "${permission}" permission.`, { code: 'missing_permission' });
  }
}

export function requireInstanceAccess(principal: AdminPrincipal, munchkinId: string): void {
  if (!principal.instances.includes('*') && !principal.instances.includes(munchkinId)) {
    throw new ForbiddenError(`Your admin token does not cover instance ${munchkinId}.`, { code: 'instance_not_allowed' });
  }
}

/** Mints an HS256 admin token (the local development token, and tests). */
export async function signAdminToken(
  key: string,
  claims: { sub: string; email: string; instances: string[]; permissions: string[] },
  options: { issuer: string; audience: string; expiresIn?: string },
): Promise<string> {
  return new SignJWT({ email: claims.email, instances: claims.instances, permissions: claims.permissions })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(key));
}
