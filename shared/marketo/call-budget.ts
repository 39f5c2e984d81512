import type { Config } from '#shared/config/index.ts';

/**
 * Our share of one Marketo instance's limits: at most `callsPerWindow` calls
 * in any `windowMs` (a true sliding window, so no burst at a window boundary
 * can exceed it) and at most `maxConcurrent` calls in flight.
 *
 * A call holds its window place from the moment we send it until `windowMs`
 * after its answer came back. Marketo counts a call somewhere between those
 * two moments (when it arrives, or when it is done: both lie before we have
 * the answer), so this holds however long the network took: a first call slowed
 * by a TLS handshake and a quick second one can never land inside one of
 * Marketo's windows together. It costs one call duration per window cycle.
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
   * Added to the window, for the clocks: ours and Marketo's may run at slightly
   * different rates, and timers fire a little early or late.
   */
  skewMarginMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface BudgetSlot {
  /** Ends the call: frees its in-flight place; its window place stays taken for a window from now. */
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
  /** When the calls still inside the window ended, oldest first (calls in flight are counted apart). */
  private readonly ends: number[] = [];
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

  /** Window places taken: calls in flight plus calls that ended inside the window (for tests and metrics). */
  get usedInWindow(): number {
    this.forgetExpired(this.now());
    return this.inFlight + this.ends.length;
  }

  get callsInFlight(): number {
    return this.inFlight;
  }

  private hasRoom(): boolean {
    this.forgetExpired(this.now());
    return this.inFlight < this.maxConcurrent && this.inFlight + this.ends.length < this.callsPerWindow;
  }

  private forgetExpired(now: number): void {
    while (this.ends.length > 0 && (this.ends[0] ?? now) <= now - this.effectiveWindowMs) this.ends.shift();
  }

  /** Hands out slots in arrival order while both limits allow. */
  private serve(): void {
    while (this.waiters.length > 0) {
      const now = this.now();
      this.forgetExpired(now);
      if (this.inFlight >= this.maxConcurrent) return; // a release will call serve again
      if (this.inFlight + this.ends.length >= this.callsPerWindow) {
        // Full with calls in flight only: a release will call serve again.
        if (this.ends.length > 0) this.wakeWhenWindowMoves(now);
        return;
      }
      const grant = this.waiters.shift();
      if (!grant) return;
      this.inFlight += 1;
      this.stats.granted += 1;
      this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.inFlight);
      grant(this.slot());
    }
  }

  private wakeWhenWindowMoves(now: number): void {
    if (this.timerArmed) return;
    const oldest = this.ends[0] ?? now;
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
        this.ends.push(this.now());
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
