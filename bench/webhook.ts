import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { storeCredentialSet } from '#functions/push-clone/core/setup/webhook-credentials.ts';
import { demo } from '#local/demo-identities.ts';
import { startDynamoLocal } from '#local/dynamodb-local.ts';
import { resetConfigCache } from '#shared/config/index.ts';
import { defaultPorts, resetDefaultPorts } from '#shared/runtime/ports.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { ensureTable } from '#shared/store/create-table.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { keys } from '#functions/push-clone/core/model.ts';
import { destinationFixture, storeDestination } from '#test/support/push-clone-fixtures.ts';
import { progress, type BenchRow } from './report';

const PROFILES_PER_BODY = 1_000;
const BODIES = 60;

function body(round: number): string {
  const at = new Date(Date.UTC(2026, 0, 1) + round * 1000).toISOString().replace('Z', '+0000');
  return JSON.stringify(
    Array.from({ length: PROFILES_PER_BODY }, (_, i) => ({
      segmentMembership: { ups: { 'aud-bench': { status: i % 10 === 0 ? 'exited' : 'realized', lastQualificationTime: at }, 'aud-unmapped': { status: 'realized' } } },
      identityMap: { Email: [{ id: `person.${round}.${i}@example.com` }], ECID: [{ id: `${round}${i}` }] },
      person: { name: { firstName: `First${i}`, lastName: { value: `Last${i}` } } },
      companyName: 'Acme, Inc.',
    })),
  );
}

/**
 * The activation webhook as AEP calls it: 1,000-profile bodies through the real
 * handler (HTTP stack, auth, lenient parse, durable inbox write on DynamoDB
 * Local, in memory), answered after the write. Latency p50/p99, profiles/s in
 * one process, and RSS growth.
 */
export async function benchWebhook(): Promise<BenchRow[]> {
  const dynamo = await startDynamoLocal();
  try {
    Object.assign(process.env, {
      TABLE_NAME: 'bench-webhook',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      SECRETS_BACKEND: 'file',
      LOCAL_SECRETS_FILE: join(mkdtempSync(join(tmpdir(), 'bench-webhook-')), 'secrets.json'),
      LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    resetConfigCache();
    resetDefaultPorts();
    const ports = defaultPorts();
    await ensureTable(createDynamoClient(ports.config), ports.config.TABLE_NAME);
    await storeCredentialSet(ports.secrets, 'bench', { bearerTokens: [{ id: 'bench', token: demo.aepWebhookToken, createdAt: new Date().toISOString() }], oauthClients: [] });
    await storeDestination(ports.store, destinationFixture({ destinationId: 'bench', audiences: [{ audienceId: 'aud-bench', listId: 1001, startDate: '2025-01-01T00:00:00.000Z' }] }));
    const { handler } = await import('#functions/push-clone/handler-webhook.ts');
    const bodies = Array.from({ length: BODIES }, (_, round) => body(round));
    const call = async (text: string, destinationId = 'bench') => {
      const event = apiEvent({
        method: 'POST',
        path: `/push-clone/destinations/${destinationId}/activations`,
        routeKey: 'POST /push-clone/destinations/{destinationId}/activations',
        pathParameters: { destinationId },
        headers: { authorization: `Bearer ${demo.aepWebhookToken}`, 'x-gw-ims-org-id': demo.org.id },
        body: text,
      });
      const response = (await handler(event, lambdaContext('push-clone-webhook', 10))) as APIGatewayProxyStructuredResultV2;
      if (response.statusCode !== 200) throw new Error(`webhook answered ${response.statusCode}: ${response.body}`);
    };
    await call(body(10_000)); // warm-up: module init, first connection
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const latencies: number[] = [];
    const started = performance.now();
    for (const [index, text] of bodies.entries()) {
      const t = performance.now();
      await call(text);
      latencies.push(performance.now() - t);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      if ((index + 1) % 20 === 0) progress(`webhook: ${index + 1}/${BODIES} bodies of ${PROFILES_PER_BODY} profiles`);
    }
    const elapsedS = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? 0;
    const big = await benchLargeBody(ports, call);
    return [
      ...big,
      { group: 'webhook', name: 'p50, 1,000-profile body', value: Math.round(percentile(50)), unit: 'ms', bound: 1000, kind: 'max', note: 'answered after the durable write' },
      { group: 'webhook', name: 'p99, 1,000-profile body', value: Math.round(percentile(99)), unit: 'ms', bound: 1000, kind: 'max' },
      { group: 'webhook', name: 'profiles per second, one process', value: Math.round((BODIES * PROFILES_PER_BODY) / elapsedS), unit: 'profiles/s', bound: 5000, kind: 'min' },
      { group: 'webhook', name: 'RSS growth over idle', value: Math.round((rssPeak - rssBefore) / 1024 / 1024), unit: 'MB', bound: 128, kind: 'max' },
    ];
  } finally {
    await dynamo.stop();
  }
}

const LARGE_BODY_BYTES = 6_000_000;
const LARGE_BODY_CALLS = 10;
const LARGE_AUDIENCES = ['aud-big-1', 'aud-big-2', 'aud-big-3'];

/** Profiles as AEP exports a backfill: three emails, three mapped audiences and one unmapped, attributes. */
function largeBody(round: number): string {
  const at = new Date(Date.UTC(2026, 0, 2) + round * 1000).toISOString().replace('Z', '+0000');
  const profiles: string[] = [];
  let bytes = 2;
  for (let i = 0; ; i += 1) {
    const ups = Object.fromEntries([...LARGE_AUDIENCES, 'aud-unmapped'].map((id) => [id, { status: i % 10 === 0 ? 'exited' : 'realized', lastQualificationTime: at }]));
    const profile = JSON.stringify({
      segmentMembership: { ups },
      identityMap: { Email: [0, 1, 2].map((n) => ({ id: `big.${round}.${i}.${n}@example.com` })), ECID: [{ id: `${round}${i}0123456789` }] },
      person: { name: { firstName: `First${i}`, lastName: { value: `Last${i}` } } },
      companyName: 'Acme, Inc.',
    });
    if (bytes + profile.length + 1 > LARGE_BODY_BYTES) break;
    profiles.push(profile);
    bytes += profile.length + 1;
  }
  return `[${profiles.join(',')}]`;
}

/** DynamoDB's item size: attribute names and values (strings as UTF-8, binary as is, numbers about their digits). */
function itemBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (value instanceof Uint8Array) return value.length;
  if (typeof value === 'number') return Math.ceil(String(value).length / 2) + 1;
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, entry) => sum + 1 + itemBytes(entry), 0);
  if (typeof value === 'object') return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [key, entry]) => sum + Buffer.byteLength(key) + itemBytes(entry), 0);
  return 0;
}

/**
 * A 6 MB body (Lambda's request maximum) through the same handler: its p99
 * against AEP's 2 s, and what it costs to keep (inbox items, archive chunks,
 * counters) per body byte, against 2.
 */
async function benchLargeBody(ports: ReturnType<typeof defaultPorts>, call: (text: string, destinationId?: string) => Promise<void>): Promise<BenchRow[]> {
  const munchkinId = '999-BIG-999';
  await storeDestination(
    ports.store,
    destinationFixture({ destinationId: 'bench-big', munchkinId, audiences: LARGE_AUDIENCES.map((audienceId, index) => ({ audienceId, listId: 2001 + index, startDate: '2025-01-01T00:00:00.000Z' })) }),
  );
  await storeCredentialSet(ports.secrets, 'bench-big', { bearerTokens: [{ id: 'bench', token: demo.aepWebhookToken, createdAt: new Date().toISOString() }], oauthClients: [] });
  const first = largeBody(0);
  await call(first, 'bench-big');
  const stored = [
    ...(await ports.store.queryAll({ partition: keys.inboxPartition(munchkinId) })),
    ...(await ports.store.queryAll({ partition: keys.archivePartition('bench-big') })),
    ...(await ports.store.queryAll({ partition: 'DEST#bench-big' })),
  ].reduce((sum, item) => sum + itemBytes(item), 0);
  const bodyBytes = Buffer.byteLength(first, 'utf8');
  const latencies: number[] = [];
  for (let round = 1; round <= LARGE_BODY_CALLS; round += 1) {
    const text = largeBody(round);
    const t = performance.now();
    await call(text, 'bench-big');
    latencies.push(performance.now() - t);
    progress(`webhook: 6 MB body ${round}/${LARGE_BODY_CALLS}`);
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)] ?? 0;
  return [
    { group: 'webhook', name: 'p99, 6 MB body (3 emails, 3 audiences per profile)', value: Math.round(p99), unit: 'ms', bound: 2000, kind: 'max', note: `${LARGE_BODY_CALLS} bodies of ${(bodyBytes / 1e6).toFixed(1)} MB, answered after the durable write` },
    { group: 'webhook', name: 'stored bytes per body byte, 6 MB body', value: Math.round((stored / bodyBytes) * 100) / 100, unit: 'x', bound: 2, kind: 'max', note: 'inbox items + archived raw body + counters' },
  ];
}
