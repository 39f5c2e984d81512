import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** IMS access tokens live 24 h; `expires_in` is 86399 in Adobe's samples (UserAuthentication/IMS.md). */
export const ACCESS_TOKEN_TTL_SECONDS = 86_399;
const SIGNING_KEY_ID = 'ims_sandbox-key-1';

export type CodeChallengeMethod = 'S256' | 'plain';

/** An authorize request waiting for the person to sign in on the login page. */
export interface PendingAuthorization {
  id: string;
  clientId: string;
  /** Where the answer goes: the requested redirect URI when it matched, else the default. */
  redirectUri: string;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod: CodeChallengeMethod;
  expiresAt: number;
}

export interface IssuedCode {
  code: string;
  clientId: string;
  sub: string;
  redirectUri: string;
  scopes: string[];
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod: CodeChallengeMethod;
  issuedAt: number;
  expiresAt: number;
  usedAt?: number;
  /** Tokens minted from this code, revoked if the code is ever replayed (RFC 6749 section 4.1.2). */
  accessTokens: string[];
}

export interface AccessTokenInfo {
  clientId: string;
  sub?: string;
  scopes: string[];
  /** Epoch ms. */
  expiresAt: number;
}

interface AccessTokenRecord extends AccessTokenInfo {
  revoked: boolean;
}

export function opaqueId(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** IMS accepts scopes separated by commas or spaces (UserAuthentication/IMS.md, "scope"). */
export function parseScopes(scope: string | null | undefined): string[] {
  return (scope ?? '').split(/[\s,]+/).filter((item) => item.length > 0);
}

/**
 * Keys, codes and tokens of the IMS sandbox. The RS256 key pair is made once
 * per sandbox, as the JWKS a real IMS publishes; access tokens are JWTs too
 * (IMS's are), but the sandbox also remembers them so UMAPI can validate.
 */
export class ImsTokenService {
  readonly keyId = SIGNING_KEY_ID;
  private readonly keys = generateKeyPair('RS256');
  private readonly pending = new Map<string, PendingAuthorization>();
  readonly codes = new Map<string, IssuedCode>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();

  constructor(
    private readonly now: () => number,
    private readonly codeTtlSeconds: number,
    private readonly issuer: () => string,
  ) {}

  async publicJwk(): Promise<JWK> {
    const { publicKey } = await this.keys;
    return { ...(await exportJWK(publicKey)), kid: this.keyId, alg: 'RS256', use: 'sig' };
  }

  /** Signs claims with the sandbox's key, or with `key` (tests forge tokens a real IMS never signed). */
  async sign(claims: JWTPayload, options: { key?: CryptoKey; keyId?: string } = {}): Promise<string> {
    const key = options.key ?? (await this.keys).privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: options.keyId ?? this.keyId, typ: 'JWT' }).sign(key);
  }

  holdAuthorization(request: Omit<PendingAuthorization, 'id' | 'expiresAt'>): PendingAuthorization {
    const pending = { ...request, id: opaqueId(18), expiresAt: this.now() + 30 * 60_000 };
    this.pending.set(pending.id, pending);
    return pending;
  }

  pendingAuthorization(id: string): PendingAuthorization | undefined {
    const pending = this.pending.get(id);
    return pending && pending.expiresAt > this.now() ? pending : undefined;
  }

  issueCode(request: PendingAuthorization, sub: string): IssuedCode {
    this.pending.delete(request.id);
    const issuedAt = this.now();
    const code: IssuedCode = {
      code: opaqueId(),
      clientId: request.clientId,
      sub,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      nonce: request.nonce,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      issuedAt,
      expiresAt: issuedAt + this.codeTtlSeconds * 1000,
      accessTokens: [],
    };
    this.codes.set(code.code, code);
    return code;
  }

  /** Marks the code used; a replayed code also revokes what it minted. Returns the code only when it was fresh. */
  redeemCode(value: string, clientId: string): IssuedCode | undefined {
    const code = this.codes.get(value);
    if (!code || code.clientId !== clientId) return undefined;
    if (code.usedAt !== undefined) {
      for (const token of code.accessTokens) this.revoke(token);
      return undefined;
    }
    code.usedAt = this.now();
    return code.expiresAt > this.now() ? code : undefined;
  }

  async issueAccessToken(grant: { clientId: string; sub?: string; scopes: string[] }): Promise<string> {
    const createdAt = this.now();
    const token = await this.sign({
      type: 'access_token',
      client_id: grant.clientId,
      ...(grant.sub ? { user_id: grant.sub } : {}),
      scope: grant.scopes.join(','),
      created_at: String(createdAt),
      expires_in: String(ACCESS_TOKEN_TTL_SECONDS * 1000),
      jti: opaqueId(12),
    });
    this.accessTokens.set(token, { ...grant, expiresAt: createdAt + ACCESS_TOKEN_TTL_SECONDS * 1000, revoked: false });
    return token;
  }

  /** What a resource server (the UMAPI sandbox) learns about a bearer token; undefined when not valid now. */
  introspect(token: string): AccessTokenInfo | undefined {
    const record = this.accessTokens.get(token);
    if (!record || record.revoked || record.expiresAt <= this.now()) return undefined;
    return { clientId: record.clientId, sub: record.sub, scopes: [...record.scopes], expiresAt: record.expiresAt };
  }

  revoke(token: string): void {
    const record = this.accessTokens.get(token);
    if (record) record.revoked = true;
  }

  /** The OpenID Connect ID token for a user sign-in: iss, aud = client ID, sub, iat, exp, nonce, and email claims by scope. */
  async issueIdToken(input: { clientId: string; nonce?: string; scopes: string[]; user: { sub: string; email: string; emailVerified: boolean; name: string } }): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    const emailClaims = input.scopes.includes('email') ? { email: input.user.email, email_verified: input.user.emailVerified } : {};
    const profileClaims = input.scopes.includes('profile') ? { name: input.user.name } : {};
    return this.sign({
      iss: this.issuer(),
      aud: input.clientId,
      sub: input.user.sub,
      iat,
      exp: iat + ACCESS_TOKEN_TTL_SECONDS,
      type: 'id_token',
      ...(input.nonce ? { nonce: input.nonce } : {}),
      ...emailClaims,
      ...profileClaims,
    });
  }
}
