import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '#local/runtime.ts';
import { benchBundles } from './bundles';
import { benchStartup } from './startup';
import { benchCampaign } from './campaign';
import { benchPushClone } from './push-clone';
import { benchPushCloneMemory } from './push-clone-memory';
import { benchPushCloneScale } from './push-clone-scale';
import { benchWebhook } from './webhook';
import { benchChaos } from './chaos';
import { formatTable, meets, ratio, type BenchRow } from './report';

/**
 * `npm run bench`: every figure of docs/targets.md that this build can measure,
 * next to its bound, as a table and as JSON (bench/results/latest.json).
 * Times are ratios within one run on this machine, not absolute promises.
 */
const suites: Array<{ name: string; run: () => Promise<BenchRow[]> }> = [
  { name: 'webhook', run: benchWebhook },
  { name: 'push-clone', run: benchPushClone },
  { name: 'memory', run: benchPushCloneMemory },
  { name: 'scale', run: benchPushCloneScale },
  { name: 'campaign', run: benchCampaign },
  { name: 'bundles', run: benchBundles },
  { name: 'startup', run: benchStartup },
  { name: 'chaos', run: benchChaos },
];

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const suite of suites) {
  if (only.length && !only.includes(suite.name)) continue;
  process.stderr.write(`bench: ${suite.name}\n`);
  rows.push(...(await suite.run()));
}
console.log(`\n${formatTable(rows)}\n`);
const failing = rows.filter((row) => !meets(row));
console.log(failing.length ? `${failing.length} figure(s) outside their bound.` : 'Every figure is within its bound.');
const outDir = join(repoRoot, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'latest.json'),
  JSON.stringify({ at: new Date().toISOString(), node: process.version, rows: rows.map((row) => ({ ...row, ratio: ratio(row), ok: meets(row) })) }, null, 2),
);
process.exit(0);
