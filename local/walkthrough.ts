import { demo } from './demo-identities';
import { DEV_TOKEN_LIFETIME, type LocalRuntime } from './runtime';

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
    `  It lasts ${DEV_TOKEN_LIFETIME}; mint another: npm run -s admin-token -- --local --email ${demo.marketo.adminEmail} --instances '*' --permissions org-mapping,marketo-admin,push-clone-admin,campaign-admin`,
    '  Logs are one readable line each; npm start -- --json-logs prints the JSON lines Lambda writes.',
    ...walkthroughSteps(runtime),
    '',
    'Ctrl-C stops everything; data stays in .local/ for the next start.',
  ];
  console.log(lines.join('\n'));
}

function walkthroughSteps(runtime: LocalRuntime): string[] {
  const { munchkinId } = demo.marketo;
  const admin = demo.imsUsers.orgAdmin;
  return [
    '',
    'Try Adobe Organization Mapping in a browser (the demo instance is registered already):',
    `  1. open ${runtime.url}/admin/org-mapping/${munchkinId}#token=${runtime.adminToken}`,
    `  2. Edit, enter ${demo.org.id}, OK, then Confirm`,
    `  3. in the Adobe popup sign in as ${admin.email} / ${admin.password} (an org admin with the Marketo admin's email)`,
    `     or, to see each refusal reason: ${demo.imsUsers.member.email} / ${demo.imsUsers.member.password} (plain member),`,
    `     ${demo.imsUsers.otherOrgAdmin.email} / ${demo.imsUsers.otherOrgAdmin.password} (admin of another org),`,
    `     ${demo.imsUsers.unverified.email} / ${demo.imsUsers.unverified.password} (unverified email)`,
    `  4. the page shows the org mapped; Close.  API: curl -H "Authorization: Bearer $TOKEN" ${runtime.url}/org-mapping/${munchkinId}`,
    '',
    'Push an AEP audience into a Marketo static list, end to end (maps the org first if needed):',
    '  npm run demo:push            # 1,000 people; npm run demo:push -- 20000 for more',
    `  push-clone status: curl -H "Authorization: Bearer $TOKEN" ${runtime.url}/push-clone/destinations/demo-push`,
    `  fire the schedule now: curl -X POST ${runtime.url}/_local/schedules/push-clone-tick/run`,
    '',
    'The admin console (instances, destinations, people, Campaign accounts):',
    `  open ${runtime.url}/admin#token=${runtime.adminToken}`,
  ];
}
