import { createHash } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '#local/sandboxes/framework.ts';
import type { ImsSandboxContext } from './context';
import type { ImsClientRegistration, ServerToServerClient, WebAppClient } from './directory';
import { ACCESS_TOKEN_TTL_SECONDS, opaqueId, parseScopes, type IssuedCode } from './tokens';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** OAuth 2.0 token errors: `{error, error_description}` (RFC 6749 section 5.2). */
function oauthError(status: number, error: string, description: string): SandboxResponse {
  return { status, headers: NO_STORE, body: { error, error_description: description } };
}

/** "Parameters can be sent in the body or as query parameters" (UserAuthentication/IMS.md, Fetching Access tokens). */
function tokenParams(request: SandboxRequest): URLSearchParams {
  const params = new URLSearchParams(request.query);
  for (const [name, value] of request.form()) params.set(name, value);
  return params;
}

interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** client_secret_basic or client_secret_post, as the discovery document lists. */
function presentedCredentials(request: SandboxRequest, params: URLSearchParams): ClientCredentials | undefined {
  const header = request.headers.authorization ?? '';
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    // Adobe documents `Base64(clientId:clientSecret)` with no URL-encoding of either part.
    return separator < 0 ? undefined : { clientId: decoded.slice(0, separator), clientSecret: decoded.slice(separator + 1) };
  }
  const clientId = params.get('client_id');
  const clientSecret = params.get('client_secret');
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

function authenticate(context: ImsSandboxContext, credentials: ClientCredentials | undefined): ImsClientRegistration | undefined {
  if (!credentials) return undefined;
  const client = context.directory.client(credentials.clientId);
  return client && client.clientSecret === credentials.clientSecret ? client : undefined;
}

/** PKCE (RFC 7636 section 4.6), with the method recorded at authorize: plain when the client named none. */
function verifierMatches(code: IssuedCode, verifier: string | null): boolean {
  if (code.codeChallenge === undefined) return true;
  if (!verifier || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  const derived = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return derived === code.codeChallenge;
}

async function authorizationCodeGrant(context: ImsSandboxContext, client: WebAppClient, params: URLSearchParams): Promise<SandboxResponse> {
  // Adobe's parameter table names it `authorization_code`, its curl examples send `code`.
  const value = params.get('code') ?? params.get('authorization_code') ?? '';
  const code = context.tokens.redeemCode(value, client.clientId);
  if (!code) return oauthError(400, 'invalid_grant', 'The authorization code is invalid, expired or already used.');
  if (!verifierMatches(code, params.get('code_verifier'))) return oauthError(400, 'invalid_grant', 'The code_verifier does not match the code_challenge.');
  const redirectUri = params.get('redirect_uri');
  if (redirectUri !== null && redirectUri !== code.redirectUri) return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request.');
  const user = context.directory.userBySub(code.sub);
  if (!user) return oauthError(400, 'invalid_grant', 'The user of this code no longer exists.');
  const accessToken = await context.tokens.issueAccessToken({ clientId: client.clientId, sub: user.sub, scopes: code.scopes });
  code.accessTokens.push(accessToken);
  const idToken = code.scopes.includes('openid')
    ? await context.tokens.issueIdToken({ clientId: client.clientId, nonce: code.nonce, scopes: code.scopes, user })
    : undefined;
  return {
    status: 200,
    headers: NO_STORE,
    body: {
      access_token: accessToken,
      // "The refresh token is only present if the offline_access scope is requested" (UserAuthentication/IMS.md).
      ...(code.scopes.includes('offline_access') ? { refresh_token: opaqueId() } : {}),
      sub: user.sub,
      ...(idToken ? { id_token: idToken } : {}),
      token_type: 'bearer',
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
    },
  };
}

async function clientCredentialsGrant(context: ImsSandboxContext, client: ServerToServerClient, params: URLSearchParams): Promise<SandboxResponse> {
  const requested = parseScopes(params.get('scope'));
  const granted = requested.filter((scope) => client.scopes.includes(scope));
  if (granted.length === 0) return oauthError(400, 'invalid_scope', 'None of the requested scopes is available to this credential.');
  const accessToken = await context.tokens.issueAccessToken({ clientId: client.clientId, scopes: granted });
  return { status: 200, headers: NO_STORE, body: { access_token: accessToken, token_type: 'bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS } };
}

async function token(context: ImsSandboxContext, request: SandboxRequest): Promise<SandboxResponse> {
  const params = tokenParams(request);
  const client = authenticate(context, presentedCredentials(request, params));
  if (!client) return oauthError(401, 'invalid_client', 'Client authentication failed.');
  const grantType = params.get('grant_type');
  if (grantType === 'authorization_code') {
    return client.kind === 'web' ? authorizationCodeGrant(context, client, params) : oauthError(400, 'unauthorized_client', 'This credential may not use authorization_code.');
  }
  if (grantType === 'client_credentials') {
    return client.kind === 'server-to-server' ? clientCredentialsGrant(context, client, params) : oauthError(400, 'unauthorized_client', 'This credential may not use client_credentials.');
  }
  return oauthError(400, 'unsupported_grant_type', 'The sandbox supports authorization_code and client_credentials.');
}

export function installTokenRoute(context: ImsSandboxContext): void {
  context.server.route('POST', '/ims/token/v3', (request) => token(context, request));
}
