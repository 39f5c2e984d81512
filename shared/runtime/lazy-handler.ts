/**
 * A Lambda handler whose module loads at the first invocation instead of at
 * module init. For a function whose init is mostly its own code (zod
 * schemas, the cores, `jose`): the Lambda entry file holds only this, so a
 * cold start does not pay for them before the runtime is ready, and the first
 * request pays once (`npm run bench -- bundles` reports both). esbuild keeps a
 * dynamically imported module in the same bundle but evaluates it only when
 * the import runs.
 *
 * A load that fails is tried again by the next invocation rather than
 * remembered as failed.
 */
export function lazyHandler<Event, Context, Result>(load: () => Promise<(event: Event, context: Context) => Promise<Result>>): (event: Event, context: Context) => Promise<Result> {
  let loading: Promise<(event: Event, context: Context) => Promise<Result>> | undefined;
  return async (event, context) => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return (await loading)(event, context);
  };
}
