import { pathToFileURL } from 'node:url';
import { chunks } from '#shared/collections.ts';
import type { Store, TransactOp } from '#shared/store/index.ts';
import type { MarketoClient } from '#shared/marketo/index.ts';
import { exit, realize, restCalls, diffCalls, saveDestination, startInstance, type Activation, type Instance } from '#test/integration/push-clone/runner-world.ts';
import { findLeadIds } from '#functions/push-clone/core/marketo-batch/lead-ids.ts';
import { formatTable, progress, type BenchRow } from './report';
import { people, startBenchWorld, step, type BenchWorld, type Scenario } from './push-clone-world';

/**
 * Push clone at scale (issue 11):
 * - the 1M backfill by REST and by bulk import: calls measured at
 *   BENCH_SCALE_PEOPLE (20k by default) and extrapolated to 1M (REST is
 *   2 x ceil(N/300) exactly, as the push-clone rows show; bulk is the
 *   measured calls per 100k-row file times the files), the lead IDs learnt
 *   afterwards by one bulk lead extract against Get Leads by email (300 a
 *   call) over the same people in the same sandbox;
 * - the daily scenario (1 % new, 1 % exits, 5 % attribute-only re-sends) on
 *   an audience of BENCH_DAILY_PEOPLE (20k by default; 100k with
 *   BENCH_DAILY_PEOPLE=100000), ours and a naive per-delivery REST strategy
 *   against the same kind of sandbox, side by side: calls, share of a 50,000
 *   daily quota, elapsed at our 50 calls / 20 s share;
 * - DynamoDB writes per person per path, and the busiest partition key's
 *   share of them, replayed through a counting store; per key per second at
 *   1M people at the pace each path runs (docs/scale.md).
 */
const GROUP = 'scale';
const UNLIMITED = { callsPerWindow: 100, windowMs: 10, maxConcurrent: 5 };
/** Our share of an instance: 50 calls per 20 s. */
const OUR_RATE = 50 / 20;
const DAILY_QUOTA = 50_000;
/** AEP sends a day's changes in deliveries of up to this many records (the naive peer calls per delivery). */
const DELIVERY = 1_000;
/** DynamoDB's per-partition write ceiling (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html). */
const PARTITION_WCU = 1_000;
/** A write inside a transaction costs twice the write units (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html). */
const TRANSACTION_WCU = 2;
/**
 * Bulk in the bench: the sandbox imports and extracts in 1 s each; we poll
 * the import every 100 ms and the extract every second (real Marketo: minutes
 * each, polled every 10 s and every 60 s; the poll count is what matters).
 */
const BULK = { minPeople: 5_000, pollMs: 100, extractPollMs: 1_000, maxPollMs: 600_000 };
/** The bulk lead extract's call kinds (create, enqueue, status, file). */
const EXTRACT_KINDS = ['exportLeads', 'exportEnqueue', 'exportStatus', 'exportFile'];

export async function benchPushCloneScale(): Promise<BenchRow[]> {
  const backfillPeople = Number(process.env.BENCH_SCALE_PEOPLE ?? 20_000);
  const dailyPeople = Number(process.env.BENCH_DAILY_PEOPLE ?? 20_000);
  const world = await startBenchWorld();
  const rows: BenchRow[] = [];
  try {
    rows.push(...(await backfill(world, backfillPeople)));
    rows.push(...(await daily(world, dailyPeople)));
  } finally {
    await world.stop();
  }
  return rows;
}

async function scaleScenario(world: BenchWorld, label: string): Promise<Scenario> {
  const instance = await startInstance({ budget: UNLIMITED, client: { timeoutMs: 30_000 }, sandbox: { importDurationMs: 1_000, exportDurationMs: 1_000 } });
  const listId = 9101;
  instance.sandbox.addList(`scale ${label}`, listId);
  const destination = await saveDestination(world.store, { munchkinId: instance.munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'bench', listId, startDate: new Date(world.clock.now() - 60_000).toISOString() }] }, world.clock);
  return { instance, destination, listId };
}

async function backfill(world: BenchWorld, size: number): Promise<BenchRow[]> {
  const label = `${size / 1_000}k`;
  const rows: BenchRow[] = [];
  const measured: Record<'rest' | 'bulk', { calls: number; counter: KeyCounter; people: number; runMs: number; byKind: Record<string, number> }> = {} as never;
  let byEmailCalls = 0;
  for (const path of ['rest', 'bulk'] as const) {
    progress(`backfill ${label} by ${path}`);
    const counter = new KeyCounter();
    const counted: BenchWorld = { ...world, store: counter.wrap(world.store) };
    const target = await scaleScenario(world, `${path}-${label}`);
    const everyone = people(`${path}-${label}`, size);
    const result = await step(counted, target, realize('bench', everyone), path === 'bulk' ? { bulk: BULK } : {});
    measured[path] = { calls: result.calls, counter, people: size, runMs: result.runMs + result.ingestMs, byKind: result.byKind };
    if (path === 'bulk') {
      // The alternative to the extract, over the same people in the same instance: Get Leads by email, 300 a call.
      const before = restCalls(target.instance.sandbox);
      const found = await findLeadIds(target.instance.client, everyone);
      if (found.size !== size) throw new Error(`Get Leads by email found ${found.size} of ${size}`);
      byEmailCalls = diffCalls(before, restCalls(target.instance.sandbox)).total;
    }
    await target.instance.sandbox.stop();
  }
  const extractCalls = EXTRACT_KINDS.reduce((sum, kind) => sum + (measured.bulk.byKind[kind] ?? 0), 0);
  const extractKinds = Object.fromEntries(EXTRACT_KINDS.map((kind) => [kind, measured.bulk.byKind[kind] ?? 0]));
  const restBound = 2 * Math.ceil(size / 300);
  rows.push({ group: GROUP, name: `calls, backfill of ${label} new people by REST`, value: measured.rest.calls, unit: 'calls', bound: restBound, kind: 'max', note: JSON.stringify(measured.rest.byKind) });
  rows.push({ group: GROUP, name: `calls, backfill of ${label} new people by bulk import (lead IDs learnt included)`, value: measured.bulk.calls, unit: 'calls', bound: restBound, kind: 'max', note: JSON.stringify(measured.bulk.byKind) });
  rows.push({ group: GROUP, name: `calls, lead IDs of ${label} imported people by one bulk lead extract (bound: by Get Leads by email, measured)`, value: extractCalls, unit: 'calls', bound: byEmailCalls, kind: 'max', note: `${JSON.stringify(extractKinds)}; Get Leads by email over the same people: ${byEmailCalls} calls (ceil(N/300)); real Marketo adds a status poll a minute while the job runs` });
  rows.push({ group: GROUP, name: 'calls, lead IDs of 1M imported people by extract (10 jobs, measured calls per job; bound: by email)', value: Math.round(10 * (extractCalls / Math.ceil(size / 100_000))), unit: 'calls', bound: Math.ceil(1_000_000 / 300), kind: 'max', note: 'one extract per 100k-row import; ~25 bytes a person (id,email) of the 500 MB daily export allowance' });
  // 1M: REST is exactly linear; bulk sends files of at most 100k rows, each costing what one file cost here.
  const files = Math.ceil(1_000_000 / 100_000);
  const bulkPerFile = measured.bulk.calls / Math.ceil(size / 100_000);
  const rest1M = 2 * Math.ceil(1_000_000 / 300);
  rows.push({ group: GROUP, name: 'calls, backfill of 1M by REST (2 x ceil(N/300))', value: rest1M, unit: 'calls', bound: DAILY_QUOTA, kind: 'max', note: `${((rest1M / DAILY_QUOTA) * 100).toFixed(1)} % of a 50,000 quota; ${Math.round(rest1M / OUR_RATE / 60)} min at 50 calls / 20 s` });
  rows.push({ group: GROUP, name: `calls, backfill of 1M by bulk (${files} files x ${bulkPerFile} calls measured per file)`, value: Math.round(files * bulkPerFile), unit: 'calls', bound: Math.round(rest1M / 10), kind: 'max', note: `${(((files * bulkPerFile) / DAILY_QUOTA) * 100).toFixed(2)} % of a 50,000 quota` });
  // The threshold: a bulk job costs what REST costs for 150 people per call of it.
  rows.push({ group: GROUP, name: 'bulk pays off above (people: 150 x calls per job)', value: Math.round(150 * bulkPerFile), unit: 'people', bound: BULK.minPeople, kind: 'max', note: 'bound: the threshold we use (BULK_DEFAULTS.minPeople)' });
  for (const path of ['rest', 'bulk'] as const) {
    const { counter, people: count } = measured[path];
    const busiest = counter.busiest();
    // The person's own items (sharded by email: membership, lead ID cache, aliases of multi-email profiles) against docs/targets.md's 2: a create, a write-back.
    rows.push({ group: GROUP, name: `DynamoDB writes per person to their own items, first push by ${path} (membership, lead ID cache, aliases)`, value: round(counter.personal / count), unit: 'writes', bound: 2, kind: 'max', note: JSON.stringify(counter.byPrefix()) });
    // Items many people share: a counter write per transaction of 98 (ingest, write-back), an inbox item per delivery, markers, bulk job items.
    rows.push({ group: GROUP, name: `DynamoDB writes per person to shared items, first push by ${path} (inbox, counters, markers, job)`, value: round(counter.shared / count, 3), unit: 'writes', bound: 0.05, kind: 'max', note: `${counter.shared} writes for ${count} people; all table writes: ${round(counter.total / count)} a person` });
    // Membership writes are transactional (ingest and write-back): 2 WCU each, so a partition takes ~500 of them a second.
    const wcuPerPerson = (busiest.writes / count) * TRANSACTION_WCU;
    if (path === 'rest') {
      // REST is paced by Marketo: 150 people per call at our 2.5 calls/s.
      const pace = 150 * OUR_RATE;
      rows.push({
        group: GROUP,
        name: `busiest key WCU/s in a 1M push by REST (${busiest.key}: ${round(wcuPerPerson)} WCU a person x ${pace} people/s)`,
        value: Math.round(wcuPerPerson * pace),
        unit: 'WCU/s',
        bound: PARTITION_WCU,
        kind: 'max',
        note: `replayed ${count} people (${JSON.stringify(counter.top(3))}); ingest and write-back overlapping; a key's share does not change with N, so 10M runs at the same rate, 10 x longer`,
      });
    } else {
      // Bulk is not paced by Marketo calls: the busiest key sets the pace. Its minimum time for 1M people against REST's time at Marketo.
      const minutes = (1_000_000 * wcuPerPerson) / PARTITION_WCU / 60;
      rows.push({
        group: GROUP,
        name: `busiest key's minimum time for a 1M push by bulk (${busiest.key}: ${round(wcuPerPerson)} WCU a person at ${PARTITION_WCU} WCU/s)`,
        value: Math.round(minutes),
        unit: 'min',
        bound: Math.round(rest1M / OUR_RATE / 60),
        kind: 'max',
        note: `bound: REST's 1M time at Marketo (44 min); replayed ${count} people (${JSON.stringify(counter.top(3))}); 10M: 10 x longer`,
      });
    }
  }
  return rows;
}

async function daily(world: BenchWorld, size: number): Promise<BenchRow[]> {
  const label = `${size / 1_000}k`;
  progress(`daily scenario at ${label}: building the audience (bulk)`);
  const ours = await scaleScenario(world, `daily-${label}`);
  const everyone = people(`daily-${label}`, size);
  const built = await step(world, ours, realize('bench', everyone), { bulk: BULK });
  const builtExtract = EXTRACT_KINDS.reduce((sum, kind) => sum + (built.byKind[kind] ?? 0), 0);
  // The same audience in a second sandbox, as a naive integration would have left it.
  const naive = await startInstance({ budget: UNLIMITED, client: { timeoutMs: 30_000 } });
  naive.sandbox.addList('naive', ours.listId);
  for (const part of chunks(everyone, 300)) await naive.client.addToList(ours.listId, (await naive.client.syncLeads({ input: part.map((email) => ({ email })) })).map((result) => (result.status === 'skipped' ? 0 : result.id)).filter((id) => id > 0));

  const newcomers = people(`daily-new-${label}`, size / 100);
  const leaving = everyone.slice(0, size / 100);
  const resent = everyone.slice(size / 100, size / 100 + size / 20).map((email): Activation => ({ audienceId: 'bench', email, presence: 'in', attributes: { firstName: 'Changed' } }));
  const day: Activation[] = [...realize('bench', newcomers), ...exit('bench', leaving), ...resent];
  progress(`daily scenario at ${label}: ours`);
  const oursDay = await step(world, ours, day);
  progress(`daily scenario at ${label}: naive per-delivery REST`);
  const before = restCalls(naive.sandbox);
  const started = performance.now();
  await naivePeer(naive, ours.listId, day);
  const naiveMs = performance.now() - started;
  const naiveCalls = diffCalls(before, restCalls(naive.sandbox));
  await Promise.all([ours.instance.sandbox.stop(), naive.sandbox.stop()]);
  const line = (who: string, calls: number, ms: number, byKind: Record<string, number>): BenchRow => ({
    group: GROUP,
    name: `daily at ${label} (1 % new, 1 % exits, 5 % re-sends): ${who}`,
    value: calls,
    unit: 'calls',
    bound: naiveCalls.total,
    kind: 'max',
    note: `${((calls / DAILY_QUOTA) * 100).toFixed(2)} % of a 50,000 quota; ${Math.round(calls / OUR_RATE)} s at 50 calls / 20 s; ${Math.round(ms)} ms against an unlimited sandbox; ${JSON.stringify(byKind)}`,
  });
  const build: BenchRow = {
    group: GROUP,
    name: `daily at ${label}: the audience built the day before by bulk (import + ${builtExtract} lead extract calls; bound: REST)`,
    value: built.calls,
    unit: 'calls',
    bound: 2 * Math.ceil(size / 300),
    kind: 'max',
    note: `${JSON.stringify(built.byKind)}; with the lead IDs learnt, the day's exits cost their removals only`,
  };
  return [build, line('ours', oursDay.calls, oursDay.runMs, oursDay.byKind), line('naive per-delivery REST (the bound)', naiveCalls.total, naiveMs, naiveCalls.byKind)];
}

/**
 * A naive integration: every delivery of up to 1,000 records is pushed as it
 * comes, upsert plus add for every person in it (new or not), lookup plus
 * removal for every exit, with nothing remembered between deliveries.
 */
async function naivePeer(instance: Instance, listId: number, activations: readonly Activation[]): Promise<void> {
  const client: MarketoClient = instance.client;
  for (const delivery of chunks(activations, DELIVERY)) {
    for (const part of chunks(delivery.filter((a) => a.presence === 'in'), 300)) {
      const results = await client.syncLeads({ input: part.map((a) => ({ email: a.email, ...(a.attributes ?? {}) })) });
      await client.addToList(listId, results.flatMap((result) => (result.status === 'skipped' ? [] : [result.id])));
    }
    for (const part of chunks(delivery.filter((a) => a.presence === 'out'), 300)) {
      const leads = await client.findLeadsByEmail(part.map((a) => a.email));
      if (leads.length > 0) await client.removeFromList(listId, leads.map((lead) => lead.id));
    }
  }
}

/**
 * Counts DynamoDB writes per partition key: the table's `pk` and, for writes
 * that set or remove an item's queue keys, the `gsi1` partition too (an index
 * partition has the same per-partition ceiling and throttles the table).
 */
class KeyCounter {
  /** Table writes (index writes are counted per key, apart). */
  total = 0;
  /** Of those, writes to a person's own items (the keys sharded by email, `#S<n>`), and to items many people share. */
  personal = 0;
  shared = 0;
  private readonly byKey = new Map<string, number>();

  wrap(store: Store): Store {
    const count = (pk: string, touchesQueue: string | undefined) => {
      this.add(pk);
      if (touchesQueue) this.add(touchesQueue);
    };
    // The index key a write touches: the gsi1pk it sets, or (REMOVE, or a value hidden in the expression) the queue shard of that
    // membership, which is the shard of its own key (one person is in the same shard everywhere).
    const queueOf = (set: { expression: string; values?: Record<string, unknown> } | undefined, item?: Record<string, unknown>, pk?: string) => {
      if (typeof item?.gsi1pk === 'string') return `gsi1:${item.gsi1pk}`;
      if (!set?.expression.includes('gsi1pk')) return undefined;
      const value = Object.values(set.values ?? {}).find((candidate) => typeof candidate === 'string' && /^(PUSH|FAILED|SKIPPED)#/.test(candidate));
      if (typeof value === 'string') return `gsi1:${value}`;
      return `gsi1:PUSH#<instance>${/#S\d+$/.exec(pk ?? '')?.[0] ?? ''}`;
    };
    const counter = this;
    return new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        switch (property) {
          case 'put':
            return (item: Record<string, unknown> & { pk: string }, ...rest: unknown[]) => (count(item.pk, queueOf(undefined, item)), method.apply(target, [item, ...rest]));
          case 'update':
            return (key: { pk: string }, set: { expression: string; values?: Record<string, unknown> }, ...rest: unknown[]) => (count(key.pk, queueOf(set, undefined, key.pk)), method.apply(target, [key, set, ...rest]));
          case 'delete':
            return (key: { pk: string }, ...rest: unknown[]) => (count(key.pk, undefined), method.apply(target, [key, ...rest]));
          case 'putMany':
            return (items: Array<Record<string, unknown> & { pk: string }>) => {
              for (const item of items) count(item.pk, queueOf(undefined, item));
              return method.apply(target, [items]);
            };
          case 'transact':
            return (ops: TransactOp[]) => {
              for (const op of ops) {
                if ('put' in op) count(op.put.pk, queueOf(undefined, op.put));
                else if ('update' in op) count(op.update.pk, queueOf(op.set, undefined, op.update.pk));
                else if ('delete' in op) count(op.delete.pk, undefined);
              }
              return method.apply(target, [ops]);
            };
          case 'fenced':
            return (...args: unknown[]) => counter.wrap(method.apply(target, args) as Store);
          default:
            return method.bind(target);
        }
      },
    });
  }

  busiest(): { key: string; writes: number } {
    const [key, writes] = [...this.byKey].sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
    return { key: key.replace(/[0-9A-Z]{3}-[A-Z]{3}-\d{3}/, '<instance>').replace(/DEST#[^#]+#AUD#[^#]+/, 'DEST#<d>#AUD#<a>'), writes };
  }

  /** The busiest keys and their writes, for the notes. */
  top(n: number): Record<string, number> {
    return Object.fromEntries([...this.byKey].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, writes]) => [key.replace(/[0-9A-Z]{3}-[A-Z]{3}-\d{3}/, '<instance>').replace(/DEST#[^#]+#AUD#\w+/, 'DEST#<d>#AUD#<a>'), writes]));
  }

  /** Writes per kind of key (the part before the first #), for the notes. */
  byPrefix(): Record<string, number> {
    const kinds: Record<string, number> = {};
    for (const [key, writes] of this.byKey) {
      const kind = key.split('#')[0] ?? key;
      kinds[kind] = (kinds[kind] ?? 0) + writes;
    }
    return kinds;
  }

  private add(key: string): void {
    if (!key.startsWith('gsi1:')) {
      this.total += 1;
      if (/#S\d+$/.test(key)) this.personal += 1;
      else this.shared += 1;
    }
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
  }
}

function round(value: number, digits = 2): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchPushCloneScale();
  console.log(`\n${formatTable(rows)}\n`);
  for (const row of rows) if (row.note) console.log(`${row.name}: ${row.note}`);
  process.exit(0);
}
