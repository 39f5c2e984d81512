import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetForInstance, budgetOptionsFromConfig, CallBudget, type BudgetSlot } from '#shared/marketo/call-budget.ts';
import { FakeTime } from './fake-time';

function budgetWith(time: FakeTime, callsPerWindow: number, windowMs: number, maxConcurrent: number) {
  return new CallBudget({ callsPerWindow, windowMs, maxConcurrent, skewMarginMs: 50, now: time.now, sleep: time.sleep });
}

/** The most start times that fall in any half-open interval of `length` ms. */
function busiestWindow(starts: number[], length: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const first = sorted[i] ?? 0;
    most = Math.max(most, sorted.filter((at) => at >= first && at < first + length).length);
  }
  return most;
}

describe('CallBudget', () => {
  it('starts no more calls than allowed in any window, boundaries included', async () => {
    const time = new FakeTime();
    const budget = budgetWith(time, 10, 1000, 10);
    const starts: number[] = [];
    const calls = Array.from({ length: 35 }, () => budget.acquire().then((slot) => (starts.push(time.now()), slot.release())));
    await time.advance(10_000);
    await Promise.all(calls);
    expect(starts).toHaveLength(35);
    expect(busiestWindow(starts, 1000)).toBe(10);
    // the margin is part of the window: the 11th call waits windowMs + 50 ms
    expect(busiestWindow(starts, 1050)).toBe(10);
    expect(starts[10]).toBe((starts[0] ?? 0) + 1050);
  });

  it('never lets Marketo see more calls in one window, whenever within a call it counts it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 900 })), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (arrivals, limit) => {
          const time = new FakeTime();
          const budget = budgetWith(time, limit, 500, 10);
          const spans: Array<{ start: number; end: number }> = [];
          const calls: Promise<void>[] = [];
          for (const [gap, duration] of arrivals) {
            await time.advance(gap);
            calls.push(
              budget.run(async () => {
                const start = time.now();
                await time.sleep(duration);
                spans.push({ start, end: time.now() });
              }),
            );
          }
          await time.advance(120_000);
          await Promise.all(calls);
          expect(spans).toHaveLength(arrivals.length);
          // Marketo counts a call at some instant inside [start, end]. Calls it
          // can see inside one 500 ms window all ended less than a window before
          // the latest of them started, so that count bounds what it can see.
          for (const latest of spans) {
            const visibleTogether = spans.filter((span) => span.start <= latest.start && span.end > latest.start - 500);
            expect(visibleTogether.length).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('serves waiting callers first come, first served', async () => {
    const time = new FakeTime();
    const budget = budgetWith(time, 2, 1000, 1);
    const order: number[] = [];
    const slots: BudgetSlot[] = [];
    const calls = [0, 1, 2, 3, 4].map((caller) => budget.acquire().then((slot) => (order.push(caller), slots.push(slot))));
    await time.settle();
    expect(order).toEqual([0]);
    while (order.length < 5) {
      slots.shift()?.release();
      await time.advance(600);
    }
    await Promise.all(calls);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('holds calls in flight to the concurrency limit and lets the next one go on release', async () => {
    const time = new FakeTime();
    const budget = budgetWith(time, 100, 20_000, 3);
    const slots: BudgetSlot[] = [];
    const calls = Array.from({ length: 5 }, () => budget.acquire().then((slot) => slots.push(slot)));
    await time.settle();
    expect(slots).toHaveLength(3);
    expect(budget.callsInFlight).toBe(3);
    slots[0]?.release();
    slots[0]?.release(); // a second release of one slot frees nothing more
    await time.settle();
    expect(slots).toHaveLength(4);
    expect(budget.callsInFlight).toBe(3);
    slots.slice(1).forEach((slot) => slot.release());
    await Promise.all(calls);
    expect(budget.stats.peakInFlight).toBe(3);
  });

  it('keeps the order when a newcomer finds room the queue is still waiting for', async () => {
    const time = new FakeTime();
    const budget = budgetWith(time, 1, 1000, 5);
    const order: string[] = [];
    const first = budget.acquire().then((slot) => (order.push('first'), slot.release()));
    const second = budget.acquire().then((slot) => (order.push('second'), slot.release()));
    await time.advance(500);
    const third = budget.acquire().then((slot) => (order.push('third'), slot.release()));
    await time.advance(5_000);
    await Promise.all([first, second, third]);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('refuses limits Marketo would not grant, naming the setting', () => {
    expect(() => new CallBudget({ callsPerWindow: 101, windowMs: 20_000, maxConcurrent: 5 })).toThrow(/MARKETO_CALLS_PER_WINDOW/);
    expect(() => new CallBudget({ callsPerWindow: 50, windowMs: 20_000, maxConcurrent: 11 })).toThrow(/MARKETO_MAX_CONCURRENT/);
    expect(() => new CallBudget({ callsPerWindow: 50, windowMs: 25_000, maxConcurrent: 5 })).toThrow(/MARKETO_WINDOW_SECONDS/);
  });

  it('gives every client of one Munchkin ID the same budget', () => {
    const options = budgetOptionsFromConfig({ MARKETO_CALLS_PER_WINDOW: 50, MARKETO_WINDOW_SECONDS: 20, MARKETO_MAX_CONCURRENT: 5 });
    expect(options).toEqual({ callsPerWindow: 50, windowMs: 20_000, maxConcurrent: 5 });
    const first = budgetForInstance('111-AAA-111', options);
    expect(budgetForInstance('111-aaa-111', options)).toBe(first);
    expect(budgetForInstance('222-BBB-222', options)).not.toBe(first);
    expect(() => budgetForInstance('111-AAA-111', { ...options, callsPerWindow: 80 })).toThrow(/already has a call budget/);
  });
});
