import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { functions } from '#functions/catalog.ts';
import { repoRoot } from '#local/runtime.ts';
import { progress, type BenchRow } from './report';

/**
 * Each Lambda bundle built as the CDK stack builds it (esbuild, ESM, minified,
 * AWS SDK left to the runtime), its size, and its module init time in a fresh
 * Node process (median of 5).
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
    const samples = Array.from({ length: 5 }, () => initMs(outfile)).sort((a, b) => a - b);
    rows.push({ group: 'bundle', name: `${fn.name} module init`, value: Math.round(samples[2] ?? 0), unit: 'ms', bound: 150, kind: 'max' });
  }
  return rows;
}

function initMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'SILENT' },
    encoding: 'utf8',
  });
  return Number(out);
}
