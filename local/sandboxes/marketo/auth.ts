import { randomUUID } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '#local/sandboxes/framework.ts';

/**
 * Marketo's identity service (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication):
 * client credentials in, a bearer token out. A token lives `ttlSeconds`;
 * asking again before it expires returns the same token with its remaining
 * life. Expired tokens are remembered so a call with one gets 602, not 601.
 */
export type TokenCheck = 'valid' | 'missing' | 'invalid' | 'expired';

interface IssuedToken {
  token: string;
  expiresAtMs: number;
}

export class TokenIssuer {
  private current: IssuedToken | undefined;
  private readonly issued = new Map<string, number>();

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  /** GET or POST /identity/oauth/token; the parameters may be in the query or a form body. */
  answer(request: SandboxRequest): SandboxResponse {
    const params = new URLSearchParams(request.query);
    if (request.method === 'POST' && (request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      for (const [name, value] of request.form()) params.set(name, value);
    }
    if (params.get('grant_type') !== 'client_credentials') {
      return { status: 400, body: { error: 'invalid_request', error_description: 'grant_type must be client_credentials' } };
    }
    if (params.get('client_id') !== this.clientId || params.get('client_secret') !== this.clientSecret) {
      return { status: 401, body: { error: 'unauthorized', error_description: 'Bad client credentials' } };
    }
    const token = this.liveToken();
    return {
      status: 200,
      body: {
        access_token: token.token,
        token_type: 'bearer',
        expires_in: Math.max(0, Math.floor((token.expiresAtMs - this.now()) / 1000)),
        scope: 'orgbridge-api@example.com',
      },
    };
  }

  private liveToken(): IssuedToken {
    const now = this.now();
    if (this.current && this.current.expiresAtMs > now) return this.current;
    this.current = { token: `${randomUUID()}:ab`, expiresAtMs: now + this.ttlSeconds * 1000 };
    this.issued.set(this.current.token, this.current.expiresAtMs);
    return this.current;
  }

  /** The token a REST call carries: the Authorization header, or the (deprecated) access_token parameter. */
  check(request: SandboxRequest): TokenCheck {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    const token = match?.[1] ?? request.query.get('access_token') ?? undefined;
    if (!token) return 'missing';
    const expiresAtMs = this.issued.get(token);
    if (expiresAtMs === undefined) return 'invalid';
    return expiresAtMs > this.now() ? 'valid' : 'expired';
  }

  /** Forgets every token, as if the custom service's tokens had been reset. */
  revokeAll(): void {
    this.current = undefined;
    this.issued.clear();
  }
}
