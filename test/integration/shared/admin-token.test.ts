import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTtl } from '#local/admin-token.ts';
import { parseConfig } from '#shared/config/index.ts';
import { authenticateAdmin, signAdminToken } from '#shared/http/index.ts';
import { AwsSecretStore } from '#shared/secrets/aws-secret-store.ts';
import { FileSecretStore } from '#shared/secrets/index.ts';
import { startMoto, type Moto } from '#test/support/moto.ts';
import { secretsManagerOn } from '#test/support/secrets-manager.ts';

const run = promisify(execFile);
const KEY = 'deployed-admin-signing-key-0123456789abcdef';

describe('npm run admin-token, against Secrets Manager (moto_server)', () => {
  let moto: Moto;
  let secrets: AwsSecretStore;
  const config = parseConfig({});

  beforeAll(async () => {
    moto = await startMoto();
    const { client } = secretsManagerOn(moto);
    await client.send(new CreateSecretCommand({ Name: 'orgbridge/prod/admin-jwt-key', SecretString: KEY }));
    secrets = new AwsSecretStore(client, 'orgbridge/prod/', { cacheTtlMs: 60_000 });
  });
  afterAll(async () => {
    await moto?.stop();
  });

  const cli = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'local/admin-token.ts', ...args], {
      env: { ...process.env, AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint, AWS_ACCESS_KEY_ID: 'moto', AWS_SECRET_ACCESS_KEY: 'moto', AWS_REGION: 'us-east-1', STAGE: '' },
      timeout: 60_000,
    });

  it('mints a token with the stage\'s key that the functions accept, with the claims asked for', async () => {
    const { stdout, stderr } = await cli(['--stage', 'prod', '--email', 'ops.admin@example.com', '--instances', '123-ABC-456,222-BBB-222', '--permissions', 'org-mapping,push-clone-admin', '--ttl', '1h']);
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(stderr).not.toContain(KEY);
    const principal = await authenticateAdmin(`Bearer ${token}`, config, secrets);
    expect(principal).toEqual({ subject: 'ops.admin@example.com', email: 'ops.admin@example.com', instances: ['123-ABC-456', '222-BBB-222'], permissions: ['org-mapping', 'push-clone-admin'] });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(3600);
  }, 90_000);

  it('refuses a lifetime beyond the maximum, and an unknown permission, before reading any key', async () => {
    await expect(cli(['--stage', 'prod', '--email', 'a@example.com', '--instances', '*', '--permissions', 'org-mapping', '--ttl', '30d'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--ttl 30d is longer than the 12 h the deployment accepts'),
    });
    await expect(cli(['--stage', 'prod', '--email', 'a@example.com', '--instances', '*', '--permissions', 'root'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--permissions: unknown root'),
    });
  }, 90_000);
});

describe('the maximum admin token lifetime, enforced on verification', () => {
  const config = parseConfig({ ADMIN_TOKEN_MAX_LIFETIME_SECONDS: String(12 * 3600) });
  const store = new FileSecretStore(join(mkdtempSync(join(tmpdir(), 'orgbridge-admin-token-')), 'secrets.json'));
  beforeAll(() => store.put(config.ADMIN_JWT_SECRET_NAME, KEY));
  const token = (expiresIn: string) => signAdminToken(KEY, { sub: 'x', email: 'x@example.com', instances: ['*'], permissions: ['org-mapping'] }, { issuer: config.ADMIN_JWT_ISSUER, audience: config.ADMIN_JWT_AUDIENCE, expiresIn });

  it('accepts a token within the maximum', async () => {
    await expect(authenticateAdmin(`Bearer ${await token('12h')}`, config, store)).resolves.toMatchObject({ email: 'x@example.com' });
  });

  it.each(['13h', '30d', '100y'])('refuses a token that lives %s, with a clear message', async (life) => {
    await expect(authenticateAdmin(`Bearer ${await token(life)}`, config, store)).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      message: 'The admin token lives longer than the 12 h this deployment accepts: get one with a shorter lifetime.',
    });
  });

  it('reads lifetimes as the CLI takes them', () => {
    expect([parseTtl('90s'), parseTtl('30m'), parseTtl('1h'), parseTtl('2d')]).toEqual([90, 1800, 3600, 172_800]);
    expect(() => parseTtl('1 week')).toThrow(/--ttl 1 week: give a number and a unit/);
  });
});
