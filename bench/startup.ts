import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '#local/dynamodb-local.ts';
import { progress, type BenchRow } from './report';

/**
 * docs/targets.md: "`npm start` ready < 15 s". Starts the real entry point (file-backed
 * DynamoDB Local, every sandbox, the gateway) in a fresh state directory and
 * times it until /health answers, three times; reports the slowest.
 */
export async function benchStartup(): Promise<BenchRow[]> {
  const samples: number[] = [];
  for (let run = 1; run <= 3; run += 1) {
    progress(`npm start: run ${run}/3`);
    samples.push(await timeToHealthy());
  }
  return [{ group: 'local', name: 'npm start ready (slowest of 3, fresh state)', value: Number((Math.max(...samples) / 1000).toFixed(1)), unit: 's', bound: 15, kind: 'max' }];
}

async function timeToHealthy(): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: { ...process.env, PORT: String(port), ORGBRIDGE_STATE_DIR: mkdtempSync(join(tmpdir(), 'bench-start-')), ORGBRIDGE_SANDBOX_PORTS: 'any', LOG_LEVEL: 'SILENT' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      if (performance.now() - started > 60_000) throw new Error('npm start was not ready within 60 s');
      const healthy = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      if (healthy) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  }
}
