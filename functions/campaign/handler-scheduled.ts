import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

/** Lambda entry of campaign-sync: the scheduled sync (scheduled-invocation.ts) loads at the first invocation, so module init stays small (docs/bench.md). */
export const handler = lazyHandler(async () => (await import('#functions/campaign/scheduled-invocation.ts')).handler);
