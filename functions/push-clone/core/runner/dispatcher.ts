import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '#shared/clock.ts';
import type { FunctionInvoker } from '#shared/runtime/invoker.ts';
import type { Store } from '#shared/store/index.ts';
import { forEachLimit } from '#shared/collections.ts';
import { markerIsIdle } from '#functions/push-clone/core/instance/work-marker.ts';
import { listWorkMarkers } from '#functions/push-clone/persistence/work-marker.ts';
import { parkedUntil } from '#functions/push-clone/core/instance/park.ts';

export interface DispatchPorts {
  store: Store;
  clock: Clock;
  invoker: FunctionInvoker;
  logger?: Logger;
}

export type DispatchResult =
  | { munchkinId: string; action: 'invoked' }
  | { munchkinId: string; action: 'skipped'; reason: 'parked' | 'not_due'; until: string }
  | { munchkinId: string; action: 'failed'; error: string };

/** Invocations started at once: enough for a hundred instances in well under a second. */
const INVOKE_CONCURRENCY = 16;

/**
 * One scheduler tick (docs/push-clone.md step 5): one asynchronous runner
 * invocation per instance whose work marker is set, except instances parked
 * until their daily quota resets and instances marked idle until a later start
 * or end date. Instances never wait on each other: each runner has its own
 * lease and call budget. A failed invocation does not stop the others; it is
 * reported, and the next tick tries again.
 */
export async function dispatch(ports: DispatchPorts, runnerFunctionName: string): Promise<DispatchResult[]> {
  const now = ports.clock.now();
  const markers = await listWorkMarkers(ports.store);
  const results: DispatchResult[] = [];
  await forEachLimit(markers, INVOKE_CONCURRENCY, async (marker) => {
    const munchkinId = marker.sk;
    const parked = await parkedUntil(ports.store, munchkinId, now);
    if (parked) {
      results.push({ munchkinId, action: 'skipped', reason: 'parked', until: parked });
      return;
    }
    if (markerIsIdle(marker, now)) {
      results.push({ munchkinId, action: 'skipped', reason: 'not_due', until: String(marker.nextDueAt) });
      return;
    }
    try {
      await ports.invoker.invokeAsync(runnerFunctionName, { munchkinId });
      results.push({ munchkinId, action: 'invoked' });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ports.logger?.error('runner invocation failed', { munchkinId, error: message });
      results.push({ munchkinId, action: 'failed', error: message });
    }
  });
  return results.sort((a, b) => a.munchkinId.localeCompare(b.munchkinId));
}
