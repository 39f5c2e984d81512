import type { LocalRuntime } from './runtime';

/** What `npm start` prints once everything answers: where things are and what to try. */
export function printWalkthrough(runtime: LocalRuntime, startMs: number): void {
  const lines = [
    '',
    `orgbridge is running locally (ready in ${(startMs / 1000).toFixed(1)} s)`,
    '',
    `  gateway      ${runtime.url}       (try: curl ${runtime.url}/health)`,
    `  DynamoDB     ${String(runtime.endpoints.dynamodb)}  (data under .local/dynamodb)`,
    ...Object.entries(runtime.sandboxes).map(([name, s]) => `  ${name.padEnd(12)} ${s.url}`),
    '',
    '  Everything above, the demo identities and the development admin token are in .local/endpoints.json.',
    `  Admin token:  export TOKEN=$(node -p "require('./.local/endpoints.json').adminToken")`,
    ...walkthroughSteps(runtime),
    '',
    'Ctrl-C stops everything; data stays in .local/ for the next start.',
  ];
  console.log(lines.join('\n'));
}

/** Steps contributed by the capabilities that are present. */
const steps: Array<(runtime: LocalRuntime) => string[]> = [];

export function addWalkthroughSteps(step: (runtime: LocalRuntime) => string[]): void {
  steps.push(step);
}

function walkthroughSteps(runtime: LocalRuntime): string[] {
  return steps.flatMap((step) => ['', ...step(runtime)]);
}
