import type { Config } from '#shared/config/index.ts';
import { ImsClient, ProfileRolesOrgAdminCheck, UserManagementOrgAdminCheck, USER_MANAGEMENT_SCOPES, ORG_MAPPING_SCOPES, type OrgAdminCheck } from '#shared/ims/index.ts';
import type { SecretStore } from '#shared/secrets/index.ts';
import { UmapiCallBudget, UmapiClient } from '#shared/umapi/index.ts';
import type { ConfirmationSettings } from './start-confirmation';

type ImsConfig = Pick<
  Config,
  | 'IMS_BASE_URL'
  | 'IMS_ISSUER'
  | 'IMS_CLIENT_ID'
  | 'IMS_CLIENT_SECRET_NAME'
  | 'IMS_SCOPES'
  | 'IMS_TIMEOUT_MS'
  | 'IMS_ORG_ADMIN_CHECK'
  | 'UMAPI_BASE_URL'
  | 'UMAPI_CLIENT_ID'
  | 'UMAPI_CLIENT_SECRET_NAME'
  | 'PUBLIC_BASE_URL'
  | 'ORG_MAPPING_ATTEMPT_TTL_SECONDS'
>;

export interface OrgMappingIms {
  ims: ImsClient;
  orgAdminCheck: OrgAdminCheck;
  settings: ConfirmationSettings;
}

const built = new WeakMap<ImsConfig, { secrets: SecretStore; value: OrgMappingIms }>();

/**
 * orgbridge's IMS web credential, the org-admin check the deployment chose,
 * and the one registered redirect URI (never built from a request). Built
 * once per container and configuration, so the JWKS, the server-to-server
 * token (Adobe throttles integrations that mint too many) and the UMAPI call
 * budget are kept across requests.
 */
export function orgMappingIms(config: ImsConfig, secrets: SecretStore): OrgMappingIms {
  const cached = built.get(config);
  if (cached?.secrets === secrets) return cached.value;
  const value = buildOrgMappingIms(config, secrets);
  built.set(config, { secrets, value });
  return value;
}

function buildOrgMappingIms(config: ImsConfig, secrets: SecretStore): OrgMappingIms {
  const ims = imsClient(config, secrets, config.IMS_CLIENT_ID, config.IMS_CLIENT_SECRET_NAME);
  const publicBase = config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const requestedScopes = config.IMS_SCOPES.split(/[\s,]+/).filter(Boolean);
  const scopes = [...new Set([...requestedScopes, ...(config.IMS_ORG_ADMIN_CHECK === 'profile-roles' ? ORG_MAPPING_SCOPES : [])])];
  return {
    ims,
    orgAdminCheck: config.IMS_ORG_ADMIN_CHECK === 'profile-roles' ? new ProfileRolesOrgAdminCheck(ims) : userManagementCheck(config, secrets),
    settings: {
      redirectUri: `${publicBase}/org-mapping/callback`,
      scopes,
      openerOrigin: new URL(publicBase).origin,
      attemptTtlMs: config.ORG_MAPPING_ATTEMPT_TTL_SECONDS * 1000,
    },
  };
}

/** The documented route: UMAPI with orgbridge's server-to-server credential. */
function userManagementCheck(config: ImsConfig, secrets: SecretStore): OrgAdminCheck {
  const serverIms = imsClient(config, secrets, config.UMAPI_CLIENT_ID, config.UMAPI_CLIENT_SECRET_NAME);
  // One budget for the credential: UMAPI's limits are per client, whatever org is asked about.
  const budget = new UmapiCallBudget();
  return new UserManagementOrgAdminCheck(
    (orgId) =>
      new UmapiClient({
        baseUrl: config.UMAPI_BASE_URL,
        orgId,
        apiKey: config.UMAPI_CLIENT_ID,
        token: () => serverIms.clientCredentialsToken(USER_MANAGEMENT_SCOPES),
        onTokenRejected: () => serverIms.forgetClientCredentialsToken(USER_MANAGEMENT_SCOPES),
        budget,
      }),
  );
}

/** An IMS client for one of orgbridge's credentials; its secret is read from the secret store when needed. */
function imsClient(config: ImsConfig, secrets: SecretStore, clientId: string, secretName: string): ImsClient {
  return new ImsClient({
    baseUrl: config.IMS_BASE_URL,
    clientId,
    clientSecret: () => secrets.get(secretName),
    issuer: config.IMS_ISSUER,
    timeoutMs: config.IMS_TIMEOUT_MS,
  });
}
