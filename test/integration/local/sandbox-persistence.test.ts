import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxServer } from '#local/sandboxes/framework.ts';
import { createMarketoSandbox, DEMO_LEAD_COUNT, type MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { createCampaignSandbox } from '#local/sandboxes/campaign/index.ts';
import { SoapCampaignDirectory } from '#functions/campaign/core/campaign-connector.ts';
import { CampaignClient } from '#shared/campaign/index.ts';
import { demo } from '#local/demo-identities.ts';
import { CallBudget, MarketoClient, MarketoTokenCache } from '#shared/marketo/index.ts';

describe('sandbox state kept across restarts', () => {
  const stops: Array<() => Promise<void>> = [];

  /** A Marketo sandbox on its state file, and a client of the demo instance pointed at it. */
  const startMarketo = async (file: string) => {
    const sandbox: MarketoSandbox = createMarketoSandbox({ stateFile: file });
    await sandbox.start(0);
    stops.push(() => sandbox.stop());
    const client = new MarketoClient({
      munchkinId: demo.marketo.munchkinId,
      restBaseUrl: sandbox.baseUrl,
      identityBaseUrl: sandbox.identityUrl,
      credentials: async () => ({ clientId: demo.marketo.clientId, clientSecret: demo.marketo.clientSecret }),
      budget: new CallBudget({ callsPerWindow: 100, windowMs: 1000, maxConcurrent: 5 }),
      timeoutMs: 10_000,
      tokenCache: new MarketoTokenCache(),
    });
    return { sandbox, client };
  };
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  it('the framework restores a saved state at start and saves after every call but GET, before answering', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orgbridge-sandbox-state-')), 'counter.json');
    const start = async () => {
      const state = { count: 0 };
      const server = new SandboxServer('counter');
      const restored = server.persistTo(file, { snapshot: () => state, restore: (saved) => Object.assign(state, saved) });
      server.route('POST', '/increment', () => ({ status: 200, body: { count: ++state.count } }));
      server.route('GET', '/count', () => ({ status: 200, body: { count: state.count } }));
      const url = await server.start();
      stops.push(() => server.stop());
      return { url, restored, state };
    };
    const first = await start();
    expect(first.restored).toBe(false);
    expect(existsSync(file)).toBe(false);
    await fetch(`${first.url}/increment`, { method: 'POST' });
    await fetch(`${first.url}/increment`, { method: 'POST' });
    // Saved before the answer left: the file already says what the caller was told.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ count: 2 });
    first.state.count = 99; // an unsaved change made in-process, as if the process died before saving it
    const second = await start();
    expect(second.restored).toBe(true);
    expect(await (await fetch(`${second.url}/count`)).json()).toEqual({ count: 2 });
  });

  it('the Marketo sandbox carries people and list members over to the next start, and replaces its seed with them', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orgbridge-marketo-state-')), 'marketo.json');
    const start = () => startMarketo(file);
    const first = await start();
    expect(first.sandbox.leads()).toHaveLength(DEMO_LEAD_COUNT);
    const synced = await first.client.syncLeads({ action: 'createOrUpdate', lookupField: 'email', input: [{ email: 'kept.person@example.com', firstName: 'Kept' }] });
    const leadId = synced[0]?.id as number;
    await first.client.addToList(demo.marketo.emptyListId, [leadId]);
    await first.sandbox.stop();

    const second = await start();
    expect(second.sandbox.leads()).toHaveLength(DEMO_LEAD_COUNT + 1);
    expect(second.sandbox.listMemberIds(demo.marketo.emptyListId)).toEqual([leadId]);
    // The next person gets a new ID, never one of the first run's.
    const next = await second.client.syncLeads({ action: 'createOrUpdate', lookupField: 'email', input: [{ email: 'next.person@example.com' }] });
    expect(next[0]?.id).toBe(leadId + 1);
    expect(second.sandbox.leadsByEmail('KEPT.person@example.com').map((lead) => lead.id)).toEqual([leadId]);
  });

  it('the Marketo sandbox keeps the lead partitions and lead fields added or removed at runtime, so setup checks answer the same after a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orgbridge-marketo-schema-')), 'marketo.json');
    const start = () => startMarketo(file);
    const restFields = async (client: MarketoClient) => (await client.describeLeads()).map((field) => field.name);
    const first = await start();
    expect((await first.client.leadPartitions()).map((partition) => partition.name)).toEqual(['Default']);
    first.sandbox.addPartition('Europe', 'People created from EU audiences');
    first.sandbox.addField('favouriteColour');
    first.sandbox.removeField('title');
    const partitionsBefore = await first.client.leadPartitions();
    const fieldsBefore = await restFields(first.client);
    expect(partitionsBefore.map((partition) => partition.name)).toEqual(['Default', 'Europe']);
    expect(fieldsBefore).toContain('favouriteColour');
    expect(fieldsBefore).not.toContain('title');
    await first.sandbox.stop();

    const second = await start();
    // Exactly as before the restart: the partition and its ID, the new field, and the removed one still gone (not put back by the defaults).
    expect(await second.client.leadPartitions()).toEqual(partitionsBefore);
    expect(await restFields(second.client)).toEqual(fieldsBefore);
    const refused = await second.client.syncLeads({ action: 'createOrUpdate', lookupField: 'email', input: [{ email: 'titled@example.com', title: 'CTO' }] });
    expect(refused[0]).toMatchObject({ status: 'skipped', reasons: [expect.objectContaining({ code: '1006' })] });
  });

  it('the Campaign sandbox keeps the operator group links a sync wrote (and its operators and groups) across a restart; logon sessions end with it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orgbridge-campaign-state-')), 'campaign.json');
    const TOKEN = 'technical-account-token';
    const start = async () => {
      const sandbox = createCampaignSandbox({ validateToken: (token) => (token === TOKEN ? { clientId: demo.serverToServerClient.clientId } : undefined), stateFile: file });
      await sandbox.server.start(0);
      stops.push(() => sandbox.server.stop());
      const directory = new SoapCampaignDirectory(new CampaignClient({ baseUrl: sandbox.url(), token: async () => TOKEN }));
      return { sandbox, directory };
    };
    const first = await start();
    expect(first.sandbox.instance.membersOf('analyst')).toEqual([]);
    const groups = await first.directory.groupIds(['analyst']);
    const operators = await first.directory.operatorIds(['ana.lyst@example.com']);
    const link = { operatorId: operators.get('ana.lyst@example.com')!, groupId: groups.get('analyst')! };
    await first.directory.write({ add: [link], remove: [] });
    expect(first.sandbox.instance.membersOf('analyst')).toEqual(['ana.lyst@example.com']);
    const sessionsBefore = first.sandbox.instance.sessions.size;
    expect(sessionsBefore).toBeGreaterThan(0);
    await first.sandbox.server.stop();

    const second = await start();
    // The link is there (orgbridge's table and Campaign still agree), with the same IDs; the seed did not run over it.
    expect(second.sandbox.instance.membersOf('analyst')).toEqual(['ana.lyst@example.com']);
    expect(second.sandbox.instance.snapshot()).toEqual(first.sandbox.instance.snapshot());
    expect(second.sandbox.instance.sessions.size).toBe(0);
    expect(await second.directory.linksOf([link.groupId])).toEqual(new Set([`${link.operatorId}:${link.groupId}`]));
  });
});
