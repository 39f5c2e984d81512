import type { SandboxRequest, SandboxResponse } from '#local/sandboxes/framework.ts';
import type { ImsSandboxContext } from './context';
import type { WebAppClient } from './directory';
import { errorPage, LOGIN_FORM_PATH, loginPage } from './login-page';
import { parseScopes, type CodeChallengeMethod } from './tokens';

/** Adobe: "It must not be longer than 4096 characters" (UserAuthentication/IMS.md, `state`). */
const MAX_STATE_LENGTH = 4096;

function redirect(to: string, params: Record<string, string | undefined>): SandboxResponse {
  const url = new URL(to);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return { status: 302, headers: { location: url.toString(), 'cache-control': 'no-store' } };
}

/**
 * A missing or non-matching redirect_uri is not an error at IMS: it sends the
 * person to the credential's Default Redirect URI instead
 * (UserAuthentication/IMS.md `redirect_uri`; UserAuthentication/implementation.md).
 */
export function effectiveRedirectUri(client: WebAppClient, requested: string | null): string {
  if (requested && new RegExp(`^(?:${client.redirectUriPattern})$`).test(requested)) return requested;
  return client.defaultRedirectUri;
}

function parseChallengeMethod(value: string | null): CodeChallengeMethod | undefined {
  // "code_challenge_method: No, defaults to plain" (UserAuthentication/IMS.md).
  if (value === null || value === '') return 'plain';
  return value === 'S256' || value === 'plain' ? value : undefined;
}

function showAuthorize(context: ImsSandboxContext, request: SandboxRequest): SandboxResponse {
  const query = request.query;
  const client = context.directory.client(query.get('client_id') ?? '');
  // Without a known web credential IMS has nowhere trusted to send the person back.
  if (!client || client.kind !== 'web') return errorPage(400, 'The application you came from is not registered (unknown client_id).');
  const redirectUri = effectiveRedirectUri(client, query.get('redirect_uri'));
  const rawState = query.get('state') ?? undefined;
  if (rawState !== undefined && rawState.length > MAX_STATE_LENGTH) {
    return redirect(redirectUri, { error: 'invalid_request', error_description: `state must not be longer than ${MAX_STATE_LENGTH} characters` });
  }
  const fail = (error: string, description: string) => redirect(redirectUri, { error, error_description: description, state: rawState });
  const fault = context.authorizeFault.current;
  if (fault) return fail(fault.error, fault.description ?? 'The request was denied.');
  const responseType = query.get('response_type') ?? 'code';
  if (responseType !== 'code') return fail('unsupported_response_type', 'The sandbox supports response_type=code only.');
  const codeChallenge = query.get('code_challenge') ?? undefined;
  const codeChallengeMethod = parseChallengeMethod(query.get('code_challenge_method'));
  if (!codeChallengeMethod) return fail('invalid_request', 'code_challenge_method must be S256 or plain.');
  if (query.get('code_challenge_method') && !codeChallenge) return fail('invalid_request', 'code_challenge_method without code_challenge.');
  const scopes = parseScopes(query.get('scope'));
  // "openid: Mandatory scope to enable authorization flows" (UserAuthentication/IMS.md, Identity scopes).
  if (!scopes.includes('openid')) return fail('invalid_scope', 'The openid scope is required.');
  // The sandbox keeps no sign-in session, so prompt=none always finds nobody signed in.
  if ((query.get('prompt') ?? '').split(' ').includes('none')) return fail('login_required', 'No user is logged in.');
  const pending = context.tokens.holdAuthorization({
    clientId: client.clientId,
    redirectUri,
    scopes,
    state: rawState,
    nonce: query.get('nonce') ?? undefined,
    codeChallenge,
    codeChallengeMethod,
  });
  return loginPage({ requestId: pending.id, clientId: client.clientId });
}

function submitLogin(context: ImsSandboxContext, request: SandboxRequest): SandboxResponse {
  const form = request.form();
  const pending = context.tokens.pendingAuthorization(form.get('request') ?? '');
  if (!pending) return errorPage(400, 'This sign-in has expired or was already used. Start again from the application.');
  const email = (form.get('email') ?? '').trim();
  const user = context.directory.userByEmail(email);
  if (!user || user.password !== (form.get('password') ?? '')) {
    return loginPage({ requestId: pending.id, clientId: pending.clientId, email, error: 'Incorrect email address or password.' });
  }
  const fault = context.authorizeFault.current;
  if (fault) return redirect(pending.redirectUri, { error: fault.error, error_description: fault.description ?? 'The request was denied.', state: pending.state });
  const code = context.tokens.issueCode(pending, user.sub);
  return redirect(pending.redirectUri, { code: code.code, state: pending.state });
}

export function installAuthorizeRoutes(context: ImsSandboxContext): void {
  context.server.route('GET', '/ims/authorize/v2', (request) => showAuthorize(context, request));
  context.server.route('POST', LOGIN_FORM_PATH, (request) => submitLogin(context, request));
}
