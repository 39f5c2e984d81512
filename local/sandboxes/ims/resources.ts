import { createHash } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '#local/sandboxes/framework.ts';
import type { ImsSandboxContext } from './context';
import type { ImsUser } from './directory';
import type { AccessTokenInfo } from './tokens';

type Authorized = { token: string; info: AccessTokenInfo; user: ImsUser };

function bearerError(status: number, error: string, description: string): SandboxResponse {
  return {
    status,
    headers: { 'www-authenticate': `Bearer error="${error}", error_description="${description}"`, 'cache-control': 'no-store' },
    body: { error, error_description: description },
  };
}

/** A user's bearer token, or the 401/403 IMS would answer instead. */
function authorizeUser(context: ImsSandboxContext, request: SandboxRequest, requiredScope?: string): Authorized | SandboxResponse {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const info = token ? context.tokens.introspect(token) : undefined;
  const user = info?.sub ? context.directory.userBySub(info.sub) : undefined;
  if (!token || !info || !user) return bearerError(401, 'invalid_token', 'The access token is invalid or expired.');
  if (requiredScope && !info.scopes.includes(requiredScope)) return bearerError(403, 'insufficient_scope', `The ${requiredScope} scope is required.`);
  return { token, info, user };
}

function isResponse(value: Authorized | SandboxResponse): value is SandboxResponse {
  return 'status' in value;
}

/** Discovery as Adobe publishes it: the issuer is the host itself, without /ims (UserAuthentication/IMS.md). */
function discovery(context: ImsSandboxContext): SandboxResponse {
  const base = `${context.server.baseUrl}/ims`;
  return {
    status: 200,
    body: {
      issuer: context.issuer(),
      authorization_endpoint: `${base}/authorize/v2`,
      token_endpoint: `${base}/token/v3`,
      userinfo_endpoint: `${base}/userinfo/v2`,
      revocation_endpoint: `${base}/revoke`,
      jwks_uri: `${base}/keys`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      claims_supported: ['sub', 'given_name', 'family_name', 'name', 'email', 'email_verified'],
      grant_types_supported: ['authorization_code', 'client_credentials'],
    },
  };
}

/** Claims are projected by scope: sub by openid, email by email, names by profile (UserAuthentication/IMS.md, UserInfo). */
function userInfo(context: ImsSandboxContext, request: SandboxRequest): SandboxResponse {
  const auth = authorizeUser(context, request);
  if (isResponse(auth)) return auth;
  const { user, info } = auth;
  const has = (scope: string) => info.scopes.includes(scope);
  return {
    status: 200,
    body: {
      sub: user.sub,
      ...(has('profile') ? { account_type: user.accountType, name: user.name, given_name: user.givenName, family_name: user.familyName } : {}),
      ...(has('email') ? { email_verified: user.emailVerified, email: user.email } : {}),
    },
  };
}

function numericIdent(name: string): number {
  return Number.parseInt(createHash('sha256').update(name).digest('hex').slice(0, 8), 16);
}

/** `[{orgName, orgRef:{ident, authSrc}, orgType, groups}]`; the org ID is `ident@authSrc` (docs/vendors/ims.md). */
function organizations(context: ImsSandboxContext, request: SandboxRequest): SandboxResponse {
  const auth = authorizeUser(context, request, 'read_organizations');
  if (isResponse(auth)) return auth;
  const body = auth.user.memberships.flatMap((membership) => {
    const org = context.directory.org(membership.orgId);
    if (!org) return [];
    const [ident = org.id, authSrc = 'AdobeOrg'] = org.id.split('@');
    return [{
      orgName: org.name,
      orgRef: { ident, authSrc },
      orgType: org.type,
      groups: membership.groups.map((groupName) => ({ groupName, role: 'USER', ident: numericIdent(groupName), groupType: 'LICENSE', groupDisplayName: groupName })),
    }];
  });
  return { status: 200, body };
}

/**
 * The undocumented profile route. Roles appear only with the
 * `additional_info.roles` scope; an org admin carries
 * `{named_role: "org_admin", organization: "<org ID>"}`, the shape Adobe's
 * own front-end code checks (`roles.some(r => r.named_role === 'org_admin')`).
 */
function profile(context: ImsSandboxContext, request: SandboxRequest): SandboxResponse {
  const auth = authorizeUser(context, request);
  if (isResponse(auth)) return auth;
  const { user, info } = auth;
  const roles = user.memberships
    .filter((membership) => membership.admin)
    .map((membership) => ({
      principal: user.sub,
      organization: membership.orgId,
      named_role: 'org_admin',
      target: membership.orgId,
      target_type: 'TRG_ORG',
      target_data: {},
    }));
  return {
    status: 200,
    body: {
      account_type: user.accountType,
      userId: user.sub,
      authId: user.sub,
      displayName: user.name,
      first_name: user.givenName,
      last_name: user.familyName,
      email: user.email,
      emailVerified: String(user.emailVerified),
      countryCode: user.country,
      ...(info.scopes.includes('additional_info.roles') ? { roles } : {}),
    },
  };
}

/** "A successful response returns HTTP Status 200 (OK) and no response body" (UserAuthentication/IMS.md, Token revocation). */
function revoke(context: ImsSandboxContext, request: SandboxRequest): SandboxResponse {
  const token = request.form().get('token') ?? request.query.get('token');
  if (token) context.tokens.revoke(token);
  return { status: 200 };
}

export function installResourceRoutes(context: ImsSandboxContext): void {
  const { server } = context;
  server.route('GET', '/ims/.well-known/openid-configuration', () => discovery(context));
  server.route('GET', '/ims/keys', async () => ({ status: 200, body: { keys: [await context.tokens.publicJwk()] } }));
  server.route('GET', '/ims/userinfo/v2', (request) => userInfo(context, request));
  server.route('GET', '/ims/organizations/v6', (request) => organizations(context, request));
  server.route('GET', '/ims/profile/v1', (request) => profile(context, request));
  server.route('POST', '/ims/revoke', (request) => revoke(context, request));
}
