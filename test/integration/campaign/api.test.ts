import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { createCampaignSandbox, type CampaignSandbox } from '#local/sandboxes/campaign/index.ts';
import { createImsSandbox, type ImsSandbox } from '#local/sandboxes/ims/index.ts';
import { createUmapiSandbox, type UmapiSandbox } from '#local/sandboxes/umapi/index.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import { readBoundSecret } from '#shared/secrets/index.ts';
import { apiEvent, captureOutput, lambdaContext } from '#test/support/http-events.ts';
import { adminToken, useLocalPorts } from '#test/support/local-ports.ts';
import { accountInput } from './world';

type Json = Record<string, any>;
type Handler = (event: ReturnType<typeof apiEvent>, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body?: string }>;

const ACCOUNT = 'acme-mkt-stage';
const SECRET = demo.serverToServerClient.clientSecret;

describe('Campaign admin API: /campaign/accounts/{account}', () => {
  let ports: Ports;
  let ims: ImsSandbox;
  let umapi: UmapiSandbox;
  let campaign: CampaignSandbox;
  let imsUrl: string;
  let api: Handler;
  let scheduled: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<{ synced: number }>;
  let token: string;

  beforeAll(async () => {
    ims = createImsSandbox();
    umapi = createUmapiSandbox({ validateToken: (value) => ims.introspect(value) });
    campaign = createCampaignSandbox({ validateToken: (value) => ims.introspect(value) });
    campaign.instance.addGroup({ name: 'deliverability' });
    [imsUrl] = await Promise.all([ims.server.start(), umapi.server.start(), campaign.server.start()]);
    ports = await useLocalPorts('campaign-api', { UMAPI_BASE_URL: umapi.apiBaseUrl(), LOG_LEVEL: 'INFO' });
    process.env.LOG_LEVEL = 'INFO'; // the handlers' loggers read it when their modules load
    ({ handler: api } = (await import('#functions/campaign/handler-api.ts')) as unknown as { handler: Handler });
    ({ handler: scheduled } = await import('#functions/campaign/handler-scheduled.ts'));
    token = await adminToken();
  });
  afterAll(async () => {
    await Promise.all([ims.server.stop(), umapi.server.stop(), campaign.server.stop()]);
  });

  const send = async (method: 'GET' | 'PUT' | 'POST', suffix: '' | '/operator-groups' | '/sync' | '/links', options: { body?: unknown; query?: string; bearer?: string; account?: string } = {}) => {
    const account = options.account ?? ACCOUNT;
    const response = await api(
      apiEvent({
        method,
        path: `/campaign/accounts/${account}${suffix}${options.query ?? ''}`,
        routeKey: `${method} /campaign/accounts/{account}${suffix}`,
        pathParameters: { account },
        headers: { authorization: `Bearer ${options.bearer ?? token}` },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      }),
      lambdaContext('campaign-api', 29),
    );
    return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Json, raw: response.body ?? '' };
  };

  it('creates the account, keeps the client secret in the secret store only, and never returns or logs it', async () => {
    const { result: created, output } = await captureOutput(() => send('PUT', '', { body: accountInput(imsUrl, { callbackServer: campaign.url() }) }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ account: ACCOUNT, clientSecretStored: true, removalCapPerRun: 50, caseInsensitive: false, imsOrgId: demo.org.id });
    expect(created.raw).not.toContain(SECRET);
    expect(output).not.toContain(SECRET);
    expect(await readBoundSecret(ports.secrets, `campaign/${ACCOUNT}/ims-client-secret`, [imsUrl])).toBe(SECRET);
    expect(JSON.stringify(await ports.store.get({ pk: 'CAMPAIGN_ACCOUNT', sk: ACCOUNT }))).not.toContain(SECRET);
    const read = await send('GET', '');
    expect(read.status).toBe(200);
    expect(read.raw).not.toContain(SECRET);
    const { clientSecret: _omitted, ...withoutSecret } = accountInput(imsUrl, { callbackServer: campaign.url() });
    expect((await send('PUT', '', { body: { ...withoutSecret, tenant: 'renamed' } })).status).toBe(200);
    expect(await send('PUT', '', { body: { ...withoutSecret, clientId: 'another-client' } })).toMatchObject({ status: 400, body: { error: { code: 'client_secret_required' } } });
    // Its tokens go to the callback server: re-pointing it needs the secret again.
    expect(await send('PUT', '', { body: { ...withoutSecret, callbackServer: 'https://elsewhere.example.com' } })).toMatchObject({ status: 400, body: { error: { code: 'client_secret_required' } } });
    expect(await send('PUT', '', { body: withoutSecret, account: 'brand-new' })).toMatchObject({ status: 400, body: { error: { code: 'client_secret_required' } } });
  });

  it.each([
    ['a callback server over http', { callbackServer: 'http://acme.campaign.adobe.com' }, 'validation_failed'],
    ['an IMS server over http', { imsServer: 'http://ims.example.com' }, 'validation_failed'],
    ['a non-canonical IMS org ID', { imsOrgId: 'not-an-org' }, 'validation_failed'],
    ['a mask with no capturing group', { associationMask: 'Campaign - demo_tenant - .*' }, 'invalid_association_mask'],
    ['a mask with two capturing groups', { associationMask: '(Campaign) - demo_tenant - (.*)' }, 'invalid_association_mask'],
    ['a mask with a backreference', { associationMask: 'Campaign - (\\w+) - \\1' }, 'invalid_association_mask'],
    ['a mask with a lookahead', { associationMask: 'Campaign - (?=x)(.*)' }, 'invalid_association_mask'],
    ['a mask that does not compile', { associationMask: 'Campaign - [(.*)' }, 'invalid_association_mask'],
  ])('refuses %s with a 400 that says what is wrong', async (_what, override, code) => {
    const response = await send('PUT', '', { body: { ...accountInput(imsUrl), ...override }, account: 'refused' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
    expect(response.raw).not.toContain(SECRET);
    expect(await ports.store.get({ pk: 'CAMPAIGN_ACCOUNT', sk: 'refused' })).toBeUndefined();
  });

  it('needs the campaign-admin permission', async () => {
    const other = await adminToken({ permissions: ['marketo-admin'] });
    expect((await send('GET', '', { bearer: other })).status).toBe(403);
    expect((await send('GET', '', { bearer: 'nope' })).status).toBe(401);
  });

  it('replaces the operator groups, syncs dry and for real, and shows the links and change sets', async () => {
    expect((await send('PUT', '/operator-groups', { body: { operatorGroups: ['analyst', 'not a name'] } })).status).toBe(400);
    expect(await send('PUT', '/operator-groups', { body: { operatorGroups: ['analyst', 'deliverability'] }, account: 'missing' })).toMatchObject({ status: 404 });
    const groups = await send('PUT', '/operator-groups', { body: { operatorGroups: ['deliverability', 'analyst', 'analyst'] } });
    expect(groups).toMatchObject({ status: 200, body: { operatorGroups: ['analyst', 'deliverability'] } });

    const dry = await send('POST', '/sync', { query: '?dryRun=true' });
    expect(dry).toMatchObject({ status: 200, body: { status: 'completed', changeSet: { outcome: 'dry_run' } } });
    expect((await send('GET', '/links')).body).toMatchObject({ links: [], lastChangeSets: [] });

    const { result: applied, output } = await captureOutput(() => send('POST', '/sync', { query: '?dryRun=false' }));
    expect(applied).toMatchObject({ status: 200, body: { status: 'completed', changeSet: { outcome: 'applied', unmatchedProfiles: [{ captured: 'admin' }] } } });
    expect(output).toContain('campaign sync finished');
    expect(output).not.toContain('ana.lyst@example.com');
    expect(output).not.toContain(SECRET);
    const links = await send('GET', '/links');
    // unverified.user@example.com has no operator in Campaign: reported, not linked.
    expect(links.body.links.map((link: Json) => [link.operatorGroup, link.userCount])).toEqual([['analyst', 2], ['deliverability', 2]]);
    expect(campaign.instance.membersOf('deliverability')).toEqual(['ana.lyst@example.com', 'dee.liver@example.com']);
    expect(links.body.lastChangeSets).toHaveLength(1);
    expect((await send('POST', '/sync', { query: '?dryRun=maybe' })).status).toBe(400);
  });

  it('runs due accounts from the scheduled event and refuses anything else', async () => {
    await expect(scheduled({ not: 'a schedule' }, lambdaContext('campaign-sync', 900))).rejects.toMatchObject({ code: 'invalid_event' });
    // The account synced above less than two hours ago: not due.
    const tick = await scheduled({ schedule: 'campaign-sync-tick' }, lambdaContext('campaign-sync', 900));
    expect(tick).toMatchObject({ synced: 0 });
  });
});
