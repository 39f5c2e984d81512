import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '#local/runtime.ts';
import { startScheduler } from '#local/scheduler.ts';
import { resetConfigCache } from '#shared/config/index.ts';
import { resetDefaultPorts } from '#shared/runtime/ports.ts';
import { freePort } from '#local/dynamodb-local.ts';
import { useLocalPorts } from '#test/support/local-ports.ts';

/** A scheduled run that throws is reported to its caller and logged, and never ends the local run. */
describe('the local scheduler', () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  beforeAll(async () => {
    await useLocalPorts('scheduler');
    // DynamoDB is unreachable: the dispatcher's first read fails.
    process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${await freePort()}`;
    process.env.AWS_MAX_ATTEMPTS = '1';
    resetConfigCache();
    resetDefaultPorts();
    process.on('unhandledRejection', record);
  });
  afterAll(() => {
    process.off('unhandledRejection', record);
    delete process.env.AWS_MAX_ATTEMPTS;
  });

  it('rejects the run for whoever fired it, leaves no unhandled rejection, and can fire again', async () => {
    const scheduler = startScheduler({ root: repoRoot, enabled: false });
    await expect(scheduler.run('push-clone-tick')).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    await expect(scheduler.run('push-clone-tick')).rejects.toThrow();
    await scheduler.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  });
});
