import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '#shared/errors.ts';
import { isCurrent, readCredentialSet, type CredentialPorts, type CredentialSet, type OAuthClientCredential } from '#functions/push-clone/core/setup/webhook-credentials.ts';

/**
 * How AEP authenticates to a destination's activation webhook: one of that
 * destination's bearer tokens, or (AEP's "OAuth 2 client credentials" option)
 * a short-lived access token that the destination's token endpoint issued to
 * one of its OAuth clients. Issued tokens are HS256 JWTs whose key is derived
 * from the client's secret and whose audience names the destination, so a
 * token is good for one destination only and dies with its client.
 *
 * Refusals never say why beyond "not valid for this destination": whether the
 * destination exists, or which other tenant a credential belongs to, is not
 * something a caller without a credential learns.
 */
export type WebhookAuthPorts = CredentialPorts;

const ISSUER = 'orgbridge';
const audienceOf = (destinationId: string) => `orgbridge-aep-activation-webhook/${destinationId}`;
export const ISSUED_TOKEN_TTL_SECONDS = 3600;
/**
 * Secret stores cache for the life of a container; a credential created by a
 * rotation since is read again on a miss, at most this often per destination
 * (so unauthenticated noise cannot turn into Secrets Manager calls).
 */
const REFRESH_INTERVAL_MS = 30_000;
const lastRefresh = new Map<string, number>();

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
/** Equal in constant time; hashing first makes both sides 32 bytes without leaking a length. */
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));
const signingKey = (client: OAuthClientCredential) => createHmac('sha256', client.clientSecret).update('orgbridge webhook access tokens').digest();

const invalid = () => new UnauthorizedError('The activation webhook token is not valid for this destination.', { code: 'invalid_token' });

/** `Authorization: Bearer <token>`: a current bearer token of this destination, or an unexpired access token issued for it. */
export async function authenticateWebhook(ports: WebhookAuthPorts, destinationId: string, authorization: string | undefined): Promise<void> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  if (!match?.[1]) throw new UnauthorizedError('The activation webhook needs Authorization: Bearer <token>.');
  const presented = match[1];
  if (await withRefreshOnMiss(ports, destinationId, (set) => accepts(ports, destinationId, set, presented))) return;
  throw invalid();
}

async function accepts(ports: WebhookAuthPorts, destinationId: string, set: CredentialSet, presented: string): Promise<boolean> {
  const now = ports.clock.now();
  // Every current token is compared, so the time taken does not say which one matched.
  const bearer = set.bearerTokens.filter((token) => isCurrent(token, now)).map((token) => sameSecret(presented, token.token));
  if (bearer.includes(true)) return true;
  let clientId: unknown;
  try {
    clientId = decodeProtectedHeader(presented).kid;
  } catch {
    return false;
  }
  const client = set.oauthClients.find((candidate) => candidate.clientId === clientId && isCurrent(candidate, now));
  if (!client) return false;
  try {
    await jwtVerify(presented, signingKey(client), { issuer: ISSUER, audience: audienceOf(destinationId), algorithms: ['HS256'], requiredClaims: ['exp'], currentDate: new Date(now) });
    return true;
  } catch {
    return false;
  }
}

async function withRefreshOnMiss(ports: WebhookAuthPorts, destinationId: string, check: (set: CredentialSet) => Promise<boolean>): Promise<boolean> {
  if (await check(await readCredentialSet(ports.secrets, destinationId))) return true;
  const now = ports.clock.now();
  if (now - (lastRefresh.get(destinationId) ?? -Infinity) < REFRESH_INTERVAL_MS) return false;
  lastRefresh.set(destinationId, now);
  return check(await readCredentialSet(ports.secrets, destinationId, { refresh: true }));
}

export type TokenRequestOutcome =
  | { ok: true; accessToken: string; expiresIn: number }
  | { ok: false; status: 400 | 401; error: 'invalid_request' | 'unsupported_grant_type' | 'invalid_client'; description: string };

/**
 * The client-credentials grant (RFC 6749 §4.4) of one destination: client
 * authentication by HTTP Basic or by form fields (AEP offers both), answered
 * in the RFC's own error format, since the caller is an OAuth client.
 */
export async function issueWebhookToken(
  ports: WebhookAuthPorts,
  destinationId: string,
  request: { authorization: string | undefined; form: URLSearchParams },
): Promise<TokenRequestOutcome> {
  const grantType = request.form.get('grant_type');
  if (grantType !== 'client_credentials') {
    return { ok: false, status: 400, error: 'unsupported_grant_type', description: 'Only grant_type=client_credentials is supported.' };
  }
  const presented = clientOf(request);
  if (!presented) return { ok: false, status: 401, error: 'invalid_client', description: 'Client authentication is required.' };
  let client: OAuthClientCredential | undefined;
  await withRefreshOnMiss(ports, destinationId, async (set) => {
    const now = ports.clock.now();
    const current = set.oauthClients.filter((candidate) => isCurrent(candidate, now));
    client = current.find((candidate) => sameSecret(presented.clientId, candidate.clientId) && sameSecret(presented.clientSecret, candidate.clientSecret));
    return client !== undefined;
  });
  if (!client) return { ok: false, status: 401, error: 'invalid_client', description: 'The client credentials are not valid for this destination.' };
  const now = Math.floor(ports.clock.now() / 1000);
  // A token never outlives its client: the end of a rotation's overlap ends its tokens too.
  const clientEnd = client.validUntil ? Math.floor(Date.parse(client.validUntil) / 1000) : Infinity;
  const expiresAt = Math.min(now + ISSUED_TOKEN_TTL_SECONDS, clientEnd);
  const accessToken = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', kid: client.clientId })
    .setIssuer(ISSUER)
    .setAudience(audienceOf(destinationId))
    .setSubject(client.clientId)
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .sign(signingKey(client));
  return { ok: true, accessToken, expiresIn: expiresAt - now };
}

function clientOf(request: { authorization: string | undefined; form: URLSearchParams }): { clientId: string; clientSecret: string } | undefined {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.authorization?.trim() ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    try {
      return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
    } catch {
      return undefined;
    }
  }
  const clientId = request.form.get('client_id');
  const clientSecret = request.form.get('client_secret');
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}
