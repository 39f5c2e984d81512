import { ManualClock } from '#shared/clock.ts';

/**
 * A clock and a sleep that move only when the test says so, so timing-based
 * code can be tested by counting instead of waiting.
 */
export class FakeTime {
  readonly clock = new ManualClock(Date.parse('2026-01-15T12:00:00Z'));
  private timers: Array<{ at: number; wake: () => void }> = [];

  readonly now = (): number => this.clock.now();

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.clock.now() + ms, wake: resolve });
    });

  /** Lets every pending promise callback run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i += 1) await Promise.resolve();
  }

  /** Moves time forward timer by timer up to `ms` from now, running what each wakes. */
  async advance(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    await this.settle();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.clock.set(Math.max(this.clock.now(), next.at));
      next.wake();
      await this.settle();
    }
    this.clock.set(until);
    await this.settle();
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}
