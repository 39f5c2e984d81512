import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

/** Lambda entry of marketo-instances-api: the routes (api-routes.ts) load at the first invocation, so module init stays small (docs/bench.md). */
export const handler = lazyHandler(async () => (await import('#functions/marketo-instances/api-routes.ts')).handler);
