import './quiet-sdk-warning';
import { JavaMissingError } from './dynamodb-local';
import { startLocalRuntime } from './runtime';
import { printWalkthrough } from './walkthrough';

const port = Number(process.env.PORT ?? 3000);
const inMemory = process.argv.includes('--in-memory') || process.env.ORGBRIDGE_IN_MEMORY === '1';
// Readable log lines by default; `npm start -- --json-logs` prints the JSON lines Lambda writes.
process.env.LOG_FORMAT = process.argv.includes('--json-logs') ? 'json' : (process.env.LOG_FORMAT ?? 'pretty');
const startedAt = Date.now();

// A failure nobody awaited (a scheduled run, a fan-out) is logged; it must not end every other part of the local run.
process.on('unhandledRejection', (reason) => {
  console.error(`unhandled failure (orgbridge keeps running): ${reason instanceof Error ? reason.message : String(reason)}`);
});

try {
  const stateDir = process.env.ORGBRIDGE_STATE_DIR ?? '.local';
  console.log(`orgbridge: starting locally${inMemory ? ' (in memory)' : ''}...`);
  // ORGBRIDGE_SANDBOX_PORTS=any starts the sandboxes on free ports (several runs side by side).
  const runtime = await startLocalRuntime({
    port,
    stateDir,
    inMemory,
    anySandboxPort: process.env.ORGBRIDGE_SANDBOX_PORTS === 'any',
    onStep: (message) => console.log(`  - ${message}`),
  });
  printWalkthrough(runtime, Date.now() - startedAt);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping orgbridge (gateway, scheduler, sandboxes, DynamoDB Local)...`);
    await runtime.stop();
    console.log(inMemory ? 'Stopped.' : `Stopped. Data is kept under ${stateDir}/ for the next start.`);
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
} catch (error) {
  if (error instanceof JavaMissingError) console.error(error.message);
  else console.error(`orgbridge could not start: ${(error as Error).message}`);
  process.exit(1);
}
