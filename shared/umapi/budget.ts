/** Which UMAPI limit a call counts against (docs/vendors/umapi.md, limits table). */
export type UmapiCallKind = 'groups' | 'users';

export interface UmapiBudgetLimits {
  /** GET /groups: 5 per minute per client. */
  groupsPerMinute: number;
  /** GET /users...: 25 per minute per client (we count all user calls together, which is stricter). */
  usersPerMinute: number;
  /** The window the limits count over; a minute, shorter in tests. */
  windowMs: number;
}

export const UMAPI_CLIENT_LIMITS: UmapiBudgetLimits = { groupsPerMinute: 5, usersPerMinute: 25, windowMs: 60_000 };

/**
 * Our own per-client call budget, so we never cause a 429 ourselves: a
 * sliding window per kind, like the limits UMAPI enforces. Share one budget
 * between clients of the same credential.
 */
export class UmapiCallBudget {
  private readonly stamps: Record<UmapiCallKind, number[]> = { groups: [], users: [] };

  constructor(
    private readonly now: () => number = Date.now,
    readonly limits: UmapiBudgetLimits = UMAPI_CLIENT_LIMITS,
  ) {}

  private limit(kind: UmapiCallKind): number {
    return kind === 'groups' ? this.limits.groupsPerMinute : this.limits.usersPerMinute;
  }

  /** Ms until a call of this kind fits (0 = now). */
  msUntilFree(kind: UmapiCallKind): number {
    const now = this.now();
    const stamps = this.stamps[kind];
    while (stamps.length > 0 && (stamps[0] ?? now) <= now - this.limits.windowMs) stamps.shift();
    if (stamps.length < this.limit(kind)) return 0;
    return (stamps[0] ?? now) + this.limits.windowMs - now;
  }

  /** Records a call when it fits now; returns false when it does not. */
  tryTake(kind: UmapiCallKind): boolean {
    if (this.msUntilFree(kind) > 0) return false;
    this.stamps[kind].push(this.now());
    return true;
  }
}
