import { demo } from '#local/demo-identities.ts';
import { createMarketoSandbox, type MarketoSandbox, type MarketoSandboxOptions } from '#local/sandboxes/marketo/index.ts';
import { CallBudget, type CallBudgetOptions } from '#shared/marketo/call-budget.ts';
import { MarketoClient, type MarketoClientOptions } from '#shared/marketo/client.ts';
import { MarketoTokenCache } from '#shared/marketo/token-provider.ts';

/** A started sandbox; stop it in afterAll. */
export async function startedSandbox(options: MarketoSandboxOptions = {}): Promise<MarketoSandbox> {
  const sandbox = createMarketoSandbox(options);
  await sandbox.start(0);
  return sandbox;
}

/**
 * A client of `sandbox` with its own budget and token cache (tests must not
 * share process-wide state), fast backoff, and the demo credentials.
 */
export function clientFor(
  sandbox: MarketoSandbox,
  overrides: Partial<MarketoClientOptions> & { budgetOptions?: Partial<CallBudgetOptions> } = {},
): MarketoClient {
  const { budgetOptions, ...clientOverrides } = overrides;
  const budget = new CallBudget({ callsPerWindow: 50, windowMs: 20_000, maxConcurrent: 5, ...budgetOptions });
  return new MarketoClient({
    munchkinId: demo.marketo.munchkinId,
    restBaseUrl: sandbox.baseUrl,
    identityBaseUrl: sandbox.identityUrl,
    credentials: async () => ({ clientId: demo.marketo.clientId, clientSecret: demo.marketo.clientSecret }),
    budget,
    timeoutMs: 2_000,
    maxRetries: 4,
    backoffBaseMs: 5,
    backoffCapMs: 50,
    tokenCache: new MarketoTokenCache(),
    ...clientOverrides,
  });
}

export function emails(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}.${index}@example.com`);
}
