import { functionNamed, schedules, type ScheduleDef } from '#functions/catalog.ts';
import type { ScheduledEvent } from '#shared/runtime/scheduled-event.ts';
import { loadHandler } from './gateway/handlers';
import { localLambdaContext } from './gateway/lambda-context';

export interface LocalScheduler {
  /** Fires a schedule now and resolves with its function's result. */
  run(name: string): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Fires the catalog's schedules (the ones the CDK stack gives EventBridge
 * Scheduler) on timers. A schedule never overlaps itself: a tick that comes
 * while the previous run is still going is skipped, as a Lambda with reserved
 * concurrency 1 would throttle it.
 */
export function startScheduler(options: { root: string; enabled: boolean; onError?: (schedule: ScheduleDef, error: unknown) => void }): LocalScheduler {
  const running = new Map<string, Promise<undefined>>();
  const timers: NodeJS.Timeout[] = [];

  function run(name: string): Promise<unknown> {
    const schedule = schedules.find((s) => s.name === name);
    if (!schedule) return Promise.reject(new Error(`No schedule named ${name}`));
    const fn = functionNamed(schedule.function);
    const event: ScheduledEvent = { schedule: schedule.name, scheduledTime: new Date().toISOString() };
    const result = loadHandler(fn, options.root).then((handler) => handler(event, localLambdaContext(fn)));
    // Only the caller sees a failure: the tracking promise must never reject, or Node ends the whole process.
    const tracked = result.then(
      () => undefined,
      () => undefined,
    );
    void tracked.finally(() => {
      if (running.get(name) === tracked) running.delete(name);
    });
    running.set(name, tracked);
    return result;
  }

  if (options.enabled) {
    for (const schedule of schedules) {
      const timer = setInterval(() => {
        if (running.has(schedule.name)) return;
        run(schedule.name).catch((error: unknown) => options.onError?.(schedule, error));
      }, schedule.localEverySeconds * 1000);
      timer.unref();
      timers.push(timer);
    }
  }

  return {
    run,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running.values()]);
    },
  };
}
