import type { Config } from '../config';

/**
 * Our share of one Marketo instance's limits: at most `callsPerWindow` calls
 * started in any `windowMs` (a true sliding window, so no burst at a window
 * boundary can exceed it) and at most `maxConcurrent` calls in flight.
 *
 * Marketo allows 100 calls per 20 s and 10 concurrent calls per instance,
 * shared by every integration, and recommends an integration keep to ~50 and
 * 5 (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/marketo-integration-best-practices).
 *
 * Waiting callers are served first come, first served. Identity (token) calls
 * do not go through the budget.
 */
export interface CallBudgetOptions {
  callsPerWindow: number;
  windowMs: number;
  maxConcurrent: number;
  /**
   * Added to the window. Marketo stamps a call when it arrives, we stamp it
   * when we send it; if an earlier call took longer to arrive than a later one,
   * Marketo would see the two closer together than we did. The margin covers
   * that difference in transit time (and small clock drift between the hosts).
   */
  skewMarginMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface BudgetSlot {
  /** Frees the in-flight place; the window place stays taken until the window moves past it. */
  release(): void;
}

export interface CallBudgetStats {
  granted: number;
  /** Acquisitions that had to queue. */
  queued: number;
  peakInFlight: number;
}

export const DEFAULT_SKEW_MARGIN_MS = 50;
const MARKETO_MAX_CALLS_PER_WINDOW = 100;
const MARKETO_MAX_WINDOW_MS = 20_000;
const MARKETO_MAX_CONCURRENT = 10;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CallBudget {
  readonly callsPerWindow: number;
  readonly windowMs: number;
  readonly maxConcurrent: number;
  /** The window we actually count: windowMs plus the skew margin. */
  readonly effectiveWindowMs: number;
  readonly stats: CallBudgetStats = { granted: 0, queued: 0, peakInFlight: 0 };
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Start times of the calls still inside the window, oldest first. */
  private readonly starts: number[] = [];
  private inFlight = 0;
  private readonly waiters: Array<(slot: BudgetSlot) => void> = [];
  private timerArmed = false;

  constructor(options: CallBudgetOptions) {
    checkWhole('MARKETO_CALLS_PER_WINDOW', options.callsPerWindow, MARKETO_MAX_CALLS_PER_WINDOW);
    checkWhole('MARKETO_MAX_CONCURRENT', options.maxConcurrent, MARKETO_MAX_CONCURRENT);
    if (!(options.windowMs > 0 && options.windowMs <= MARKETO_MAX_WINDOW_MS)) {
      throw new RangeError(`MARKETO_WINDOW_SECONDS must be above 0 and at most ${MARKETO_MAX_WINDOW_MS / 1000}; got ${options.windowMs / 1000}`);
    }
    this.callsPerWindow = options.callsPerWindow;
    this.windowMs = options.windowMs;
    this.maxConcurrent = options.maxConcurrent;
    this.effectiveWindowMs = options.windowMs + (options.skewMarginMs ?? DEFAULT_SKEW_MARGIN_MS);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Resolves when one more call may start; the caller must release the slot when the call ends. */
  acquire(): Promise<BudgetSlot> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (this.waiters.length > 1 || !this.hasRoom()) this.stats.queued += 1;
      this.serve();
    });
  }

  /** Runs `call` inside the budget. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const slot = await this.acquire();
    try {
      return await call();
    } finally {
      slot.release();
    }
  }

  /** Calls started inside the current window (for tests and metrics). */
  get usedInWindow(): number {
    this.forgetExpired(this.now());
    return this.starts.length;
  }

  get callsInFlight(): number {
    return this.inFlight;
  }

  private hasRoom(): boolean {
    this.forgetExpired(this.now());
    return this.inFlight < this.maxConcurrent && this.starts.length < this.callsPerWindow;
  }

  private forgetExpired(now: number): void {
    while (this.starts.length > 0 && (this.starts[0] ?? now) <= now - this.effectiveWindowMs) this.starts.shift();
  }

  /** Hands out slots in arrival order while both limits allow. */
  private serve(): void {
    while (this.waiters.length > 0) {
      const now = this.now();
      this.forgetExpired(now);
      if (this.inFlight >= this.maxConcurrent) return; // a release will call serve again
      if (this.starts.length >= this.callsPerWindow) {
        this.wakeWhenWindowMoves(now);
        return;
      }
      const grant = this.waiters.shift();
      if (!grant) return;
      this.starts.push(now);
      this.inFlight += 1;
      this.stats.granted += 1;
      this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.inFlight);
      grant(this.slot());
    }
  }

  private wakeWhenWindowMoves(now: number): void {
    if (this.timerArmed) return;
    const oldest = this.starts[0] ?? now;
    this.timerArmed = true;
    void this.sleep(Math.max(1, oldest + this.effectiveWindowMs - now)).then(() => {
      this.timerArmed = false;
      this.serve();
    });
  }

  private slot(): BudgetSlot {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        this.serve();
      },
    };
  }
}

function checkWhole(variable: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${variable} must be a whole number from 1 to ${max}; got ${value}`);
  }
}

/** The budget options our configuration asks for. */
export function budgetOptionsFromConfig(
  config: Pick<Config, 'MARKETO_CALLS_PER_WINDOW' | 'MARKETO_WINDOW_SECONDS' | 'MARKETO_MAX_CONCURRENT'>,
): CallBudgetOptions {
  return {
    callsPerWindow: config.MARKETO_CALLS_PER_WINDOW,
    windowMs: config.MARKETO_WINDOW_SECONDS * 1000,
    maxConcurrent: config.MARKETO_MAX_CONCURRENT,
  };
}

const budgets = new Map<string, CallBudget>();

/**
 * The one budget of a Munchkin ID in this process, shared by every client that
 * talks to that instance. The first caller's options create it; a later caller
 * asking for different numbers is a wiring mistake and fails loudly.
 */
export function budgetForInstance(munchkinId: string, options: CallBudgetOptions): CallBudget {
  const key = munchkinId.toUpperCase();
  const existing = budgets.get(key);
  if (!existing) {
    const budget = new CallBudget(options);
    budgets.set(key, budget);
    return budget;
  }
  if (
    existing.callsPerWindow !== options.callsPerWindow ||
    existing.windowMs !== options.windowMs ||
    existing.maxConcurrent !== options.maxConcurrent
  ) {
    throw new RangeError(`Marketo instance ${munchkinId} already has a call budget with other limits in this process`);
  }
  return existing;
}
