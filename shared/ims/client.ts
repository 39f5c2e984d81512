import { bearer, callIms, type FetchLike, type ImsHttpOptions } from './http';
import { IdTokenVerifier, type IdTokenClaims } from './id-token';
import { organizationsSchema, profileSchema, tokenResponseSchema, userInfoSchema } from './schemas';
import { ServerTokenCache } from './token-cache';

/**
 * Scopes of the org-mapping sign-in: identity, email and names, the user's
 * orgs, and the profile roles (the undocumented org-admin route needs
 * `additional_info.roles`).
 */
export const ORG_MAPPING_SCOPES = ['openid', 'AdobeID', 'email', 'profile', 'read_organizations', 'additional_info.roles'];
/** Scopes of the server-to-server token for the User Management API (docs/vendors/umapi.md). */
export const USER_MANAGEMENT_SCOPES = ['openid', 'AdobeID', 'user_management_sdk'];

export interface ImsClientOptions {
  /** e.g. https://ims-na1.adobelogin.com */
  baseUrl: string;
  clientId: string;
  /** Read from the secret store when needed, never held in config. */
  clientSecret: () => Promise<string>;
  /** Expected ID token `iss`; Adobe's discovery names the host itself (default: baseUrl). */
  issuer?: string;
  fetch?: FetchLike;
  timeoutMs: number;
  now?: () => number;
}

export interface ImsTokenSet {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  expiresInSeconds: number;
}

export interface ImsUserInfo {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
}

export interface ImsOrganization {
  /** `ident@authSrc`, e.g. `A1B2...@AdobeOrg`. */
  orgId: string;
  orgName: string;
  orgType?: string;
  groups: string[];
}

export interface ImsProfileRole {
  namedRole: string;
  organization?: string;
  target?: string;
  targetType?: string;
}

function requireOption(condition: boolean, message: string): void {
  if (!condition) throw new TypeError(`ImsClient: ${message}`);
}

export class ImsClient {
  private readonly http: ImsHttpOptions;
  private readonly idTokens: IdTokenVerifier;
  private readonly serverTokens: ServerTokenCache;

  constructor(private readonly options: ImsClientOptions) {
    requireOption(URL.canParse(options.baseUrl), 'baseUrl must be an absolute URL');
    requireOption(options.clientId.trim().length > 0, 'clientId must not be empty');
    requireOption(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0, 'timeoutMs must be a positive number');
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const now = options.now ?? Date.now;
    this.http = { baseUrl, fetch: fetchImpl, timeoutMs: options.timeoutMs };
    this.idTokens = new IdTokenVerifier({
      jwksUrl: `${baseUrl}/ims/keys`,
      issuer: options.issuer ?? baseUrl,
      clientId: options.clientId,
      fetch: fetchImpl,
      timeoutMs: options.timeoutMs,
      now,
    });
    this.serverTokens = new ServerTokenCache(now);
  }

  /** The authorize URL for a sign-in; PKCE is always S256, because IMS's default is plain. */
  authorizeUrl(input: { redirectUri: string; scope: string[] | string; state: string; nonce: string; codeChallenge: string }): string {
    const url = new URL(`${this.http.baseUrl}/ims/authorize/v2`);
    url.search = new URLSearchParams({
      client_id: this.options.clientId,
      redirect_uri: input.redirectUri,
      scope: Array.isArray(input.scope) ? input.scope.join(',') : input.scope,
      response_type: 'code',
      state: input.state,
      nonce: input.nonce,
      code_challenge: input.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  /** Exchanges an authorization code (single use, short-lived) with the PKCE verifier; client auth by Basic header. */
  async exchangeCode(input: { code: string; codeVerifier: string; redirectUri: string }): Promise<ImsTokenSet> {
    const secret = await this.options.clientSecret();
    const basic = Buffer.from(`${this.options.clientId}:${secret}`).toString('base64');
    const body = await callIms(this.http, {
      operation: 'the authorization code exchange',
      method: 'POST',
      path: '/ims/token/v3',
      headers: { authorization: `Basic ${basic}` },
      form: new URLSearchParams({ grant_type: 'authorization_code', code: input.code, code_verifier: input.codeVerifier, redirect_uri: input.redirectUri }),
      schema: tokenResponseSchema,
    });
    return { accessToken: body.access_token, idToken: body.id_token, refreshToken: body.refresh_token, expiresInSeconds: body.expires_in };
  }

  verifyIdToken(idToken: string, expected: { nonce: string }): Promise<IdTokenClaims> {
    return this.idTokens.verify(idToken, expected);
  }

  async userInfo(accessToken: string): Promise<ImsUserInfo> {
    const body = await callIms(this.http, { operation: 'reading the user profile', method: 'GET', path: '/ims/userinfo/v2', headers: bearer(accessToken), schema: userInfoSchema });
    return { sub: body.sub, email: body.email, emailVerified: body.email_verified, name: body.name, givenName: body.given_name, familyName: body.family_name };
  }

  /** The user's orgs (needs the read_organizations scope); the org ID is `ident@authSrc`. */
  async organizations(accessToken: string): Promise<ImsOrganization[]> {
    const body = await callIms(this.http, { operation: 'listing the user organizations', method: 'GET', path: '/ims/organizations/v6', headers: bearer(accessToken), schema: organizationsSchema });
    return body.map((org) => ({
      orgId: `${org.orgRef.ident}@${org.orgRef.authSrc}`,
      orgName: org.orgName,
      orgType: org.orgType,
      groups: (org.groups ?? []).map((group) => group.groupName),
    }));
  }

  /** Roles from the undocumented profile route; empty unless the token has the additional_info.roles scope. */
  async profileRoles(accessToken: string): Promise<ImsProfileRole[]> {
    const body = await callIms(this.http, { operation: 'reading the user roles', method: 'GET', path: '/ims/profile/v1', headers: bearer(accessToken), schema: profileSchema });
    return (body.roles ?? []).map((role) => ({ namedRole: role.named_role, organization: role.organization, target: role.target, targetType: role.target_type }));
  }

  /** A server-to-server token for `scope`, reused until near expiry (Adobe throttles token minting). */
  clientCredentialsToken(scope: string[] | string = USER_MANAGEMENT_SCOPES): Promise<string> {
    const scopes = scopeKey(scope);
    return this.serverTokens.get(scopes, async () => {
      const body = await callIms(this.http, {
        operation: 'the server-to-server token request',
        method: 'POST',
        path: '/ims/token/v3',
        form: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.options.clientId, client_secret: await this.options.clientSecret(), scope: scopes }),
        schema: tokenResponseSchema,
      });
      return { accessToken: body.access_token, expiresInSeconds: body.expires_in };
    });
  }

  /** Drops a cached server-to-server token that an API refused, so the next call mints a fresh one. */
  forgetClientCredentialsToken(scope: string[] | string = USER_MANAGEMENT_SCOPES): void {
    this.serverTokens.forget(scopeKey(scope));
  }
}

/** One cache entry per scope set, whatever the order or separators the caller used. */
function scopeKey(scope: string[] | string): string {
  const scopes = Array.isArray(scope) ? scope : scope.split(/[\s,]+/);
  return [...new Set(scopes.filter((item) => item.length > 0))].sort().join(',');
}
