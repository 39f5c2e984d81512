import './quiet-sdk-warning';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demo } from './demo-identities';

/**
 * `npm run demo:push` against a running `npm start`: maps the demo instance to
 * the demo org (signing in to the IMS sandbox as its org admin, as the popup
 * would), sets up a destination, sends an AEP audience of N people through the
 * activation webhook, fires the push schedule until nothing is pending, then
 * sends exits for a tenth of them, and prints a summary.
 */
const size = Number(process.argv[2] ?? process.env.DEMO_PEOPLE ?? 1000);
const stateDir = process.env.ORGBRIDGE_STATE_DIR ?? '.local';
const endpoints = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as {
  gateway: string;
  adminToken: string;
  sandboxes: { ims: { url: string }; marketo: { url: string; emptyListId: number } };
};
const base = endpoints.gateway;
const admin = { authorization: `Bearer ${endpoints.adminToken}`, 'content-type': 'application/json' };
const destinationId = demo.aepDestinationId;
const audienceId = 'demo-audience';

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = admin): Promise<any> {
  const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = (await response.json()) as any;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(data.error ?? data)}`);
  return data;
}

async function ensureOrgMapping(): Promise<void> {
  const view = await call('GET', `/org-mapping/${demo.marketo.munchkinId}`);
  if (view.status === 'mapped') return;
  console.log(`mapping ${demo.marketo.munchkinId} to ${demo.org.id} (signing in to the IMS sandbox as ${demo.imsUsers.orgAdmin.email})`);
  await call('PUT', `/org-mapping/${demo.marketo.munchkinId}`, { imsOrgId: demo.org.id });
  const { authorizeUrl } = await call('POST', `/org-mapping/${demo.marketo.munchkinId}/confirm`, {});
  const page = await (await fetch(authorizeUrl)).text();
  const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1];
  const request = /name="request" value="([^"]+)"/.exec(page)?.[1];
  if (!action || !request) throw new Error('the IMS sandbox did not show its sign-in form');
  const signedIn = await fetch(new URL(action, authorizeUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request, email: demo.imsUsers.orgAdmin.email, password: demo.imsUsers.orgAdmin.password }),
    redirect: 'manual',
  });
  const location = signedIn.headers.get('location');
  if (!location) throw new Error('the IMS sandbox did not redirect back');
  await fetch(location);
}

function profile(i: number, status: 'realized' | 'exited', at: Date) {
  return {
    segmentMembership: { ups: { [audienceId]: { status, lastQualificationTime: at.toISOString() } } },
    identityMap: { Email: [{ id: `demo.person.${i}@example.com` }] },
    person: { name: { firstName: `Demo${i}`, lastName: 'Person' } },
    companyName: { value: i % 7 === 0 ? 'Acme, Inc.' : 'Example Corp' },
  };
}

async function activate(people: number[], status: 'realized' | 'exited'): Promise<void> {
  const at = new Date();
  for (let start = 0; start < people.length; start += 1000) {
    const body = people.slice(start, start + 1000).map((i) => profile(i, status, at));
    await call('POST', `/push-clone/destinations/${destinationId}/activations`, body, {
      authorization: `Bearer ${demo.aepWebhookToken}`,
      'content-type': 'application/json',
      'x-gw-ims-org-id': demo.org.id,
    });
  }
}

async function pushUntilDone(label: string): Promise<any> {
  for (let tick = 1; tick <= 200; tick += 1) {
    await call('POST', '/_local/schedules/push-clone-tick/run');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const status = await call('GET', `/push-clone/destinations/${destinationId}`);
    const audience = status.audiences[0];
    process.stdout.write(`\r  ${label}: tick ${tick}, pending ${audience.pending}, added ${audience.added}, removed ${audience.removed}   `);
    if (audience.pending === 0 && tick > 1) {
      process.stdout.write('\n');
      return status;
    }
  }
  throw new Error('still pending after 200 ticks');
}

const started = Date.now();
await ensureOrgMapping();
await call('PUT', `/push-clone/destinations/${destinationId}`, {
  name: 'Demo push',
  description: 'npm run demo:push',
  munchkinId: demo.marketo.munchkinId,
  personCreationMode: 'createMissing',
  audiences: [{ audienceId, mappingId: `ST${endpoints.sandboxes.marketo.emptyListId}A1`, startDate: '2026-01-01' }],
});
const everyone = Array.from({ length: size }, (_, i) => i);
console.log(`sending ${size} people into audience ${audienceId} (list ${endpoints.sandboxes.marketo.emptyListId})`);
await activate(everyone, 'realized');
await pushUntilDone('realize');
const leaving = everyone.filter((i) => i % 10 === 0);
console.log(`sending ${leaving.length} exits`);
await activate(leaving, 'exited');
const final = await pushUntilDone('exit');
const audience = final.audiences[0];
console.table({
  people: size,
  added: audience.added,
  removed: audience.removed,
  skipped: Object.values(audience.skipped as Record<string, number>).reduce((a, b) => a + b, 0),
  failed: audience.failed,
  'Marketo calls today': final.marketoCallsToday.calls,
  'elapsed (s)': Number(((Date.now() - started) / 1000).toFixed(1)),
});
