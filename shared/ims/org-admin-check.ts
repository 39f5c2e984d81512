import type { UmapiClient } from '#shared/umapi/client.ts';
import { UmapiRejectedError } from '#shared/umapi/errors.ts';
import type { ImsClient } from './client';

/**
 * "Is this signed-in person a system administrator of this org?" Adobe's
 * public login docs do not say how to ask, so the question sits behind one
 * interface with two answers (docs/vendors/ims.md, "Is this user an org admin?").
 */
export interface OrgAdminQuestion {
  orgId: string;
  /** The signed-in person's IMS access token. */
  accessToken: string;
  sub: string;
  email: string;
}

export interface OrgAdminCheck {
  isOrgAdmin(input: OrgAdminQuestion): Promise<boolean>;
}

/** `A1B2...@AdobeOrg`, `a1b2...@adobeorg` and `A1B2...` name the same org. */
export function sameOrg(a: string, b: string): boolean {
  const canonical = (orgId: string) => orgId.trim().replace(/@AdobeOrg$/i, '').toUpperCase();
  return canonical(a) === canonical(b);
}

/**
 * The undocumented route: the user's own profile lists
 * `roles[{named_role: "org_admin", organization: <org ID>}]`. Needs the
 * user's token with the `additional_info.roles` scope; no server credential.
 */
export class ProfileRolesOrgAdminCheck implements OrgAdminCheck {
  constructor(private readonly ims: Pick<ImsClient, 'profileRoles'>) {}

  async isOrgAdmin(input: OrgAdminQuestion): Promise<boolean> {
    const roles = await this.ims.profileRoles(input.accessToken);
    return roles.some((role) => role.namedRole === 'org_admin' && sameOrg(role.organization ?? role.target ?? '', input.orgId));
  }
}

/**
 * The User Management API binds a server-to-server credential to the one org
 * it was created in and answers 403 for any other: the check cannot be
 * answered for that org, now or later. Not a "try again".
 */
export class NoUserManagementCredentialError extends Error {
  constructor(readonly orgId: string) {
    super(`orgbridge has no User Management credential for org ${orgId}.`);
    this.name = 'NoUserManagementCredentialError';
  }
}

/**
 * The documented route: the User Management API, with our server-to-server
 * credential for that org. A system administrator is a member of
 * `_org_admin` and carries the `org` admin role (umapi-documentation
 * group.md, getUser.md); someone outside the org is simply not found.
 */
export class UserManagementOrgAdminCheck implements OrgAdminCheck {
  /** `umapiFor` gives the client for an org we hold a credential for, or undefined. */
  constructor(private readonly umapiFor: (orgId: string) => Pick<UmapiClient, 'user'> | undefined) {}

  async isOrgAdmin(input: OrgAdminQuestion): Promise<boolean> {
    const umapi = this.umapiFor(input.orgId);
    if (!umapi) throw new NoUserManagementCredentialError(input.orgId);
    const user = await umapi.user(input.email).catch((error: unknown) => {
      if (error instanceof UmapiRejectedError && error.httpStatus === 403) throw new NoUserManagementCredentialError(input.orgId);
      throw error;
    });
    if (!user || (user.status !== undefined && user.status !== 'active')) return false;
    return (user.groups ?? []).includes('_org_admin') || (user.adminRoles ?? []).includes('org');
  }
}
