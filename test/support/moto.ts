import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from '#local/dynamodb-local.ts';

/**
 * moto_server: the Python AWS emulator, for AWS services that have no local
 * form of their own (Secrets Manager, EventBridge, SQS, Lambda). A test file
 * that needs one starts its own on a free loopback port and stops it after.
 * Real AWS wire protocol, real SDK clients: no hand-written mocks.
 */
export interface Moto {
  endpoint: string;
  /** Forgets every resource, as a fresh server would. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export class MotoMissingError extends Error {
  constructor() {
    super('moto_server (the Python AWS emulator) was not found on PATH. Install it with: pip install "moto[server]"');
    this.name = 'MotoMissingError';
  }
}

export function motoAvailable(): boolean {
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

export async function startMoto(): Promise<Moto> {
  if (!motoAvailable()) throw new MotoMissingError();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
