import type { JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { stableSub } from '#local/sandboxes/ims/index.ts';
import { IdTokenInvalidError, ImsClient, ImsUnavailableError, type IdTokenFailure } from '#shared/ims/index.ts';
import { useIms } from './sign-in';

const NONCE = 'nonce-of-this-sign-in';

describe('ID token verification against the sandbox JWKS', () => {
  const world = useIms();

  /** Claims a real IMS would sign for our client at the test clock's time. */
  function claims(overrides: JWTPayload = {}): JWTPayload {
    const iat = Math.floor(world.clock.now() / 1000);
    return {
      iss: world.ims.issuer(),
      aud: demo.orgbridgeImsClient.clientId,
      sub: stableSub(demo.imsUsers.orgAdmin.email),
      iat,
      exp: iat + 86_399,
      nonce: NONCE,
      email: demo.imsUsers.orgAdmin.email,
      email_verified: true,
      ...overrides,
    };
  }

  async function failureOf(token: string, nonce = NONCE): Promise<IdTokenFailure | 'accepted'> {
    try {
      await world.web.verifyIdToken(token, { nonce });
      return 'accepted';
    } catch (error) {
      if (error instanceof IdTokenInvalidError) return error.reason;
      throw error;
    }
  }

  it('accepts a token the sandbox signed with the claims IMS sets', async () => {
    expect(await failureOf(await world.ims.signJwt(claims()))).toBe('accepted');
  });

  it('names the failing check for each kind of bad token', async () => {
    const hourAgo = Math.floor(world.clock.now() / 1000) - 3_600;
    const cases: Array<[IdTokenFailure, Promise<string>, string?]> = [
      ['signature', world.ims.signJwt(claims(), { foreignKey: true })],
      ['iss', world.ims.signJwt(claims({ iss: 'https://ims-na1.adobelogin.com.evil.example' }))],
      ['aud', world.ims.signJwt(claims({ aud: 'someone-elses-client' }))],
      ['exp', world.ims.signJwt(claims({ iat: hourAgo - 60, exp: hourAgo }))],
      ['nonce', world.ims.signJwt(claims({ nonce: 'replayed-nonce' }))],
      ['nonce', world.ims.signJwt(claims({ nonce: undefined }))],
      ['claims', world.ims.signJwt(claims({ sub: undefined }))],
      ['malformed', Promise.resolve('not.a.jwt')],
    ];
    for (const [reason, token] of cases) expect(await failureOf(await token)).toBe(reason);
  });

  it('refuses an unsigned (alg none) token as a signature failure', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims())}.`;
    expect(await failureOf(unsigned)).toBe('signature');
  });

  it('keeps the token out of the error message', async () => {
    const token = await world.ims.signJwt(claims({ aud: 'other' }));
    const error = await world.web.verifyIdToken(token, { nonce: NONCE }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdTokenInvalidError);
    expect((error as Error).message).not.toContain(token.slice(0, 20));
  });

  it('reports an unreachable JWKS as IMS unavailable, not as a bad token', async () => {
    const client = new ImsClient({ baseUrl: 'http://127.0.0.1:9', clientId: demo.orgbridgeImsClient.clientId, clientSecret: async () => 'x', issuer: world.ims.issuer(), timeoutMs: 1_000, now: () => world.clock.now() });
    await expect(client.verifyIdToken(await world.ims.signJwt(claims()), { nonce: NONCE })).rejects.toBeInstanceOf(ImsUnavailableError);
  });
});
