import { join } from 'node:path';
import { demo } from '#local/demo-identities.ts';
import { createCampaignSandbox, demoCampaign } from './campaign';
import { createImsSandbox } from './ims';
import type { SandboxLauncher } from './launcher';
import { createMarketoSandbox } from './marketo';
import { createUmapiSandbox } from './umapi';

/**
 * How `npm start` runs each vendor sandbox: the port it prefers, the
 * orgbridge settings that point at it, and the demo identities it prints.
 * Pointing a setting at the real vendor instead works the same way.
 */
export const imsLauncher: SandboxLauncher = {
  name: 'ims',
  defaultPort: 3101,
  async start({ port, publicBaseUrl }) {
    const sandbox = createImsSandbox({ redirectUri: `${publicBaseUrl}/org-mapping/callback`, defaultRedirectUri: `${publicBaseUrl}/health` });
    const url = await sandbox.server.start(port);
    return {
      url,
      env: { IMS_BASE_URL: url, IMS_ISSUER: sandbox.issuer(), IMS_CLIENT_ID: demo.orgbridgeImsClient.clientId, UMAPI_CLIENT_ID: demo.serverToServerClient.clientId },
      identities: {
        org: demo.org,
        otherOrg: demo.otherOrg,
        webClient: demo.orgbridgeImsClient,
        serverToServerClient: demo.serverToServerClient,
        users: demo.imsUsers,
      },
      stop: () => sandbox.server.stop(),
      // Kept for the UMAPI sandbox, which validates the tokens this IMS issues.
      sandbox,
    };
  },
};

export const umapiLauncher: SandboxLauncher = {
  name: 'umapi',
  defaultPort: 3102,
  async start({ port, others }) {
    const ims = (others.ims as { sandbox?: ReturnType<typeof createImsSandbox> } | undefined)?.sandbox;
    if (!ims) throw new Error('The User Management sandbox needs the IMS sandbox to validate tokens; start IMS first.');
    const sandbox = createUmapiSandbox({ validateToken: (token) => ims.introspect(token) });
    const url = await sandbox.server.start(port);
    return { url, env: { UMAPI_BASE_URL: sandbox.apiBaseUrl() }, identities: { apiBaseUrl: sandbox.apiBaseUrl(), org: demo.org.id }, stop: () => sandbox.server.stop() };
  },
};

export const marketoLauncher: SandboxLauncher = {
  name: 'marketo',
  defaultPort: 3103,
  async start({ port, stateDir }) {
    const sandbox = createMarketoSandbox(stateDir ? { stateFile: join(stateDir, 'marketo.json') } : {});
    const url = await sandbox.server.start(port);
    return {
      url,
      env: {},
      identities: {
        munchkinId: demo.marketo.munchkinId,
        restEndpoint: `${url}/rest`,
        identityEndpoint: `${url}/identity`,
        clientId: demo.marketo.clientId,
        clientSecret: demo.marketo.clientSecret,
        staticListId: demo.marketo.staticListId,
        emptyListId: demo.marketo.emptyListId,
        adminEmail: demo.marketo.adminEmail,
      },
      stop: () => sandbox.server.stop(),
      // For tests that play the Marketo admin in-process (Field Management has no REST call the sandbox answers).
      sandbox,
    };
  },
};

export const campaignLauncher: SandboxLauncher = {
  name: 'campaign',
  defaultPort: 3104,
  async start({ port, others, stateDir }) {
    const ims = (others.ims as { sandbox?: ReturnType<typeof createImsSandbox> } | undefined)?.sandbox;
    if (!ims) throw new Error('The Campaign sandbox needs the IMS sandbox to validate bearer tokens; start IMS first.');
    const sandbox = createCampaignSandbox({ validateToken: (token) => ims.introspect(token), ...(stateDir ? { stateFile: join(stateDir, 'campaign.json') } : {}) });
    const url = await sandbox.server.start(port);
    return {
      url,
      env: {},
      identities: {
        // The external account's callback server: the instance access URL, where /nl/jsp/soaprouter.jsp answers.
        callbackServer: url,
        operatorGroups: demoCampaign.groups,
        operators: demoCampaign.operators,
        technicalAccount: `${demo.serverToServerClient.clientId}@techacct.adobe.com`,
      },
      stop: () => sandbox.server.stop(),
    };
  },
};
