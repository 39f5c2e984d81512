import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { createCampaignSandbox, demoCampaign, type CampaignSandbox } from '#local/sandboxes/campaign/index.ts';
import { createImsSandbox, type ImsSandbox } from '#local/sandboxes/ims/index.ts';
import { ImsClient } from '#shared/ims/index.ts';
import { CAMPAIGN_SCOPES } from '#shared/campaign/index.ts';

/**
 * Adobe's own Campaign client, @adobe/acc-js-sdk, against the sandbox: an
 * independent client nobody here wrote, so what it accepts is what Campaign
 * answers as far as the SDK can tell.
 */
const sdk = createRequire(import.meta.url)('@adobe/acc-js-sdk') as AccSdk;

interface AccParam {
  name: string;
  type: string;
  value?: unknown;
}
interface AccClient {
  logon(): Promise<void>;
  logoff(): Promise<void>;
  isLogged(): boolean;
  getSessionInfo(representation: 'xml'): { getElementsByTagName(name: string): ArrayLike<{ getAttribute(name: string): string | null }> };
  makeSoapCall(urn: string, method: string, isStatic: boolean, input: AccParam[], output: AccParam[], representation: 'xml'): Promise<unknown[]>;
}
interface AccElement {
  tagName: string;
  getAttribute(name: string): string | null;
  firstElementChild: AccElement | null;
  nextElementSibling: AccElement | null;
}
interface AccSdk {
  init(parameters: unknown): Promise<AccClient>;
  ConnectionParameters: { ofBearerToken(url: string, token: string, options?: Record<string, unknown>): unknown };
  DomUtil: { parse(xml: string): { documentElement: AccElement } };
}

function children(element: AccElement | null | undefined): AccElement[] {
  const found: AccElement[] = [];
  for (let child = element?.firstElementChild ?? null; child; child = child.nextElementSibling) found.push(child);
  return found;
}

describe('@adobe/acc-js-sdk against the Campaign sandbox', () => {
  let ims: ImsSandbox;
  let campaign: CampaignSandbox;
  let token: string;

  beforeAll(async () => {
    ims = createImsSandbox();
    await ims.server.start();
    campaign = createCampaignSandbox({ validateToken: (value) => ims.introspect(value) });
    await campaign.server.start();
    const client = new ImsClient({ baseUrl: ims.server.baseUrl, clientId: demo.serverToServerClient.clientId, clientSecret: async () => demo.serverToServerClient.clientSecret, timeoutMs: 5_000 });
    token = await client.clientCredentialsToken(CAMPAIGN_SCOPES);
  });
  afterAll(async () => {
    await Promise.all([ims.server.stop(), campaign.server.stop()]);
  });

  const connect = async (bearer = token) => {
    const client = await sdk.init(sdk.ConnectionParameters.ofBearerToken(campaign.url(), bearer, { noSDKHeaders: true }));
    await client.logon();
    return client;
  };

  const query = async (client: AccClient, xml: string): Promise<AccElement> => {
    const entity = sdk.DomUtil.parse(xml).documentElement;
    const [, output] = await client.makeSoapCall('xtk:queryDef', 'ExecuteQuery', false, [{ name: 'entity', type: 'DOMElement', value: entity }], [{ name: 'this', type: 'DOMElement' }, { name: 'pdomOutput', type: 'DOMElement' }], 'xml');
    return output as AccElement;
  };

  const write = (client: AccClient, method: 'Write' | 'WriteCollection', xml: string) =>
    client.makeSoapCall('xtk:session', method, true, [{ name: 'domDoc', type: 'DOMElement', value: sdk.DomUtil.parse(xml).documentElement }], [], 'xml');

  it('logs on with an IMS bearer token (xtk:session#BearerTokenLogon) and gets session info for the technical operator', async () => {
    const client = await connect();
    expect(client.isLogged()).toBe(true);
    const userInfo = client.getSessionInfo('xml').getElementsByTagName('userInfo')[0];
    expect(userInfo?.getAttribute('login')).toBe(`${demo.serverToServerClient.clientId}@techacct.adobe.com`);
    expect(campaign.methodCalls.at(-1)).toEqual({ method: 'xtk:session#BearerTokenLogon' });
    await client.logoff();
  });

  it('refuses a logon with a token IMS never issued', async () => {
    await expect(connect('forged-token')).rejects.toMatchObject({ name: 'CampaignException', statusCode: 500 });
  });

  it('reads operators and operator groups with xtk:queryDef#ExecuteQuery', async () => {
    const client = await connect();
    const groups = await query(client, `<queryDef schema="xtk:group" operation="select"><select><node expr="@id"/><node expr="@name"/></select></queryDef>`);
    expect(groups.tagName).toBe('group-collection');
    expect(children(groups).map((group) => group.getAttribute('name'))).toEqual([...demoCampaign.groups]);
    const operator = await query(client, `<queryDef schema="xtk:operator" operation="get"><select><node expr="@name"/></select><where><condition expr="@name = '${demo.imsUsers.member.email}'"/></where></queryDef>`);
    expect(operator.getAttribute('name')).toBe(demo.imsUsers.member.email);
    const count = await query(client, `<queryDef schema="xtk:operatorGroup" operation="count"><where><condition expr="[group/@name] = 'viewer'"/></where></queryDef>`);
    expect(count.getAttribute('count')).toBe('1');
    await client.logoff();
  });

  it('writes operator <-> group links with Write and WriteCollection (_operation, _key) and reads them back', async () => {
    const client = await connect();
    const member = demo.imsUsers.member.email;
    await write(client, 'Write', `<operatorGroup xtkschema="xtk:operatorGroup" _operation="insert" _key="[operator/@name],[group/@name]"><operator name="${member}" _operation="none"/><group name="analyst" _operation="none"/></operatorGroup>`);
    expect(campaign.instance.membersOf('analyst')).toEqual([member]);
    await write(
      client,
      'WriteCollection',
      `<operatorGroup-collection xtkschema="xtk:operatorGroup"><operatorGroup _operation="delete"><operator name="${member}"/><group name="analyst"/></operatorGroup><operatorGroup><operator name="ana.lyst@example.com"/><group name="analyst"/></operatorGroup></operatorGroup-collection>`,
    );
    const links = await query(client, `<queryDef schema="xtk:operatorGroup" operation="select"><select><node expr="[operator/@name]"/></select><where><condition expr="[group/@name] = 'analyst'"/></where></queryDef>`);
    expect(children(links).map((link) => children(link)[0]?.getAttribute('name'))).toEqual(['ana.lyst@example.com']);
    await write(client, 'Write', `<operator xtkschema="xtk:operator" _key="@name" _operation="update" name="ana.lyst@example.com" label="Ana Lyst"/>`);
    expect(campaign.instance.operatorNamed('ana.lyst@example.com')?.label).toBe('Ana Lyst');
    await client.logoff();
  });

  it('answers SOAP faults for an unknown operator or group and for a duplicate insert, and changes nothing', async () => {
    const client = await connect();
    const before = [...campaign.instance.links];
    const unknownOperator = write(client, 'Write', `<operatorGroup xtkschema="xtk:operatorGroup"><operator name="nobody@example.com"/><group name="analyst"/></operatorGroup>`);
    await expect(unknownOperator).rejects.toMatchObject({ name: 'CampaignException', statusCode: 500 });
    await expect(unknownOperator.catch((error: { message: string }) => error.message)).resolves.toContain('operator referenced by the document does not exist');
    const unknownGroup = write(client, 'WriteCollection', `<operatorGroup-collection xtkschema="xtk:operatorGroup"><operatorGroup><operator name="ana.lyst@example.com"/><group name="viewer"/></operatorGroup><operatorGroup><operator name="ana.lyst@example.com"/><group name="deliverability"/></operatorGroup></operatorGroup-collection>`);
    await expect(unknownGroup.catch((error: { message: string }) => error.message)).resolves.toContain('operator group referenced by the document does not exist');
    const duplicate = write(client, 'Write', `<operatorGroup xtkschema="xtk:operatorGroup" _operation="insert"><operator name="admin"/><group name="admin"/></operatorGroup>`);
    await expect(duplicate.catch((error: { message: string }) => error.message)).resolves.toContain('duplicate key');
    expect([...campaign.instance.links]).toEqual(before);
    await client.logoff();
  });

  it('refuses a write to xtk:operatorGroup without the ADMINISTRATION right', async () => {
    campaign.instance.addTechnicalAccount('reader-client', []);
    ims.directory.registerClient({ kind: 'server-to-server', clientId: 'reader-client', clientSecret: 'reader-secret', scopes: ['openid', 'AdobeID'] });
    const reader = new ImsClient({ baseUrl: ims.server.baseUrl, clientId: 'reader-client', clientSecret: async () => 'reader-secret', timeoutMs: 5_000 });
    const client = await connect(await reader.clientCredentialsToken(CAMPAIGN_SCOPES));
    const refused = write(client, 'Write', `<operatorGroup xtkschema="xtk:operatorGroup"><operator name="ana.lyst@example.com"/><group name="viewer"/></operatorGroup>`);
    await expect(refused.catch((error: { message: string }) => error.message)).resolves.toContain('ADMINISTRATION right');
  });

  it('answers XSV-350008 once the session has expired, which the SDK reports as an expired session', async () => {
    const client = await connect();
    campaign.instance.expireSessions();
    const expired = query(client, `<queryDef schema="xtk:group" operation="count"/>`);
    await expect(expired).rejects.toMatchObject({ name: 'CampaignException', statusCode: 401 });
  });

  it('answers an unknown method with SOP-330006', async () => {
    const client = await connect();
    const unknown = client.makeSoapCall('xtk:session', 'GetModifiedEntities', true, [], [], 'xml');
    await expect(unknown.catch((error: { message: string }) => error.message)).resolves.toContain('500');
    expect(campaign.methodCalls.at(-1)?.fault).toMatch(/^SOP-330006 /);
  });
});
