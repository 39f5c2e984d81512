import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarketoSandbox, type MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { ManualClock } from '#shared/clock.ts';
import { instanceSecretName, writeInstance } from '#shared/instances/instance-store.ts';
import { putBoundSecret } from '#shared/secrets/index.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import type { RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { destinationStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';
import { keys } from '#functions/push-clone/core/model.ts';
import { captureOutput, lambdaContext } from '#test/support/http-events.ts';
import { useLocalPorts } from '#test/support/local-ports.ts';
import { CLIENT_ID, CLIENT_SECRET, deliver, listEmails, nextMunchkinId, people, realize, saveDestination, sorted } from './runner-world';

const LIST = 8001;
const FLOOR = 500;

describe('push clone runner handler', () => {
  let ports: Ports;
  let sandbox: MarketoSandbox;
  let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<RunSummary>;
  const munchkinId = nextMunchkinId();
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    // The deployment's quota is the default for instances that register none; the floor is the deployment's.
    ports = await useLocalPorts('runner-handler', { LOG_LEVEL: 'INFO', MARKETO_DAILY_QUOTA: '40000', MARKETO_DAILY_FLOOR: String(FLOOR) });
    process.env.LOG_LEVEL = 'INFO'; // the handler's logger reads it when its module loads
    sandbox = createMarketoSandbox({ munchkinId, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, seed: false });
    await sandbox.start(0);
    sandbox.addList('handler list', LIST);
    await registerDirectly(munchkinId, sandbox);
    ({ handler } = await import('#functions/push-clone/handler-runner.ts'));
  });
  /** The instance as a registration stores it (the credential check is registration's own test's business). */
  async function registerDirectly(id: string, on: MarketoSandbox, extra: { dailyQuota?: number } = {}): Promise<void> {
    const at = new Date().toISOString();
    await writeInstance(ports.store, {
      munchkinId: id,
      name: 'handler test',
      restEndpoint: `${on.baseUrl}/rest`,
      identityEndpoint: on.identityUrl,
      clientId: CLIENT_ID,
      hipaaReady: false,
      ...extra,
      createdAt: at,
      updatedAt: at,
      updatedBy: 'test',
    });
    await putBoundSecret(ports.secrets, instanceSecretName(id), [on.baseUrl, on.identityUrl], CLIENT_SECRET);
  }
  afterAll(async () => {
    process.env.LOG_LEVEL = 'SILENT';
    await sandbox.stop();
  });

  it('pushes the instance named in the event and logs a summary without an email in it', async () => {
    const destination = await saveDestination(ports.store, { munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'h', listId: LIST, startDate: new Date(clock.now() - 60_000).toISOString() }] }, clock);
    const everyone = people('handler', 7);
    await deliver(ports.store, clock, destination, realize('h', everyone));
    const { result, output } = await captureOutput(() => handler({ munchkinId }, lambdaContext('push-clone-runner', 900)));
    expect(result).toMatchObject({ munchkinId, stoppedBy: 'done', marker: 'deleted', outcomes: { added: 7 } });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(output).toContain('push run finished');
    expect(output).not.toContain('@example.com');
    expect(output).not.toContain(CLIENT_SECRET);
  });

  it("budgets by the instance's own registered daily quota: parks it at that quota's floor, and the status shows the same quota", async () => {
    const small = nextMunchkinId();
    const QUOTA = 2_000;
    const smallSandbox = createMarketoSandbox({ munchkinId: small, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, seed: false, dailyQuota: QUOTA });
    await smallSandbox.start(0);
    try {
      smallSandbox.addList('small list', LIST);
      await registerDirectly(small, smallSandbox, { dailyQuota: QUOTA });
      const destination = await saveDestination(ports.store, { munchkinId: small, mode: 'createMissing', audiences: [{ audienceId: 's', listId: LIST, startDate: new Date(clock.now() - 60_000).toISOString() }] }, clock);
      // Another integration has used all but 5 calls above the floor of this instance's 2,000: by the deployment's 40,000 there would be plenty left.
      smallSandbox.spendDailyQuota(QUOTA - FLOOR - 5, 'crm.sync@example.com');
      await deliver(ports.store, clock, destination, realize('s', people('small', 20)));
      const { result: summary, output } = await captureOutput(() => handler({ munchkinId: small }, lambdaContext('push-clone-runner', 900)));
      expect(output).toContain('instance parked');
      expect(summary).toMatchObject({ stoppedBy: 'daily_quota', batches: 0 });
      expect(smallSandbox.stats().callsByKind).toMatchObject({ usage: 1, syncLeads: 0, addToList: 0 });
      expect(summary.lastError).toContain(`of its ${QUOTA} calls today`);
      expect(smallSandbox.stats().dailyCalls).toBeLessThanOrEqual(QUOTA - FLOOR);
      expect(smallSandbox.stats().dailyQuotaRejections).toBe(0);
      expect(await ports.store.get(keys.park(small))).toMatchObject({ reason: expect.stringContaining(`of its ${QUOTA} calls today`) });
      // One quota everywhere: the status shows the instance's own, and an instance with none shows the deployment's.
      expect((await destinationStatus(ports, destination)).dailyQuota).toBe(QUOTA);
      const other = await saveDestination(ports.store, { munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'd', listId: LIST, startDate: new Date(clock.now()).toISOString() }] }, clock);
      expect((await destinationStatus(ports, other)).dailyQuota).toBe(40_000);
    } finally {
      await smallSandbox.stop();
    }
  });

  it('refuses an event without a Munchkin ID, and names an instance that is not registered', async () => {
    await expect(handler({}, lambdaContext('push-clone-runner', 900))).rejects.toMatchObject({ code: 'invalid_event' });
    await expect(handler({ munchkinId: '999-ZZZ-999' }, lambdaContext('push-clone-runner', 900))).rejects.toMatchObject({
      code: 'instance_not_found',
      message: expect.stringContaining('PUT /marketo/instances/999-ZZZ-999'),
    });
  });
});
