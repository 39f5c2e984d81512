import { afterAll, beforeAll } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { createImsSandbox, type ImsSandbox, type ImsSandboxOptions } from '#local/sandboxes/ims/index.ts';
import { ManualClock } from '#shared/clock.ts';
import { ImsClient } from '#shared/ims/index.ts';

export const REDIRECT_URI = 'https://orgbridge.test/oauth/ims/callback';
export const FALLBACK_REDIRECT_URI = 'https://orgbridge.test/oauth/ims/default';

export interface SignInResult {
  status: number;
  /** The redirect IMS answered with, when it did. */
  location: URL | undefined;
  html: string;
}

function redirectOf(response: Response): URL | undefined {
  const location = response.headers.get('location');
  return location === null ? undefined : new URL(location);
}

/** What a person does in a browser: open the authorize URL, fill in the form, press Sign in (no scripts). */
export async function signIn(authorizeUrl: string, credentials: { email: string; password: string }): Promise<SignInResult> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const pageHtml = await page.text();
  if (page.status !== 200) return { status: page.status, location: redirectOf(page), html: pageHtml };
  const form = /<form method="post" action="([^"]+)">/.exec(pageHtml);
  const requestId = /name="request" value="([^"]+)"/.exec(pageHtml);
  if (!form?.[1] || !requestId?.[1]) throw new Error('the IMS sandbox login page has no sign-in form');
  const answer = await fetch(new URL(form[1], authorizeUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request: requestId[1], email: credentials.email, password: credentials.password }),
    redirect: 'manual',
  });
  return { status: answer.status, location: redirectOf(answer), html: await answer.text() };
}

export interface ImsWorld {
  clock: ManualClock;
  ims: ImsSandbox;
  /** Our web credential's client. */
  web: ImsClient;
  /** Our server-to-server credential's client. */
  s2s: ImsClient;
  /** A fresh client (its own token cache) for a credential. */
  clientFor(credential: { clientId: string; clientSecret: string }, timeoutMs?: number): ImsClient;
}

/** An IMS sandbox on loopback with a test clock, and clients for both demo credentials. */
export async function startIms(options: ImsSandboxOptions = {}): Promise<ImsWorld> {
  const clock = new ManualClock();
  const ims = createImsSandbox({ redirectUri: REDIRECT_URI, defaultRedirectUri: FALLBACK_REDIRECT_URI, now: () => clock.now(), ...options });
  const baseUrl = await ims.server.start();
  const clientFor = (credential: { clientId: string; clientSecret: string }, timeoutMs = 2_000) =>
    new ImsClient({ baseUrl, clientId: credential.clientId, clientSecret: async () => credential.clientSecret, timeoutMs, now: () => clock.now() });
  return { clock, ims, web: clientFor(demo.orgbridgeImsClient), s2s: clientFor(demo.serverToServerClient), clientFor };
}

/**
 * The IMS world of a test file, started before its tests and stopped after
 * them: call it at the top of a `describe`; its fields are ready in the tests.
 */
export function useIms(options: ImsSandboxOptions = {}): ImsWorld {
  let world: ImsWorld | undefined;
  beforeAll(async () => {
    world = await startIms(options);
  });
  afterAll(async () => {
    await world?.ims.server.stop();
  });
  const started = (): ImsWorld => {
    if (!world) throw new Error('the IMS world is used before its beforeAll ran');
    return world;
  };
  return {
    get clock() {
      return started().clock;
    },
    get ims() {
      return started().ims;
    },
    get web() {
      return started().web;
    },
    get s2s() {
      return started().s2s;
    },
    clientFor: (credential, timeoutMs) => started().clientFor(credential, timeoutMs),
  };
}
