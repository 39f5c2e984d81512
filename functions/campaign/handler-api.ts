import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

/** Lambda entry of campaign-api: the routes (api-routes.ts) load at the first invocation, so module init stays small (docs/bench.md). */
export const handler = lazyHandler(async () => (await import('#functions/campaign/api-routes.ts')).handler);
