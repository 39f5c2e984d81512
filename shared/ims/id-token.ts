import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import { IdTokenInvalidError, ImsUnavailableError, type IdTokenFailure } from './errors';
import type { FetchLike } from './http';
import { idTokenClaimsSchema } from './schemas';

export interface IdTokenClaims {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

export interface IdTokenVerifierOptions {
  jwksUrl: string;
  issuer: string;
  clientId: string;
  fetch: FetchLike;
  timeoutMs: number;
  now: () => number;
}

/** Seconds of clock skew allowed between IMS and us. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** Which check a jose error stands for; undefined when the cause is reaching the JWKS, not the token. */
function failureOf(error: unknown): IdTokenFailure | undefined {
  if (error instanceof errors.JWTExpired) return 'exp';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss' || error.claim === 'aud') return error.claim;
    return 'claims';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JOSEAlgNotAllowed) {
    return 'signature';
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  return undefined;
}

/**
 * Verifies IMS ID tokens: RS256 only, signed by a key from the IMS JWKS,
 * `iss` as configured, `aud` = our client ID, not expired, and the nonce of
 * this sign-in (docs/vendors/ims.md). Keys are fetched once and refetched
 * when an unknown `kid` appears, as jose's remote key set does.
 */
export class IdTokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: IdTokenVerifierOptions) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), { [customFetch]: options.fetch, timeoutDuration: options.timeoutMs });
  }

  async verify(idToken: string, expected: { nonce: string }): Promise<IdTokenClaims> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(idToken, this.keys, {
        algorithms: ['RS256'],
        issuer: this.options.issuer,
        audience: this.options.clientId,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: new Date(this.options.now()),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      const failure = failureOf(error);
      if (failure) throw IdTokenInvalidError.because(failure, { cause: error });
      throw ImsUnavailableError.during('fetching the ID token signing keys', 'the JWKS could not be read', { cause: error });
    }
    const claims = idTokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw IdTokenInvalidError.because('claims', { cause: claims.error });
    if (claims.data.nonce === undefined || claims.data.nonce !== expected.nonce) throw IdTokenInvalidError.because('nonce');
    const { sub, email, email_verified: emailVerified, name } = claims.data;
    return { sub, email, emailVerified, name };
  }
}
