import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demo } from '#local/demo-identities.ts';
import { createCampaignSandbox, type CampaignSandbox } from '#local/sandboxes/campaign/index.ts';
import { createImsSandbox, type ImsSandbox } from '#local/sandboxes/ims/index.ts';
import { createUmapiSandbox, demoProfiles, type UmapiSandbox, type UmapiSandboxOptions } from '#local/sandboxes/umapi/index.ts';
import { ManualClock } from '#shared/clock.ts';
import { FileSecretStore } from '#shared/secrets/index.ts';
import type { Store } from '#shared/store/index.ts';
import { AccountImsClients } from '#functions/campaign/core/account-ims.ts';
import { saveAccount, saveOperatorGroups, type AccountInput } from '#functions/campaign/core/accounts.ts';
import { ImsCampaignConnector } from '#functions/campaign/core/campaign-connector.ts';
import { StoreOutboxPublisher } from '#functions/campaign/core/publisher.ts';
import { runSync, type SyncPorts } from '#functions/campaign/core/sync.ts';
import { ImsUmapiConnector } from '#functions/campaign/core/umapi-connector.ts';
import { freshStore } from '#test/support/dynamo.ts';

export const ACCOUNT = 'acme-mkt-prod1';
export const MASK = 'Campaign - demo_tenant - (.*)';
export { demoProfiles };

/** The external account as an admin types it for the demo org (the sandbox's server-to-server credential). */
export function accountInput(imsServer: string, overrides: Partial<AccountInput> = {}): AccountInput {
  return {
    imsServer,
    clientId: demo.serverToServerClient.clientId,
    clientSecret: demo.serverToServerClient.clientSecret,
    callbackServer: 'https://acme-mkt-prod1.campaign.adobe.com',
    imsOrgId: demo.org.id,
    associationMask: MASK,
    caseInsensitive: false,
    tenant: 'demo_tenant',
    removalCapPerRun: 50,
    ...overrides,
  };
}

export interface CampaignWorld {
  clock: ManualClock;
  ims: ImsSandbox;
  umapi: UmapiSandbox;
  /** The account's Campaign instance (its callback server). */
  campaign: CampaignSandbox;
  imsUrl: string;
  /** One store per "deployment"; `ports(store)` gives that deployment's sync ports. */
  store: Store;
  ports(store?: Store): SyncPorts & { publisher: StoreOutboxPublisher };
  /** Registers the account and its operator groups in a store. */
  setUp(options?: { store?: Store; operatorGroups?: string[]; account?: Partial<AccountInput> }): Promise<void>;
  sync(options?: { dryRun?: boolean; store?: Store; remainingTimeMs?: number }): ReturnType<typeof runSync>;
  /** UMAPI calls answered so far (faults included). */
  umapiCalls(): number;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local, the IMS and UMAPI sandboxes on loopback sharing one manual
 * clock (a long Retry-After is waited out by moving it), and the sync's real
 * ports pointed at them. Sleeps requested by the call budget move the clock.
 */
export async function startCampaignWorld(label: string, umapiOptions: Omit<UmapiSandboxOptions, 'validateToken' | 'clock'> = {}): Promise<CampaignWorld> {
  const clock = new ManualClock();
  const ims = createImsSandbox({ now: () => clock.now() });
  const umapi = createUmapiSandbox({ validateToken: (token) => ims.introspect(token), clock, ...umapiOptions });
  const campaign = createCampaignSandbox({ validateToken: (token) => ims.introspect(token), clock });
  const [imsUrl] = await Promise.all([ims.server.start(), umapi.server.start(), campaign.server.start()]);
  const secrets = new FileSecretStore(join(mkdtempSync(join(tmpdir(), `orgbridge-${label}-`)), 'secrets.json'));
  const accountIms = new AccountImsClients({ secrets, imsTimeoutMs: 2_000, outbound: { STAGE: 'local' }, now: () => clock.now() });
  const connector = new ImsUmapiConnector({ umapiBaseUrl: umapi.apiBaseUrl(), ims: accountIms, outbound: { STAGE: 'local' }, now: () => clock.now(), sleep: async (ms) => clock.advance(ms) });
  const campaignConnector = new ImsCampaignConnector({ ims: accountIms, outbound: { STAGE: 'local' }, timeoutMs: 2_000, sleep: async () => undefined });
  const store = await freshStore(label);
  const publishers = new Map<Store, StoreOutboxPublisher>();
  const ports = (target: Store = store) => {
    let publisher = publishers.get(target);
    if (!publisher) {
      publisher = new StoreOutboxPublisher(target, () => clock.now());
      publishers.set(target, publisher);
    }
    return { store: target, clock, umapi: connector, campaign: campaignConnector, publisher };
  };
  return {
    clock,
    ims,
    umapi,
    campaign,
    imsUrl,
    store,
    ports,
    setUp: async (options = {}) => {
      const target = options.store ?? store;
      await saveAccount({ config: { STAGE: 'local' }, store: target, secrets, clock }, ACCOUNT, accountInput(imsUrl, { callbackServer: campaign.url(), ...options.account }), 'test-admin');
      await saveOperatorGroups(target, ACCOUNT, options.operatorGroups ?? ['analyst', 'admin']);
    },
    sync: (options = {}) => runSync(ports(options.store), ACCOUNT, { dryRun: options.dryRun ?? false, remainingTimeMs: options.remainingTimeMs ?? 600_000 }),
    umapiCalls: () => umapi.stats().calls,
    stop: async () => {
      await Promise.all([ims.server.stop(), umapi.server.stop(), campaign.server.stop()]);
    },
  };
}

/** A change set without what differs between two runs of the same sync (IDs and times). */
export function comparable<T extends { changeSetId: string; startedAt: string; completedAt: string }>(changeSet: T) {
  const { changeSetId: _id, startedAt: _started, completedAt: _completed, ...rest } = changeSet;
  return rest;
}
