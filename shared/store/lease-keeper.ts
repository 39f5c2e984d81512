import type { Clock } from '#shared/clock.ts';
import { fenceOf, LeaseLostError, type Lease, type LeaseLock } from './lease';
import type { Fence } from './store';

export interface LeaseTiming {
  /** How long each acquisition or renewal holds the lease: a holder that dies is taken over this long after its last renewal. */
  ttlMs: number;
  /** Renew once the last renewal is this old (the heartbeat), so work rarely waits for one. */
  renewEveryMs: number;
  /** The heartbeat's real-time timer, for long stretches with no checkpoint (a big ingest, a slow write). */
  heartbeatMs: number;
}

/**
 * Holds a short lease for as long as its holder works: a heartbeat renews it,
 * and before anything that cannot be fenced (a call to a vendor that may stay
 * in flight after we stop waiting) the holder asks `ensure(bound)`, which
 * answers only when the lease will outlive that call; a holder that cannot
 * renew in time gets LeaseLostError and must stop, before its lease can lapse.
 * Writes the holder makes through `fence()` fail once anyone else acquires.
 *
 * Renewals are serialised (one in flight) and read the clock again after they
 * land, so a renewal that took long is never trusted for more than it gave.
 */
export class LeaseKeeper {
  private lease: Lease;
  private renewedAt: number;
  private renewing: Promise<void> | undefined;
  private lostError: LeaseLostError | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly lock: LeaseLock,
    private readonly clock: Clock,
    private readonly timing: LeaseTiming,
    acquired: Lease,
  ) {
    this.lease = acquired;
    this.renewedAt = clock.now();
  }

  /** Acquires the lease and starts its heartbeat; undefined when another live holder has it. */
  static async acquire(lock: LeaseLock, clock: Clock, name: string, owner: string, timing: LeaseTiming): Promise<LeaseKeeper | undefined> {
    if (!(timing.renewEveryMs > 0 && timing.renewEveryMs < timing.ttlMs)) throw new RangeError(`renewEveryMs (${timing.renewEveryMs}) must be above 0 and below ttlMs (${timing.ttlMs})`);
    const lease = await lock.acquire(name, owner, timing.ttlMs);
    if (!lease) return undefined;
    const keeper = new LeaseKeeper(lock, clock, timing, lease);
    keeper.startHeartbeat();
    return keeper;
  }

  get current(): Lease {
    return this.lease;
  }

  /** Whether the lease is known lost (a renewal was refused, or a fenced write failed). */
  get lost(): boolean {
    return this.lostError !== undefined;
  }

  /** The fence for writes that must not land once someone else holds the lease. */
  fence(): Fence {
    const fence = fenceOf(this.lease);
    return { ...fence, lost: () => this.markLost(fence.lost() as LeaseLostError) };
  }

  /**
   * The heartbeat at a checkpoint: renews when the last renewal is
   * `renewEveryMs` old. Throws LeaseLostError when the lease is gone; a
   * renewal DynamoDB did not answer is tried again at the next beat (and
   * `ensure` refuses calls the lease left would not cover).
   */
  async beat(): Promise<void> {
    if (this.lostError) throw this.lostError;
    if (this.clock.now() - this.renewedAt < this.timing.renewEveryMs) return;
    try {
      await this.renew();
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
    }
  }

  /**
   * Returns only when the lease has at least `boundMs` left (renewing first
   * when needed): whatever the caller starts now and ends within `boundMs` ends
   * while the lease is still ours. Throws LeaseLostError otherwise; the caller
   * must then stop.
   */
  async ensure(boundMs: number): Promise<void> {
    if (boundMs >= this.timing.ttlMs) throw new RangeError(`a ${boundMs} ms bound cannot fit in a ${this.timing.ttlMs} ms lease`);
    if (this.lostError) throw this.lostError;
    const remaining = () => this.lease.expiresAtMs - this.clock.now();
    if (remaining() < boundMs || this.clock.now() - this.renewedAt >= this.timing.renewEveryMs) {
      try {
        await this.renew();
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        // DynamoDB did not answer: the lease may still cover this bound; if not, stop sending.
        if (remaining() < boundMs) throw this.markLost(new LeaseLostError(this.lease));
        return;
      }
    }
    if (remaining() < boundMs) throw this.markLost(new LeaseLostError(this.lease));
  }

  /** Stops the heartbeat and gives the lease up (unless it is already lost). */
  async release(): Promise<void> {
    this.stopHeartbeat();
    await this.renewing?.catch(() => undefined);
    if (!this.lostError) await this.lock.release(this.lease);
  }

  /** Stops the heartbeat only (a crashed holder's lease stays until it lapses). */
  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      try {
        this.lease = await this.lock.renew(this.lease, this.timing.ttlMs);
        this.renewedAt = this.clock.now();
      } catch (error) {
        if (error instanceof LeaseLostError) this.markLost(error);
        throw error;
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }

  private startHeartbeat(): void {
    this.timer = setInterval(() => {
      // A lost lease is seen at the next checkpoint.
      this.beat().catch(() => undefined);
    }, this.timing.heartbeatMs);
    this.timer.unref();
  }

  private markLost(error: LeaseLostError): LeaseLostError {
    this.lostError ??= error;
    this.stopHeartbeat();
    return this.lostError;
  }
}
