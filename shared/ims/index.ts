export { ImsClient, ORG_MAPPING_SCOPES, USER_MANAGEMENT_SCOPES } from './client';
export type { ImsClientOptions, ImsOrganization, ImsProfileRole, ImsTokenSet, ImsUserInfo } from './client';
export { IdTokenInvalidError, ImsError, ImsRejectedError, ImsUnavailableError } from './errors';
export type { IdTokenFailure } from './errors';
export type { IdTokenClaims } from './id-token';
export { NoUserManagementCredentialError, ProfileRolesOrgAdminCheck, sameOrg, UserManagementOrgAdminCheck } from './org-admin-check';
export type { OrgAdminCheck, OrgAdminQuestion } from './org-admin-check';
export { createPkcePair, randomToken, s256Challenge } from './pkce';
export type { PkcePair } from './pkce';
