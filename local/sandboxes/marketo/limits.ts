import { centralDay } from '#shared/marketo/central-time.ts';
import { ConcurrencyGauge, type SandboxRequest, type SandboxResponse } from '#local/sandboxes/framework.ts';
import type { TokenIssuer } from './auth';
import { failure } from './envelope';

/**
 * Marketo's per-instance limits, enforced exactly
 * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api):
 * 100 calls per 20 s (606), 10 calls in flight (615), a daily quota reset at
 * midnight US Central (607), 8 KB URLs (414) and 1 MB bodies, 10 MB for bulk
 * imports (413).
 *
 * The error-codes page marks with * the codes whose calls are not counted
 * against the quota or the rate limit (601, 602, 604, 605, 608, 611); 606, 607
 * and 615 carry no mark, so a call refused with them still counts. We take that
 * unkind reading: a client that hammers a full window keeps it full.
 */
export interface LimitOptions {
  callsPerWindow: number;
  windowMs: number;
  maxConcurrent: number;
  dailyQuota: number;
  now: () => number;
}

export interface LimitCounters {
  /** 606 answers the limits gave (never injected ones). */
  rateWindowRejections: number;
  /** 615 answers the limits gave. */
  concurrencyRejections: number;
  /** 607 answers the limits gave. */
  dailyQuotaRejections: number;
  /** REST calls counted against today's quota. */
  dailyCalls: number;
}

const MAX_URL_BYTES = 8 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

/** The API user the sandbox's one custom service runs as (Marketo reports usage per API user). */
export const SANDBOX_API_USER = 'orgbridge.api@example.com';

export class InstanceLimits {
  readonly gauge: ConcurrencyGauge;
  readonly counters: LimitCounters = { rateWindowRejections: 0, concurrencyRejections: 0, dailyQuotaRejections: 0, dailyCalls: 0 };
  /** Today's calls per API user, as Get Daily Usage reports them. */
  private readonly usersToday = new Map<string, number>();
  /** Arrival times of the calls in the current window, refused ones included. */
  private readonly arrivals: number[] = [];
  private quotaDay = '';

  constructor(private readonly options: LimitOptions) {
    this.gauge = new ConcurrencyGauge(options.maxConcurrent);
  }

  /**
   * Admits one REST call or names the code that refuses it. An admitted call
   * holds a place in the gauge until `leave`.
   */
  admit(): '606' | '607' | '615' | undefined {
    const now = this.options.now();
    this.startDayIfNew(now);
    if (this.counters.dailyCalls >= this.options.dailyQuota) {
      this.counters.dailyQuotaRejections += 1;
      return '607';
    }
    this.counters.dailyCalls += 1;
    this.usersToday.set(SANDBOX_API_USER, (this.usersToday.get(SANDBOX_API_USER) ?? 0) + 1);
    while (this.arrivals.length > 0 && (this.arrivals[0] ?? now) <= now - this.options.windowMs) this.arrivals.shift();
    const windowFull = this.arrivals.length >= this.options.callsPerWindow;
    this.arrivals.push(now);
    if (!this.gauge.enter()) {
      this.counters.concurrencyRejections += 1;
      return '615';
    }
    if (windowFull) {
      this.gauge.leave();
      this.counters.rateWindowRejections += 1;
      return '606';
    }
    return undefined;
  }

  leave(): void {
    this.gauge.leave();
  }

  /** Spends quota as if another integration (API user `userId`) had called today, for tests of 607 and of the shared quota. */
  spendQuota(calls: number, userId = 'other.integration@example.com'): void {
    this.startDayIfNew(this.options.now());
    this.counters.dailyCalls += calls;
    this.usersToday.set(userId, (this.usersToday.get(userId) ?? 0) + calls);
  }

  /** Another integration's burst: `calls` arrive in the current 20 s window now (and count against today's quota). */
  burst(calls: number, userId = 'other.integration@example.com'): void {
    this.spendQuota(calls, userId);
    const now = this.options.now();
    for (let call = 0; call < calls; call += 1) this.arrivals.push(now);
  }

  /** Get Daily Usage: today's calls in total and per API user (US Central day). */
  usage(): { date: string; total: number; users: Array<{ userId: string; count: number }> } {
    this.startDayIfNew(this.options.now());
    return { date: this.quotaDay, total: this.counters.dailyCalls, users: [...this.usersToday].map(([userId, count]) => ({ userId, count })) };
  }

  /** The quota resets at midnight US Central. */
  private startDayIfNew(now: number): void {
    const today = centralDay(now);
    if (today !== this.quotaDay) {
      this.quotaDay = today;
      this.counters.dailyCalls = 0;
      this.usersToday.clear();
    }
  }
}

/** HTTP-level refusals, decided before anything is counted. */
export function sizeRefusal(request: SandboxRequest, isImport: boolean): SandboxResponse | undefined {
  const query = request.query.toString();
  const uriBytes = Buffer.byteLength(request.path) + (query ? 1 + Buffer.byteLength(query) : 0);
  if (uriBytes > MAX_URL_BYTES) return { status: 414, body: '<html><body><h1>414 Request-URI Too Large</h1></body></html>', headers: { 'content-type': 'text/html' } };
  if (request.body.length > (isImport ? MAX_IMPORT_BYTES : MAX_BODY_BYTES)) {
    return { status: 413, body: '<html><body><h1>413 Request Entity Too Large</h1></body></html>', headers: { 'content-type': 'text/html' } };
  }
  return undefined;
}

const LIMIT_MESSAGES = (options: LimitOptions) => ({
  '606': `Max rate limit '${options.callsPerWindow}' exceeded with in '${options.windowMs / 1000}' secs`,
  '607': 'Daily quota reached',
  '615': 'Concurrent access limit reached',
});

/**
 * The gate every REST and bulk call passes: size, token, then limits. Identity
 * calls pass untouched: the documented limits are on REST API calls.
 */
export function gateRestCall(
  tokens: TokenIssuer,
  limits: InstanceLimits,
  options: LimitOptions,
): (request: SandboxRequest, isImport: boolean, next: () => Promise<SandboxResponse>) => Promise<SandboxResponse> {
  const messages = LIMIT_MESSAGES(options);
  return async (request, isImport, next) => {
    const refusal = sizeRefusal(request, isImport);
    if (refusal) return refusal;
    const token = tokens.check(request);
    if (token === 'missing' || token === 'invalid') return failure('601', 'Access token invalid');
    if (token === 'expired') return failure('602', 'Access token expired');
    const limited = limits.admit();
    if (limited) return failure(limited, messages[limited]);
    try {
      return await next();
    } finally {
      limits.leave();
    }
  };
}
