import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

/** Lambda entry of push-clone-api: the routes (api-routes.ts) load at the first request, so module init stays small (docs/bench.md). */
export const handler = lazyHandler(async () => (await import('#functions/push-clone/api-routes.ts')).handler);
