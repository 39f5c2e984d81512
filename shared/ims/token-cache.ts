export interface CachedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** Refresh this long before expiry at most (IMS tokens live 24 h, so 5 min is ample). */
const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Server-to-server tokens per scope set, reused until near expiry. Adobe
 * throttles integrations that mint too many tokens (docs/vendors/ims.md), so
 * concurrent callers share one in-flight request instead of each minting.
 */
export class ServerTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();

  constructor(private readonly now: () => number) {}

  async get(key: string, mint: () => Promise<{ accessToken: string; expiresInSeconds: number }>): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.expiresAt) return cached.accessToken;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.mint(key, mint);
      this.inFlight.set(key, pending);
    }
    return (await pending).accessToken;
  }

  /** Forget a token the API refused (401), so the next call mints a new one. */
  forget(key: string): void {
    this.tokens.delete(key);
  }

  private async mint(key: string, mint: () => Promise<{ accessToken: string; expiresInSeconds: number }>): Promise<CachedToken> {
    try {
      const issuedAt = this.now();
      const { accessToken, expiresInSeconds } = await mint();
      const lifetimeMs = expiresInSeconds * 1000;
      // Treat the token as expired a little early: a tenth of its life, at most 5 minutes.
      const token = { accessToken, expiresAt: issuedAt + lifetimeMs - Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 10) };
      this.tokens.set(key, token);
      return token;
    } finally {
      this.inFlight.delete(key);
    }
  }
}
