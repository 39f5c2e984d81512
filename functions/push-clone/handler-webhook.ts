import { lazyHandler } from '#shared/runtime/lazy-handler.ts';

/** Lambda entry of push-clone-webhook: the webhook's routes (webhook-routes.ts) load at the first invocation, so module init stays small (docs/bench.md). */
export const handler = lazyHandler(async () => (await import('#functions/push-clone/webhook-routes.ts')).handler);
