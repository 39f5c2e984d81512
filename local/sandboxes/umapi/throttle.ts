import { SlidingWindow } from '#local/sandboxes/framework.ts';

/** The UMAPI call a request is, each with its own per-client limit (umapi-documentation, "Throttling"). */
export type UmapiRouteKind = 'groups' | 'usersInGroup' | 'users' | 'user';

export interface UmapiLimits {
  /** GET /groups/{orgId}/{page}: 5 per client per window. */
  groupsPerWindow: number;
  /** Each users call: 25 per client per window. */
  usersPerWindow: number;
  /** All clients together: 100 per window. */
  globalPerWindow: number;
  /** A minute at Adobe; shorter in tests. */
  windowMs: number;
}

export const ADOBE_LIMITS: UmapiLimits = { groupsPerWindow: 5, usersPerWindow: 25, globalPerWindow: 100, windowMs: 60_000 };

export type RetryAfterFormat = 'seconds' | 'http-date';

/**
 * Per-client and global sliding windows, as UMAPI enforces them: a call over
 * either limit gets 429 with Retry-After. Refused calls do not count.
 */
export class UmapiThrottle {
  private readonly windows = new Map<string, SlidingWindow>();
  private readonly global: SlidingWindow;
  format: RetryAfterFormat = 'seconds';

  constructor(
    readonly limits: UmapiLimits,
    private readonly now: () => number,
  ) {
    this.global = new SlidingWindow(limits.globalPerWindow, limits.windowMs, now);
  }

  private window(clientId: string, kind: UmapiRouteKind): SlidingWindow {
    const key = `${clientId}\u0000${kind}`;
    let window = this.windows.get(key);
    if (!window) {
      const limit = kind === 'groups' ? this.limits.groupsPerWindow : this.limits.usersPerWindow;
      window = new SlidingWindow(limit, this.limits.windowMs, this.now);
      this.windows.set(key, window);
    }
    return window;
  }

  /** Counts the call and returns undefined, or returns the Retry-After header value to answer 429 with. */
  admit(clientId: string, kind: UmapiRouteKind): string | undefined {
    const client = this.window(clientId, kind);
    const waitMs = Math.max(client.msUntilFree(), this.global.msUntilFree());
    if (waitMs === 0 && client.tryTake() && this.global.tryTake()) return undefined;
    return this.retryAfter(Math.max(waitMs, 1));
  }

  /** A Retry-After header for a wait of `waitMs`, in the configured format, rounded up to whole seconds. */
  retryAfter(waitMs: number): string {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return this.format === 'seconds' ? String(seconds) : new Date((Math.ceil(this.now() / 1000) + seconds) * 1000).toUTCString();
  }
}
