import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '#local/dynamodb-local.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';

/** Every orgbridge this file started; afterEach stops the ones an assertion left running. */
const running = new Set<() => Promise<number | null>>();

/** Runs `npm start`'s entry point as a user would, until it prints that it is ready. */
async function startOrgbridge(stateDir: string, port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: { ...process.env, PORT: String(port), ORGBRIDGE_STATE_DIR: stateDir, ORGBRIDGE_SANDBOX_PORTS: 'any', LOG_LEVEL: 'SILENT' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 60 s:\n${output}`)), 60_000); // generous: a shared, loaded machine
    child.stdout.on('data', () => {
      if (output.includes('orgbridge is running locally')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    return exited;
  };
  running.add(stop);
  try {
    await ready;
  } catch (error) {
    // Never leave a half-started orgbridge (and its DynamoDB Local JVM) behind a failed test.
    await stop();
    throw error;
  }
  return { child, stop, output: () => output };
}


/** `npm run demo:push N` against the running orgbridge of `stateDir`; answers the destination's status when it is done. */
async function demoPush(stateDir: string, people: number, gateway: string, adminToken: string) {
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/demo-push.ts', String(people)], { env: { ...process.env, ORGBRIDGE_STATE_DIR: stateDir, LOG_LEVEL: 'SILENT' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`demo:push exited with ${code}:\n${output}`))));
  });
  const status = await fetch(`${gateway}/push-clone/destinations/demo-push`, { headers: { authorization: `Bearer ${adminToken}` } });
  return ((await status.json()) as { audiences: Array<{ added: number; removed: number; pending: number; failed: number }> }).audiences[0];
}

/** The demo list as the Marketo sandbox keeps it under the state dir: member count and duplicate emails. */
function savedDemoList(stateDir: string): { members: number; duplicateEmails: number } {
  const saved = JSON.parse(readFileSync(join(stateDir, 'sandboxes', 'marketo.json'), 'utf8')) as { leads: Array<{ email: string | null }>; lists: Array<{ id: number; memberIds: number[] }> };
  const emails = saved.leads.map((lead) => lead.email?.toLowerCase()).filter((email) => email !== undefined);
  return { members: saved.lists.find((list) => list.id === 1002)?.memberIds.length ?? -1, duplicateEmails: emails.length - new Set(emails).size };
}

function javaProcessesUsing(dir: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes('DynamoDBLocal') && line.includes(dir));
}

describe('npm start', () => {
  afterEach(async () => {
    await Promise.all([...running].map((stop) => stop()));
    running.clear();
  });

  it('serves /health, writes endpoints.json, stops cleanly on Ctrl-C and keeps data (DynamoDB and the sandboxes) for the next start, where the demo push carries on', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'orgbridge-start-'));
    const port = await freePort();
    const first = await startOrgbridge(stateDir, port);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    // A line per startup step, as it completes.
    for (const stepLine of ['- DynamoDB Local on http://127.0.0.1:', '- ims sandbox on', '- table ', '- demo Marketo instance registered', `- gateway on http://127.0.0.1:${port}`]) {
      expect(first.output()).toContain(stepLine);
    }
    const endpoints = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as { adminToken: string; dynamodb: string; tableName: string; gateway: string };
    expect(endpoints.gateway).toBe(`http://127.0.0.1:${port}`);
    expect(endpoints.adminToken.split('.')).toHaveLength(3);
    const identities = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as {
      sandboxes: { marketo: { munchkinId: string; clientId: string; staticListId: number }; ims: { users: { orgAdmin: { email: string } }; webClient: { clientId: string } }; umapi: { url: string }; campaign: { callbackServer: string; operatorGroups: string[] } };
      aepWebhookToken: string;
    };
    expect(identities.sandboxes.marketo).toMatchObject({ munchkinId: '123-ABC-456', staticListId: 1001 });
    expect(identities.sandboxes.ims.users.orgAdmin.email).toBe('marketing.admin@example.com');
    expect(identities.sandboxes.umapi.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    expect(identities.sandboxes.campaign).toMatchObject({ callbackServer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/), operatorGroups: ['admin', 'analyst', 'viewer'] });
    expect(identities.aepWebhookToken).toBeTruthy();
    const tick = await fetch(`http://127.0.0.1:${port}/_local/schedules/push-clone-tick/run`, { method: 'POST' });
    expect(tick.status).toBe(200);
    expect(await tick.json()).toMatchObject({ schedule: 'push-clone-tick' });
    expect((await fetch(`http://127.0.0.1:${port}/_local/schedules/nope/run`, { method: 'POST' })).status).toBe(404);
    const store = new Store({ tableName: endpoints.tableName, client: createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: endpoints.dynamodb }) });
    await store.put({ pk: 'TEST#persist', sk: 'ITEM', value: 42 });

    // A demo push of 20 (2 of whom exit) lands in the Marketo sandbox, which keeps it under the state dir.
    expect(await demoPush(stateDir, 20, endpoints.gateway, endpoints.adminToken)).toMatchObject({ added: 20, removed: 2, pending: 0, failed: 0 });
    expect(savedDemoList(stateDir)).toEqual({ members: 18, duplicateEmails: 0 });

    const adminKeyBefore = (JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as Record<string, string>)['admin-jwt-key'];
    expect(await first.stop()).toBe(0);
    expect(javaProcessesUsing(stateDir)).toEqual([]);

    const second = await startOrgbridge(stateDir, port);
    const endpointsAgain = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as { dynamodb: string; adminToken: string };
    const storeAgain = new Store({ tableName: endpoints.tableName, client: createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: endpointsAgain.dynamodb }) });
    expect((await storeAgain.get({ pk: 'TEST#persist', sk: 'ITEM' }))?.value).toBe(42);
    // The development admin key survives restarts, so tokens handed out earlier keep working.
    const adminKeyAfter = (JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as Record<string, string>)['admin-jwt-key'];
    expect(adminKeyAfter).toBeTruthy();
    expect(adminKeyAfter).toBe(adminKeyBefore);
    // The sandboxes moved (ORGBRIDGE_SANDBOX_PORTS=any): the demo registration follows them, and the Marketo
    // sandbox still holds the first run's people, so the same push again changes only what it must: the 2
    // who had left come back (added 22) and leave again (removed 4); the list holds the same 18, nobody twice.
    const marketoUrl = (JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as { sandboxes: { marketo: { restEndpoint: string } } }).sandboxes.marketo.restEndpoint;
    const instance = await fetch(`http://127.0.0.1:${port}/marketo/instances/123-ABC-456`, { headers: { authorization: `Bearer ${endpointsAgain.adminToken}` } });
    expect(((await instance.json()) as { restEndpoint: string }).restEndpoint).toBe(marketoUrl);
    expect(savedDemoList(stateDir)).toEqual({ members: 18, duplicateEmails: 0 });
    expect(await demoPush(stateDir, 20, `http://127.0.0.1:${port}`, endpointsAgain.adminToken)).toMatchObject({ added: 22, removed: 4, pending: 0, failed: 0 });
    expect(await second.stop()).toBe(0);
    expect(savedDemoList(stateDir)).toEqual({ members: 18, duplicateEmails: 0 });
    expect(javaProcessesUsing(stateDir)).toEqual([]);
    expect(existsSync(join(stateDir, 'secrets.json'))).toBe(true);
  }, 300_000);

  it('says which variable to set when its port is taken, before starting anything slow', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
        env: { ...process.env, PORT: String(port), ORGBRIDGE_STATE_DIR: mkdtempSync(join(tmpdir(), 'orgbridge-busy-')), ORGBRIDGE_SANDBOX_PORTS: 'any', LOG_LEVEL: 'SILENT' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(output).toContain(`Port ${port} (the local gateway) is already in use: set PORT to a free port, e.g. PORT=${port + 1} npm start.`);
      expect(output).not.toContain('DynamoDB Local on');
    } finally {
      busy.close();
    }
  }, 60_000);
});
