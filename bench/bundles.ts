import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { functions } from '#functions/catalog.ts';
import { repoRoot } from '#local/runtime.ts';
import { progress, type BenchRow } from './report';

/**
 * Each Lambda bundle built as the CDK stack builds it (esbuild, ESM, minified,
 * AWS SDK left to the runtime), its size, and its module init time in a fresh
 * Node process (median of 5). A function whose entry is a `lazyHandler`
 * loads its code at the first invocation: for those the first invocation
 * (with an event it refuses, so no AWS call is made) is timed too, so what
 * moved out of init is shown where it went.
 */
export async function benchBundles(): Promise<BenchRow[]> {
  const outDir = join(repoRoot, '.bench', 'bundles');
  mkdirSync(outDir, { recursive: true });
  const rows: BenchRow[] = [];
  for (const fn of functions) {
    progress(`bundling ${fn.name}`);
    const outfile = join(outDir, `${fn.name}.mjs`);
    await build({
      entryPoints: [join(repoRoot, fn.entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire as topLevelCreateRequire } from 'module'; const require = topLevelCreateRequire(import.meta.url);" },
      logLevel: 'silent',
    });
    const kb = statSync(outfile).size / 1024;
    rows.push({ group: 'bundle', name: `${fn.name} size`, value: Math.round(kb), unit: 'KB', bound: 1024, kind: 'max', note: 'aim 500 KB' });
    const lazy = readFileSync(join(repoRoot, fn.entry), 'utf8').includes('lazyHandler(');
    const samples = Array.from({ length: 5 }, () => coldStart(outfile, lazy));
    const median = (values: number[]) => values.sort((a, b) => a - b)[2] ?? 0;
    const firstCall = lazy ? `; the first invocation then loads the function's code: ${Math.round(median(samples.map((sample) => sample.firstCallMs)))} ms (an event it refuses)` : '';
    rows.push({ group: 'bundle', name: `${fn.name} module init`, value: Math.round(median(samples.map((sample) => sample.initMs))), unit: 'ms', bound: 150, kind: 'max', note: `median of ${samples.length} fresh processes${firstCall}` });
  }
  return rows;
}

/** Module init in a fresh process and, for a lazy entry, its first invocation with `{}` (refused before any AWS call). */
function coldStart(file: string, lazy: boolean): { initMs: number; firstCallMs: number } {
  const context = '{ functionName: "bench", awsRequestId: "bench", getRemainingTimeInMillis: () => 1000 }';
  const script = [
    `const t = performance.now(); const module = await import(${JSON.stringify(file)}); const initMs = performance.now() - t;`,
    lazy ? `const c = performance.now(); await module.handler({}, ${context}).catch(() => undefined); const firstCallMs = performance.now() - c;` : 'const firstCallMs = 0;',
    // After anything the handler itself printed (a refused request may log a line).
    "process.stdout.write('\\nCOLD_START ' + JSON.stringify({ initMs, firstCallMs }));",
  ].join('\n');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'SILENT' },
    encoding: 'utf8',
  });
  return JSON.parse(out.slice(out.lastIndexOf('COLD_START ') + 'COLD_START '.length)) as { initMs: number; firstCallMs: number };
}
