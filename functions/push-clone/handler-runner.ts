import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

/** Lambda entry of push-clone-runner: the runner (runner-invocation.ts) loads at the first invocation, so module init stays small (docs/bench.md). */
export const handler = lazyHandler(async () => (await import('#functions/push-clone/runner-invocation.ts')).handler);
