import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '#shared/config/index.ts';
import { systemClock } from '#shared/clock.ts';
import { BadRequestError } from '#shared/errors.ts';
import { httpRoute, json, requirePermission, signAdminToken } from '#shared/http/index.ts';
import { createLogger } from '#shared/logging/logger.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import { FileSecretStore } from '#shared/secrets/index.ts';
import { apiEvent, captureOutput, lambdaContext } from '#test/support/http-events.ts';
import { freshStore } from '#test/support/dynamo.ts';

const ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789';
const SECRET_VALUE = 'sk-live-very-secret-value-42';

describe('the HTTP stack every handler uses', () => {
  let ports: Ports;
  let adminToken: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgbridge-http-'));
    const config = parseConfig({ MAX_BODY_BYTES: '2048', SECRETS_BACKEND: 'file', LOCAL_SECRETS_FILE: join(dir, 'secrets.json') });
    const secrets = new FileSecretStore(config.LOCAL_SECRETS_FILE);
    await secrets.put(config.ADMIN_JWT_SECRET_NAME, ADMIN_KEY);
    await secrets.put('vendor/secret', SECRET_VALUE);
    ports = { config, secrets, store: await freshStore('http-stack'), clock: systemClock };
    adminToken = await signAdminToken(
      ADMIN_KEY,
      { sub: 'u1', email: 'admin@example.com', instances: ['123-ABC-456'], permissions: ['org-mapping'] },
      { issuer: config.ADMIN_JWT_ISSUER, audience: config.ADMIN_JWT_AUDIENCE },
    );
  });

  const logger = createLogger('http-test');
  const bodySchema = z.object({ name: z.string().min(1), count: z.number().int().positive() });
  const echo = () =>
    httpRoute({ logger, auth: 'admin', body: bodySchema, ports: () => ports }, async (request) => {
      requirePermission(request.admin, 'org-mapping');
      return json(200, { name: request.body.name, by: request.admin.email });
    });
  const call = (handler: ReturnType<typeof echo>, headers: Record<string, string>, body?: string) =>
    handler(apiEvent({ method: 'POST', path: '/echo', headers, body }), lambdaContext());
  const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? '{}') as { error?: { code: string; message: string; details?: unknown } };

  it('answers a valid admin request', async () => {
    const response = await call(echo(), { authorization: `Bearer ${adminToken}` }, JSON.stringify({ name: 'a', count: 1 }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ name: 'a', by: 'admin@example.com' });
    expect(response.headers['x-request-id']).toBeTruthy();
  });

  it('refuses a request without a token with 401 in the error envelope', async () => {
    const response = await call(echo(), {}, JSON.stringify({ name: 'a', count: 1 }));
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error?.code).toBe('unauthorized');
  });

  it.each([
    ['a token signed with another key', async () => signAdminToken('another-key-entirely-0123456789abcdef', { sub: 'x', email: 'x@example.com', instances: [], permissions: [] }, { issuer: 'orgbridge', audience: 'orgbridge-admin' })],
    ['an expired token', async () => signAdminToken(ADMIN_KEY, { sub: 'x', email: 'x@example.com', instances: [], permissions: [] }, { issuer: 'orgbridge', audience: 'orgbridge-admin', expiresIn: '-1h' })],
    ['a token for another audience', async () => signAdminToken(ADMIN_KEY, { sub: 'x', email: 'x@example.com', instances: [], permissions: [] }, { issuer: 'orgbridge', audience: 'someone-else' })],
    ['garbage', async () => 'not.a.jwt'],
    // jose checks exp only when present, so the verifier must demand it.
    ['a token that never expires (no exp)', async () =>
      new SignJWT({ email: 'x@example.com', instances: ['*'], permissions: ['org-mapping'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setIssuer('orgbridge')
        .setAudience('orgbridge-admin')
        .sign(new TextEncoder().encode(ADMIN_KEY))],
    ['an unsigned token (alg none)', async () => {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const claims = { sub: 'x', email: 'x@example.com', instances: ['*'], permissions: ['org-mapping'], iss: 'orgbridge', aud: 'orgbridge-admin', exp: Math.floor(Date.now() / 1000) + 600 };
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    }],
  ])('refuses %s with 401 invalid_token', async (_label, makeToken) => {
    const response = await call(echo(), { authorization: `Bearer ${await makeToken()}` }, JSON.stringify({ name: 'a', count: 1 }));
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error?.code).toBe('invalid_token');
  });

  it('refuses a valid token that lacks the permission with 403', async () => {
    const token = await signAdminToken(ADMIN_KEY, { sub: 'u2', email: 'b@example.com', instances: ['*'], permissions: [] }, { issuer: 'orgbridge', audience: 'orgbridge-admin' });
    const response = await call(echo(), { authorization: `Bearer ${token}` }, JSON.stringify({ name: 'a', count: 1 }));
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response).error?.code).toBe('missing_permission');
  });

  it('answers 503, not 401, when the signing key cannot be read: an outage is not a bad token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgbridge-http-nokey-'));
    const withoutKey: Ports = { ...ports, secrets: new FileSecretStore(join(dir, 'secrets.json')) };
    const handler = httpRoute({ logger, auth: 'admin', ports: () => withoutKey }, async () => json(200, {}));
    const response = await handler(apiEvent({ path: '/x', headers: { authorization: `Bearer ${adminToken}` } }), lambdaContext());
    expect(response.statusCode).toBe(503);
    expect(bodyOf(response).error?.code).toBe('admin_auth_unavailable');
  });

  it('refuses to trust a signing key shorter than 32 bytes, even for a token it signed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgbridge-http-shortkey-'));
    const shortKeySecrets = new FileSecretStore(join(dir, 'secrets.json'));
    await shortKeySecrets.put(ports.config.ADMIN_JWT_SECRET_NAME, 'short-key-123');
    const token = await signAdminToken('short-key-123', { sub: 'x', email: 'x@example.com', instances: ['*'], permissions: ['org-mapping'] }, { issuer: 'orgbridge', audience: 'orgbridge-admin' });
    const handler = httpRoute({ logger, auth: 'admin', ports: () => ({ ...ports, secrets: shortKeySecrets }) }, async () => json(200, {}));
    const response = await handler(apiEvent({ path: '/x', headers: { authorization: `Bearer ${token}` } }), lambdaContext());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('short-key-123');
  });

  it('answers bad JSON with 400 invalid_json', async () => {
    const response = await call(echo(), { authorization: `Bearer ${adminToken}` }, '{"name": "a",');
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error?.code).toBe('invalid_json');
  });

  it('answers a schema mismatch with 400 naming each field path', async () => {
    const response = await call(echo(), { authorization: `Bearer ${adminToken}` }, JSON.stringify({ name: '', count: -1 }));
    expect(response.statusCode).toBe(400);
    const error = bodyOf(response).error!;
    expect(error.code).toBe('validation_failed');
    expect((error.details as Array<{ path: string }>).map((d) => d.path).sort()).toEqual(['count', 'name']);
  });

  it('answers an oversized body with 413 before parsing it', async () => {
    const response = await call(echo(), { authorization: `Bearer ${adminToken}` }, JSON.stringify({ name: 'x'.repeat(5000), count: 1 }));
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).error?.code).toBe('payload_too_large');
  });

  it('answers an unexpected failure with a generic 500: no stack, no secret, in the response or the log', async () => {
    process.env.LOG_LEVEL = 'DEBUG';
    const noisyLogger = createLogger('http-test-noisy');
    const failing = httpRoute({ logger: noisyLogger, auth: 'public', ports: () => ports }, async () => {
      const secret = await ports.secrets.get('vendor/secret');
      throw new Error(`vendor refused client_secret=${secret} for jane.doe@example.com`);
    });
    const { result, output } = await captureOutput(() => failing(apiEvent({ path: '/fail' }), lambdaContext()));
    process.env.LOG_LEVEL = 'SILENT';
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result).error?.code).toBe('internal_error');
    for (const text of [result.body ?? '', output]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain('jane.doe@example.com');
      expect(text).not.toMatch(/\n\s+at /);
      expect(text).not.toContain('.ts:');
    }
    expect(output).toContain('unhandled error');
  });

  it('shows the message of an error meant for the caller', async () => {
    const refusing = httpRoute({ logger, auth: 'public', ports: () => ports }, async () => {
      throw new BadRequestError('The thing is bad: fix it.', { code: 'bad_thing', details: { field: 'thing' } });
    });
    const response = await refusing(apiEvent({ path: '/x' }), lambdaContext());
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({ error: { code: 'bad_thing', message: 'The thing is bad: fix it.', details: { field: 'thing' } } });
  });
});
