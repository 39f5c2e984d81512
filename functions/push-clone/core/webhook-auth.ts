import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import type { Config } from '#shared/config/index.ts';
import { UnauthorizedError } from '#shared/errors.ts';
import type { SecretStore } from '#shared/secrets/index.ts';

/**
 * How AEP authenticates to the activation webhook: the bearer token from the
 * secret store, or (AEP's "OAuth 2 client credentials" option) a short-lived
 * access token that our token endpoint issued to AEP's client. Issued tokens
 * are HS256 JWTs under a key derived from the webhook token, so rotating that
 * one secret also revokes every issued token.
 */
export interface WebhookAuthPorts {
  secrets: SecretStore;
  clock: Clock;
  config: Pick<Config, 'WEBHOOK_TOKEN_SECRET_NAME' | 'WEBHOOK_OAUTH_CLIENT_SECRET_NAME'>;
}

const ISSUER = 'orgbridge';
const AUDIENCE = 'orgbridge-aep-activation-webhook';
export const ISSUED_TOKEN_TTL_SECONDS = 3600;

/** The client AEP is given: `{"clientId": "...", "clientSecret": "..."}` in the secret store. */
const oauthClientSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(16) });

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
/** Equal in constant time; hashing first makes both sides 32 bytes without leaking a length. */
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

async function signingKey(ports: WebhookAuthPorts): Promise<Uint8Array> {
  const webhookToken = await ports.secrets.get(ports.config.WEBHOOK_TOKEN_SECRET_NAME);
  return createHmac('sha256', webhookToken).update('orgbridge webhook access tokens').digest();
}

/** `Authorization: Bearer <token>`: the static token, or an access token we issued that has not expired. */
export async function authenticateWebhook(ports: WebhookAuthPorts, authorization: string | undefined): Promise<void> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  if (!match?.[1]) throw new UnauthorizedError('The activation webhook needs Authorization: Bearer <token>.');
  const presented = match[1];
  if (sameSecret(presented, await ports.secrets.get(ports.config.WEBHOOK_TOKEN_SECRET_NAME))) return;
  try {
    await jwtVerify(presented, await signingKey(ports), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      currentDate: new Date(ports.clock.now()),
    });
  } catch {
    throw new UnauthorizedError('The activation webhook token is not valid.', { code: 'invalid_token' });
  }
}

export type TokenRequestOutcome =
  | { ok: true; accessToken: string; expiresIn: number }
  | { ok: false; status: 400 | 401; error: 'invalid_request' | 'unsupported_grant_type' | 'invalid_client'; description: string };

/**
 * The client-credentials grant (RFC 6749 §4.4): client authentication by HTTP
 * Basic or by form fields, answered in the RFC's own error format, since the
 * caller is an OAuth client, not one of our admins.
 */
export async function issueWebhookToken(
  ports: WebhookAuthPorts,
  request: { authorization: string | undefined; form: URLSearchParams },
): Promise<TokenRequestOutcome> {
  const grantType = request.form.get('grant_type');
  if (grantType !== 'client_credentials') {
    return { ok: false, status: 400, error: 'unsupported_grant_type', description: 'Only grant_type=client_credentials is supported.' };
  }
  const presented = clientOf(request);
  if (!presented) return { ok: false, status: 401, error: 'invalid_client', description: 'Client authentication is required.' };
  const stored = oauthClientSchema.safeParse(JSON.parse(await ports.secrets.get(ports.config.WEBHOOK_OAUTH_CLIENT_SECRET_NAME)));
  if (!stored.success) return { ok: false, status: 401, error: 'invalid_client', description: 'No OAuth client is configured for this webhook.' };
  const idMatches = sameSecret(presented.clientId, stored.data.clientId);
  const secretMatches = sameSecret(presented.clientSecret, stored.data.clientSecret);
  if (!idMatches || !secretMatches) return { ok: false, status: 401, error: 'invalid_client', description: 'The client credentials are not valid.' };
  const now = Math.floor(ports.clock.now() / 1000);
  const accessToken = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(stored.data.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + ISSUED_TOKEN_TTL_SECONDS)
    .sign(await signingKey(ports));
  return { ok: true, accessToken, expiresIn: ISSUED_TOKEN_TTL_SECONDS };
}

function clientOf(request: { authorization: string | undefined; form: URLSearchParams }): { clientId: string; clientSecret: string } | undefined {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.authorization?.trim() ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
    return undefined;
  }
  const clientId = request.form.get('client_id');
  const clientSecret = request.form.get('client_secret');
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}
