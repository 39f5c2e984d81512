import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarketoSandbox, type MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { ManualClock } from '#shared/clock.ts';
import { instanceSecretName, writeInstance } from '#shared/instances/instance-store.ts';
import { putBoundSecret } from '#shared/secrets/index.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import type { RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { captureOutput, lambdaContext } from '#test/support/http-events.ts';
import { useLocalPorts } from '#test/support/local-ports.ts';
import { CLIENT_ID, CLIENT_SECRET, deliver, listEmails, nextMunchkinId, people, realize, saveDestination, sorted } from './runner-world';

const LIST = 8001;

describe('push clone runner handler', () => {
  let ports: Ports;
  let sandbox: MarketoSandbox;
  let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<RunSummary>;
  const munchkinId = nextMunchkinId();
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    ports = await useLocalPorts('runner-handler', { LOG_LEVEL: 'INFO' });
    process.env.LOG_LEVEL = 'INFO'; // the handler's logger reads it when its module loads
    sandbox = createMarketoSandbox({ munchkinId, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, seed: false });
    await sandbox.start(0);
    sandbox.addList('handler list', LIST);
    const at = new Date().toISOString();
    await writeInstance(ports.store, {
      munchkinId,
      name: 'handler test',
      restEndpoint: `${sandbox.baseUrl}/rest`,
      identityEndpoint: sandbox.identityUrl,
      clientId: CLIENT_ID,
      hipaaReady: false,
      createdAt: at,
      updatedAt: at,
      updatedBy: 'test',
    });
    await putBoundSecret(ports.secrets, instanceSecretName(munchkinId), [sandbox.baseUrl, sandbox.identityUrl], CLIENT_SECRET);
    ({ handler } = await import('#functions/push-clone/handler-runner.ts'));
  });
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

  it('refuses an event without a Munchkin ID, and names an instance that is not registered', async () => {
    await expect(handler({}, lambdaContext('push-clone-runner', 900))).rejects.toMatchObject({ code: 'invalid_event' });
    await expect(handler({ munchkinId: '999-ZZZ-999' }, lambdaContext('push-clone-runner', 900))).rejects.toMatchObject({
      code: 'instance_not_found',
      message: expect.stringContaining('PUT /marketo/instances/999-ZZZ-999'),
    });
  });
});
