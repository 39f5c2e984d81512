import { describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { stableSub } from '#local/sandboxes/ims/index.ts';
import { createPkcePair, ImsClient, ImsRejectedError, ORG_MAPPING_SCOPES, randomToken } from '#shared/ims/index.ts';
import { FALLBACK_REDIRECT_URI, REDIRECT_URI, signIn, useIms } from './sign-in';

const admin = demo.imsUsers.orgAdmin;

describe('IMS authorization code flow against the sandbox', () => {
  const world = useIms();

  function startSignIn(overrides: { redirectUri?: string } = {}) {
    const pkce = createPkcePair();
    const state = randomToken();
    const nonce = randomToken();
    const url = world.web.authorizeUrl({ redirectUri: overrides.redirectUri ?? REDIRECT_URI, scope: ORG_MAPPING_SCOPES, state, nonce, codeChallenge: pkce.challenge });
    return { pkce, state, nonce, url };
  }

  it('signs in through the HTML form, exchanges the code with PKCE S256 and verifies the ID token', async () => {
    const attempt = startSignIn();
    const page = await fetch(attempt.url);
    const html = await page.text();
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('<form method="post"');
    expect(html).toContain('type="password"');
    expect(html).toContain('Sign in</button>');

    const result = await signIn(attempt.url, admin);
    expect(result.status).toBe(302);
    expect(`${result.location?.origin}${result.location?.pathname}`).toBe(REDIRECT_URI);
    expect(result.location?.searchParams.get('state')).toBe(attempt.state);
    const code = result.location?.searchParams.get('code') ?? '';

    const tokens = await world.web.exchangeCode({ code, codeVerifier: attempt.pkce.verifier, redirectUri: REDIRECT_URI });
    expect(tokens.expiresInSeconds).toBe(86_399);
    expect(tokens.refreshToken).toBeUndefined();
    const claims = await world.web.verifyIdToken(tokens.idToken ?? '', { nonce: attempt.nonce });
    expect(claims).toEqual({ sub: stableSub(admin.email), email: admin.email, emailVerified: true, name: admin.name });
    expect(world.ims.introspect(tokens.accessToken)).toMatchObject({ clientId: demo.orgbridgeImsClient.clientId, sub: claims.sub });
  });

  it('echoes a state of 4096 characters and refuses a longer one with an error redirect', async () => {
    const longest = 'a'.repeat(4096);
    const ok = await signIn(world.web.authorizeUrl({ redirectUri: REDIRECT_URI, scope: 'openid', state: longest, nonce: 'n', codeChallenge: createPkcePair().challenge }), admin);
    expect(ok.location?.searchParams.get('state')).toBe(longest);
    const tooLong = await signIn(world.web.authorizeUrl({ redirectUri: REDIRECT_URI, scope: 'openid', state: `${longest}a`, nonce: 'n', codeChallenge: 'c'.repeat(43) }), admin);
    expect(tooLong.status).toBe(302);
    expect(tooLong.location?.searchParams.get('error')).toBe('invalid_request');
  });

  it('treats a challenge sent without a method as plain, as IMS does by default', async () => {
    const verifier = randomToken(32);
    const url = new URL(`${world.ims.server.baseUrl}/ims/authorize/v2`);
    url.search = new URLSearchParams({ client_id: demo.orgbridgeImsClient.clientId, redirect_uri: REDIRECT_URI, scope: 'openid email', response_type: 'code', code_challenge: verifier }).toString();
    const result = await signIn(url.toString(), admin);
    const code = result.location?.searchParams.get('code') ?? '';
    expect(world.ims.issuedCodes().find((issued) => issued.code === code)?.codeChallengeMethod).toBe('plain');
    const tokens = await world.web.exchangeCode({ code, codeVerifier: verifier, redirectUri: REDIRECT_URI });
    expect(tokens.accessToken.length).toBeGreaterThan(0);
  });

  it('refuses a wrong PKCE verifier with invalid_grant', async () => {
    const attempt = startSignIn();
    const code = (await signIn(attempt.url, admin)).location?.searchParams.get('code') ?? '';
    const refused = world.web.exchangeCode({ code, codeVerifier: createPkcePair().verifier, redirectUri: REDIRECT_URI });
    await expect(refused).rejects.toMatchObject({ name: 'ImsRejectedError', httpStatus: 400, imsError: 'invalid_grant' });
  });

  it('refuses a code used twice and revokes the token the first use minted', async () => {
    const attempt = startSignIn();
    const code = (await signIn(attempt.url, admin)).location?.searchParams.get('code') ?? '';
    const first = await world.web.exchangeCode({ code, codeVerifier: attempt.pkce.verifier, redirectUri: REDIRECT_URI });
    const second = world.web.exchangeCode({ code, codeVerifier: attempt.pkce.verifier, redirectUri: REDIRECT_URI });
    await expect(second).rejects.toMatchObject({ imsError: 'invalid_grant' });
    expect(world.ims.introspect(first.accessToken)).toBeUndefined();
    expect(world.ims.issuedCodes().find((issued) => issued.code === code)?.usedAt).toBeDefined();
  });

  it('refuses a code that has expired', async () => {
    const attempt = startSignIn();
    const code = (await signIn(attempt.url, admin)).location?.searchParams.get('code') ?? '';
    world.clock.advance(301_000);
    await expect(world.web.exchangeCode({ code, codeVerifier: attempt.pkce.verifier, redirectUri: REDIRECT_URI })).rejects.toMatchObject({ imsError: 'invalid_grant' });
  });

  it('answers 401 invalid_client to a wrong client secret without putting the secret in the error', async () => {
    const attempt = startSignIn();
    const code = (await signIn(attempt.url, admin)).location?.searchParams.get('code') ?? '';
    const impostor = new ImsClient({ baseUrl: world.ims.server.baseUrl, clientId: demo.orgbridgeImsClient.clientId, clientSecret: async () => 'not-the-secret', timeoutMs: 2_000, now: () => world.clock.now() });
    const error = await impostor.exchangeCode({ code, codeVerifier: attempt.pkce.verifier, redirectUri: REDIRECT_URI }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImsRejectedError);
    expect(error).toMatchObject({ httpStatus: 401, imsError: 'invalid_client' });
    expect(String((error as Error).message)).not.toContain('not-the-secret');
    expect(String((error as Error).message)).not.toContain(code);
  });

  it('sends the person to the default redirect URI when redirect_uri is missing or not registered', async () => {
    const foreign = await signIn(startSignIn({ redirectUri: 'https://evil.example/steal' }).url, admin);
    expect(`${foreign.location?.origin}${foreign.location?.pathname}`).toBe(FALLBACK_REDIRECT_URI);
    const url = new URL(startSignIn().url);
    url.searchParams.delete('redirect_uri');
    const missing = await signIn(url.toString(), admin);
    expect(`${missing.location?.origin}${missing.location?.pathname}`).toBe(FALLBACK_REDIRECT_URI);
    expect(missing.location?.searchParams.get('code')).toBeTruthy();
  });

  it('shows the form again with an error after a wrong password, and issues no code', async () => {
    const before = world.ims.issuedCodes().length;
    const result = await signIn(startSignIn().url, { email: admin.email, password: 'wrong' });
    expect(result.status).toBe(200);
    expect(result.html).toContain('Incorrect email address or password.');
    expect(result.html).toContain('<form method="post"');
    expect(world.ims.issuedCodes()).toHaveLength(before);
  });

  it('redirects with error=access_denied and the state while the error fault is on', async () => {
    world.ims.failAuthorizeWith({ error: 'access_denied', description: 'The user cancelled.' });
    try {
      const attempt = startSignIn();
      const result = await signIn(attempt.url, admin);
      expect(result.location?.searchParams.get('error')).toBe('access_denied');
      expect(result.location?.searchParams.get('error_description')).toBe('The user cancelled.');
      expect(result.location?.searchParams.get('state')).toBe(attempt.state);
      expect(result.location?.searchParams.has('code')).toBe(false);
    } finally {
      world.ims.failAuthorizeWith(undefined);
    }
  });

  it('answers prompt=none with login_required, and an unknown client with an error page', async () => {
    const url = new URL(startSignIn().url);
    url.searchParams.set('prompt', 'none');
    expect((await signIn(url.toString(), admin)).location?.searchParams.get('error')).toBe('login_required');
    url.searchParams.delete('prompt');
    url.searchParams.set('client_id', 'nobody');
    const unknown = await signIn(url.toString(), admin);
    expect(unknown.status).toBe(400);
    expect(unknown.location).toBeUndefined();
  });

  it('returns a refresh token only when offline_access was asked for', async () => {
    const pkce = createPkcePair();
    const url = world.web.authorizeUrl({ redirectUri: REDIRECT_URI, scope: ['openid', 'offline_access'], state: randomToken(), nonce: randomToken(), codeChallenge: pkce.challenge });
    const code = (await signIn(url, admin)).location?.searchParams.get('code') ?? '';
    const tokens = await world.web.exchangeCode({ code, codeVerifier: pkce.verifier, redirectUri: REDIRECT_URI });
    expect(tokens.refreshToken).toBeTruthy();
  });
});
