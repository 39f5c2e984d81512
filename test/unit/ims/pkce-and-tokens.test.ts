import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import { createPkcePair, randomToken, s256Challenge, sameOrg } from '#shared/ims/index.ts';
import { ServerTokenCache } from '#shared/ims/token-cache.ts';

describe('PKCE and random tokens', () => {
  it('makes a 43-character base64url verifier whose S256 challenge is SHA-256 of it', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 200; index += 1) {
      const { verifier, challenge } = createPkcePair();
      expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));
      seen.add(verifier);
    }
    expect(seen.size).toBe(200);
  });

  it('derives an unpadded base64url challenge for any verifier', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9\-._~]{43,128}$/), (verifier) => {
        expect(s256Challenge(verifier)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }),
    );
  });

  it('refuses random tokens of less than 128 bits', () => {
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(() => randomToken(15)).toThrow(RangeError);
  });

  it('compares org IDs regardless of case and of the @AdobeOrg suffix', () => {
    expect(sameOrg('A1B2C3D4E5F6A7B8C9D0E1F2@AdobeOrg', 'a1b2c3d4e5f6a7b8c9d0e1f2@adobeorg')).toBe(true);
    expect(sameOrg('A1B2C3D4E5F6A7B8C9D0E1F2', 'A1B2C3D4E5F6A7B8C9D0E1F2@AdobeOrg')).toBe(true);
    expect(sameOrg('A1B2C3D4E5F6A7B8C9D0E1F2@AdobeOrg', '0123456789ABCDEF01234567@AdobeOrg')).toBe(false);
  });
});

describe('ServerTokenCache', () => {
  it('shares one mint between concurrent callers and reuses the token until a tenth of its life is left', async () => {
    const clock = new ManualClock();
    const cache = new ServerTokenCache(() => clock.now());
    let mints = 0;
    const mint = async () => ({ accessToken: `token-${++mints}`, expiresInSeconds: 3_000 });
    expect(await Promise.all([cache.get('s', mint), cache.get('s', mint), cache.get('s', mint)])).toEqual(['token-1', 'token-1', 'token-1']);
    clock.advance(2_699_000);
    expect(await cache.get('s', mint)).toBe('token-1');
    clock.advance(1_000);
    expect(await cache.get('s', mint)).toBe('token-2');
    expect(await cache.get('other', mint)).toBe('token-3');
  });

  it('mints again after a failed mint or after forget', async () => {
    const cache = new ServerTokenCache(() => 0);
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new Error('IMS down');
    };
    await expect(cache.get('s', failing)).rejects.toThrow('IMS down');
    expect(await cache.get('s', async () => ({ accessToken: 'ok', expiresInSeconds: 100 }))).toBe('ok');
    cache.forget('s');
    expect(await cache.get('s', async () => ({ accessToken: 'new', expiresInSeconds: 100 }))).toBe('new');
    expect(calls).toBe(1);
  });
});
