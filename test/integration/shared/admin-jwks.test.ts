import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxServer } from '#local/sandboxes/framework.ts';
import { parseConfig } from '#shared/config/index.ts';
import { authenticateAdmin } from '#shared/http/index.ts';
import { FileSecretStore } from '#shared/secrets/index.ts';

/** An identity provider's JWKS on loopback, as ADMIN_JWKS_URL would point at in production. */
describe('admin tokens verified with an IdP JWKS', () => {
  const idp = new SandboxServer('idp');
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let jwksUrl: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    idp.route('GET', '/.well-known/jwks.json', () => ({ status: 200, body: { keys: [jwk] } }));
    jwksUrl = `${await idp.start()}/.well-known/jwks.json`;
  });
  afterAll(() => idp.stop());

  const sign = (key: CryptoKey, claims: Record<string, unknown> = {}) =>
    new SignJWT({ email: 'ops.admin@example.com', instances: ['*'], permissions: ['org-mapping'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('idp-user-1')
      .setIssuer('https://idp.example.com')
      .setAudience('orgbridge-admin')
      .setExpirationTime('5m')
      .sign(key);

  const config = () => parseConfig({ ADMIN_JWKS_URL: jwksUrl, ADMIN_JWT_ISSUER: 'https://idp.example.com' });
  // The HS256 key is not consulted when a JWKS is configured: an empty secret store proves it.
  const secrets = new FileSecretStore('/nonexistent/secrets.json');

  it('accepts a token signed by a key the JWKS publishes', async () => {
    const principal = await authenticateAdmin(`Bearer ${await sign(privateKey)}`, config(), secrets);
    expect(principal).toEqual({ subject: 'idp-user-1', email: 'ops.admin@example.com', instances: ['*'], permissions: ['org-mapping'] });
  });

  it('refuses a token signed by another key, and one for another audience', async () => {
    await expect(authenticateAdmin(`Bearer ${await sign(otherKey)}`, config(), secrets)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
    const wrongAudience = await new SignJWT({ email: 'a@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('x')
      .setIssuer('https://idp.example.com')
      .setAudience('someone-else')
      .setExpirationTime('5m')
      .sign(privateKey);
    await expect(authenticateAdmin(`Bearer ${wrongAudience}`, config(), secrets)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses an HS256 token whose HMAC key is the published public key (algorithm confusion)', async () => {
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: Array<Record<string, string>> };
    const publicKeyText = JSON.stringify(jwks.keys[0]);
    const forged = await new SignJWT({ email: 'ops.admin@example.com', instances: ['*'], permissions: ['org-mapping'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('attacker')
      .setIssuer('https://idp.example.com')
      .setAudience('orgbridge-admin')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicKeyText));
    await expect(authenticateAdmin(`Bearer ${forged}`, config(), secrets)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('answers 503 when the IdP JWKS cannot be reached, so an outage is not reported as a bad token', async () => {
    const down = new SandboxServer('idp-down');
    const downUrl = `${await down.start()}/.well-known/jwks.json`;
    await down.stop();
    const token = await sign(privateKey);
    await expect(authenticateAdmin(`Bearer ${token}`, parseConfig({ ADMIN_JWKS_URL: downUrl, ADMIN_JWT_ISSUER: 'https://idp.example.com' }), secrets)).rejects.toMatchObject({
      status: 503,
      code: 'admin_auth_unavailable',
    });
  });

  it('drops permissions it does not know', async () => {
    const principal = await authenticateAdmin(`Bearer ${await sign(privateKey, { permissions: ['org-mapping', 'root'] })}`, config(), secrets);
    expect(principal.permissions).toEqual(['org-mapping']);
  });
});
