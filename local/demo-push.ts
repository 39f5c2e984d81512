import './quiet-sdk-warning';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demo } from './demo-identities';
import { DemoClient, demoPerson } from './demo-steps';

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
const client = new DemoClient(endpoints.gateway, endpoints.adminToken);
const destinationId = demo.aepDestinationId;
const audienceId = 'demo-audience';

async function pushUntilDone(label: string): Promise<any> {
  const status = await client.pushUntilDone(destinationId, (tick, current) => {
    const audience = current.audiences[0];
    process.stdout.write(`\r  ${label}: tick ${tick}, pending ${audience.pending}, added ${audience.added}, removed ${audience.removed}   `);
  });
  process.stdout.write('\n');
  return status;
}

const started = Date.now();
await client.mapDemoOrg(console.log);
await client.call('PUT', `/push-clone/destinations/${destinationId}`, {
  name: 'Demo push',
  description: 'npm run demo:push',
  munchkinId: demo.marketo.munchkinId,
  personCreationMode: 'createMissing',
  audiences: [{ audienceId, mappingId: `ST${endpoints.sandboxes.marketo.emptyListId}A1`, startDate: '2026-01-01' }],
});
const everyone = Array.from({ length: size }, (_, i) => demoPerson(i));
console.log(`sending ${size} people into audience ${audienceId} (list ${endpoints.sandboxes.marketo.emptyListId})`);
await client.activate(destinationId, audienceId, everyone, 'realized');
await pushUntilDone('realize');
const leaving = everyone.filter((_, i) => i % 10 === 0);
console.log(`sending ${leaving.length} exits`);
await client.activate(destinationId, audienceId, leaving, 'exited');
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
