import { demo } from '#local/demo-identities.ts';
import { createImsSandbox, type ImsSandbox } from '#local/sandboxes/ims/index.ts';
import { createUmapiSandbox, type UmapiSandbox, type UmapiSandboxOptions } from '#local/sandboxes/umapi/index.ts';
import { ManualClock } from '#shared/clock.ts';
import { ImsClient, USER_MANAGEMENT_SCOPES } from '#shared/ims/index.ts';
import { UmapiCallBudget, UmapiClient, type UmapiClientOptions } from '#shared/umapi/index.ts';

export interface UmapiWorld {
  clock: ManualClock;
  ims: ImsSandbox;
  umapi: UmapiSandbox;
  s2s: ImsClient;
  /** Every sleep a client asked for, in ms; sleeping moves the test clock instead of waiting. */
  sleeps: number[];
  /** One call budget for our one credential, shared by every client made here. */
  budget: UmapiCallBudget;
  client(overrides?: Partial<UmapiClientOptions>): UmapiClient;
  stop(): Promise<void>;
}

/** IMS and UMAPI sandboxes on loopback sharing one test clock; UMAPI validates tokens through IMS. */
export async function startUmapi(options: Omit<UmapiSandboxOptions, 'validateToken' | 'clock'> = {}): Promise<UmapiWorld> {
  const clock = new ManualClock();
  const ims = createImsSandbox({ now: () => clock.now() });
  const umapi = createUmapiSandbox({ validateToken: (token) => ims.introspect(token), clock, ...options });
  const [imsUrl] = await Promise.all([ims.server.start(), umapi.server.start()]);
  const s2s = new ImsClient({ baseUrl: imsUrl, clientId: demo.serverToServerClient.clientId, clientSecret: async () => demo.serverToServerClient.clientSecret, timeoutMs: 2_000, now: () => clock.now() });
  const sleeps: number[] = [];
  const budget = new UmapiCallBudget(() => clock.now());
  return {
    clock,
    ims,
    umapi,
    s2s,
    sleeps,
    budget,
    client: (overrides = {}) =>
      new UmapiClient({
        baseUrl: umapi.apiBaseUrl(),
        orgId: demo.org.id,
        apiKey: demo.serverToServerClient.clientId,
        token: () => s2s.clientCredentialsToken(USER_MANAGEMENT_SCOPES),
        now: () => clock.now(),
        budget,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock.advance(ms);
        },
        ...overrides,
      }),
    stop: async () => {
      await Promise.all([ims.server.stop(), umapi.server.stop()]);
    },
  };
}

/** Collects every item of a pager. */
export async function collect<T>(pages: AsyncIterable<{ items: T[] }>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.items);
  return items;
}

/** A raw UMAPI GET, to look at exactly what the sandbox answers. */
export async function rawGet(world: UmapiWorld, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const token = await world.s2s.clientCredentialsToken(USER_MANAGEMENT_SCOPES);
  return fetch(`${world.umapi.apiBaseUrl()}${path}`, { headers: { authorization: `Bearer ${token}`, 'x-api-key': demo.serverToServerClient.clientId, ...headers } });
}
