import { createHash } from 'node:crypto';
import { MarketoAuthError, MarketoUnavailableError } from './errors';
import { exchange, fullJitterDelay, parseJson, type BackoffOptions } from './retry';
import { tokenSchema } from './schemas';

/**
 * Marketo access tokens (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication):
 * a token lives 3600 s; asking again before it expires returns the same token
 * with its remaining life, so every worker of one custom service can share it.
 * Tokens belong to a custom service (client ID), hence the cache key.
 */
export interface MarketoCredentials {
  clientId: string;
  clientSecret: string;
}

interface CachedToken {
  accessToken: string;
  /** Until when we hand the token out before asking Identity again. */
  useUntilMs: number;
}

/**
 * Stop using a token this long before it expires: enough for a call to reach
 * Marketo with it. Asking Identity earlier would only return the same token.
 */
const EXPIRY_MARGIN_MS = 10_000;

/** The tokens of this process, per (identity URL, REST host, client ID, secret digest). */
export class MarketoTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  valid(key: string, now: number): CachedToken | undefined {
    const token = this.tokens.get(key);
    return token && token.useUntilMs > now ? token : undefined;
  }

  /** One token request per key at a time: concurrent callers share it. */
  fetchOnce(key: string, fetchToken: () => Promise<CachedToken>): Promise<CachedToken> {
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const request = fetchToken()
      .then((token) => {
        this.tokens.set(key, token);
        return token;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, request);
    return request;
  }

  /** Forgets `accessToken` unless another caller already replaced it. */
  invalidate(key: string, accessToken: string): void {
    if (this.tokens.get(key)?.accessToken === accessToken) this.tokens.delete(key);
  }

  clear(): void {
    this.tokens.clear();
  }
}

export const processTokenCache = new MarketoTokenCache();

export interface TokenProviderOptions {
  munchkinId: string;
  identityBaseUrl: string;
  /** Where the token is sent: part of the cache key, so a re-pointed REST endpoint never gets a cached token. */
  restOrigin: string;
  credentials: () => Promise<MarketoCredentials>;
  fetch: typeof fetch;
  timeoutMs: number;
  maxRetries: number;
  backoff: BackoffOptions;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  cache: MarketoTokenCache;
  /** Called once per identity request actually sent. */
  onTokenCall: () => void;
}

export class TokenProvider {
  private credentials: Promise<MarketoCredentials> | undefined;

  constructor(private readonly options: TokenProviderOptions) {}

  /** A token valid for at least the expiry margin. */
  async token(): Promise<string> {
    const key = await this.cacheKey();
    const cached = this.options.cache.valid(key, this.options.now());
    if (cached) return cached.accessToken;
    return (await this.options.cache.fetchOnce(key, () => this.fetchFreshToken())).accessToken;
  }

  /** Marketo said 601/602 for this token: drop it so the next call asks Identity. */
  async invalidate(accessToken: string): Promise<void> {
    this.options.cache.invalidate(await this.cacheKey(), accessToken);
  }

  /**
   * The secret is part of the key (as a digest): a client ID is not a secret,
   * so an instance registered with another instance's identity URL and client
   * ID but not its secret must not be handed that instance's cached token.
   */
  private async cacheKey(): Promise<string> {
    const { clientId, clientSecret } = await this.readCredentials();
    const proof = createHash('sha256').update(clientSecret).digest('base64url');
    return `${this.options.identityBaseUrl}|${this.options.restOrigin}|${clientId}|${proof}`;
  }

  private readCredentials(): Promise<MarketoCredentials> {
    if (!this.credentials) {
      const reading = this.options.credentials();
      this.credentials = reading;
      // A failed read (secret store briefly unavailable) must not stick to this client for good.
      reading.catch(() => {
        if (this.credentials === reading) this.credentials = undefined;
      });
    }
    return this.credentials;
  }

  private async fetchFreshToken(): Promise<CachedToken> {
    let rereadCredentials = false;
    for (let failures = 0; ; ) {
      const outcome = await this.requestToken();
      if (outcome.type === 'token') return outcome.token;
      if (outcome.type === 'refused') {
        // A rotated secret: read the secret store once more before giving up.
        if (rereadCredentials) throw MarketoAuthError.forInstance(this.options.munchkinId);
        rereadCredentials = true;
        this.credentials = undefined;
        continue;
      }
      if (failures >= this.options.maxRetries) {
        throw new MarketoUnavailableError(`the identity service of Marketo instance ${this.options.munchkinId} kept failing (${outcome.code}); try again later`, {
          code: outcome.code,
          cause: outcome.cause,
        });
      }
      await this.options.sleep(fullJitterDelay(failures, this.options.backoff));
      failures += 1;
    }
  }

  private async requestToken(): Promise<
    { type: 'token'; token: CachedToken } | { type: 'refused' } | { type: 'failed'; code: string; cause?: unknown }
  > {
    const { clientId, clientSecret } = await this.readCredentials();
    // The documented form: credentials as query parameters. The URL is never put into an error.
    const query = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    const url = `${this.options.identityBaseUrl}/oauth/token?${query.toString()}`;
    this.options.onTokenCall();
    const sentAt = this.options.now();
    let answer;
    try {
      answer = await exchange(this.options.fetch, url, { method: 'POST' }, this.options.timeoutMs);
    } catch (error) {
      return { type: 'failed', code: isTimeout(error) ? 'timeout' : 'network', cause: stripped(error) };
    }
    if (answer.status === 401) return { type: 'refused' };
    if (answer.status !== 200) return { type: 'failed', code: String(answer.status) };
    const parsed = tokenSchema.safeParse(parseJson(answer.text));
    if (!parsed.success) return { type: 'failed', code: 'unexpected-response' };
    // Count the life from when we asked, so network time shortens it rather than lengthens it.
    const expiresAtMs = sentAt + parsed.data.expires_in * 1000;
    // Identity returns the live token until it expires. When even a fresh answer
    // is inside the margin, use it to its end; a call that arrives late gets 602
    // and the transport refreshes then.
    const useUntilMs = expiresAtMs - EXPIRY_MARGIN_MS > sentAt ? expiresAtMs - EXPIRY_MARGIN_MS : expiresAtMs;
    return { type: 'token', token: { accessToken: parsed.data.access_token, useUntilMs } };
  }
}

export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * A transport error without anything that could hold the request URL (and so
 * the client secret): its name, message and the system error code only.
 */
export function stripped(error: unknown): Error {
  if (!(error instanceof Error)) return new Error('request failed');
  const cause = error.cause;
  const systemCode = cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string' ? ` (${cause.code})` : '';
  const copy = new Error(`${error.message}${systemCode}`);
  copy.name = error.name;
  return copy;
}
