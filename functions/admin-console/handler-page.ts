import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

/** Lambda entry of admin-console-page: the pages (page-routes.ts) load at the first invocation, so module init stays small (docs/bench.md). */
export const handler = lazyHandler(async () => (await import('#functions/admin-console/page-routes.ts')).handler);
