import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

/** Lambda entry of org-mapping-callback: the callback (callback-route.ts) loads at the first invocation, so module init stays small (docs/bench.md). */
export const handler = lazyHandler(async () => (await import('#functions/org-mapping/callback-route.ts')).handler);
