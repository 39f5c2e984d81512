import { BadRequestError, UpstreamError } from '#shared/errors.ts';
import { MarketoAuthError, MarketoConfigError, MarketoError, type MarketoClient } from '#shared/marketo/index.ts';

/** One thing the API user's role was asked to do at registration, and whether Marketo let it. */
export interface PermissionCheck {
  check: 'leadFields' | 'staticLists';
  ok: boolean;
  code?: string;
  message?: string;
}

export interface CredentialReport {
  credentials: 'ok';
  permissions: PermissionCheck[];
}

/** What each check needs from the API user's role (Admin > Users & Roles), in Marketo's words. */
const NEEDS: Record<PermissionCheck['check'], { asking: string; permission: string }> = {
  leadFields: { asking: 'its lead fields (Describe Lead)', permission: 'Read-Write Lead (or Read-Only Lead)' },
  staticLists: { asking: 'its static lists', permission: 'Read-Write Lead, and Read-Only Assets to browse lists' },
};

/**
 * Proves an instance's credentials before they are saved: a token from the
 * identity endpoint (refused: 400, the admin's typo; unreachable: 502), then
 * one Describe and one page of lists with that token, to say which
 * permissions the API user's role lacks. Missing permissions do not refuse
 * the registration: the role can be fixed in Marketo afterwards.
 */
export async function checkCredentials(client: MarketoClient, munchkinId: string): Promise<{ report: CredentialReport; warnings: string[] }> {
  try {
    await client.authenticate();
  } catch (error) {
    throw unreachableOr(error, munchkinId, 'a token');
  }
  const permissions: PermissionCheck[] = [
    await probe('leadFields', munchkinId, () => client.describeLeads()),
    await probe('staticLists', munchkinId, () => client.browseLists({ batchSize: 1 })),
  ];
  const warnings = permissions
    .filter((check) => !check.ok)
    .map((check) => `${check.message ?? ''} Orgbridge needs ${NEEDS[check.check].permission} for the API-only user's role (Admin > Users & Roles > Roles).`.trim());
  return { report: { credentials: 'ok', permissions }, warnings };
}

async function probe(check: PermissionCheck['check'], munchkinId: string, call: () => Promise<unknown>): Promise<PermissionCheck> {
  try {
    await call();
    return { check, ok: true };
  } catch (error) {
    if (error instanceof MarketoConfigError) {
      const message =
        error.code === '603'
          ? `Marketo instance ${munchkinId} denied the API user access to ${NEEDS[check].asking} (603).`
          : `Marketo instance ${munchkinId} refused to list ${NEEDS[check].asking} (${error.code}): check the REST endpoint (Admin > Web Services).`;
      return { check, ok: false, code: error.code, message };
    }
    throw unreachableOr(error, munchkinId, NEEDS[check].asking);
  }
}

function unreachableOr(error: unknown, munchkinId: string, asking: string): unknown {
  if (error instanceof MarketoAuthError) {
    return new BadRequestError(
      'marketo_credentials_rejected',
      `Marketo instance ${munchkinId} rejected the client ID and secret (its identity endpoint answered 401): copy them again from Admin > LaunchPoint > View Details. Nothing was saved.`,
      { cause: error },
    );
  }
  if (error instanceof MarketoError) {
    return new UpstreamError(
      'marketo_unreachable',
      `Marketo instance ${munchkinId} could not be asked for ${asking} (${error.code}): check the REST and identity endpoints (Admin > Web Services), or try again later. Nothing was saved.`,
      { cause: error },
    );
  }
  return error;
}
