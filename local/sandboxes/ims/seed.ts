import { demo } from '#local/demo-identities.ts';
import type { ImsClientRegistration, ImsOrg, NewImsUser } from './directory';

/** Scopes our server-to-server credential holds (the User Management API needs `user_management_sdk`). */
export const serverToServerScopes = ['openid', 'AdobeID', 'user_management_sdk', 'read_organizations'];

export interface SeedOptions {
  /** The one redirect URI registered for our web credential. */
  redirectUri: string;
  /** Where IMS sends the user when redirect_uri is missing or does not match. */
  defaultRedirectUri: string;
}

/** Escapes a URI so the credential's redirect pattern matches exactly that URI. */
export function exactPattern(uri: string): string {
  return uri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Our web credential (one registered redirect URI) and our server-to-server credential. */
export function defaultClients(options: SeedOptions): ImsClientRegistration[] {
  return [
    {
      kind: 'web',
      clientId: demo.orgbridgeImsClient.clientId,
      clientSecret: demo.orgbridgeImsClient.clientSecret,
      defaultRedirectUri: options.defaultRedirectUri,
      redirectUriPattern: exactPattern(options.redirectUri),
    },
    {
      kind: 'server-to-server',
      clientId: demo.serverToServerClient.clientId,
      clientSecret: demo.serverToServerClient.clientSecret,
      scopes: serverToServerScopes,
    },
  ];
}

export function defaultOrgs(): ImsOrg[] {
  return [
    { id: demo.org.id, name: demo.org.name, type: 'Enterprise' },
    { id: demo.otherOrg.id, name: demo.otherOrg.name, type: 'Enterprise' },
  ];
}

/**
 * The demo people (local/demo-identities.ts), one per org-mapping rule: an
 * org admin of the demo org (same email as the Marketo admin), a plain
 * member, an admin of the other org only, and a member whose email is not
 * verified.
 */
export function defaultUsers(): NewImsUser[] {
  const { orgAdmin, member, otherOrgAdmin, unverified } = demo.imsUsers;
  return [
    { ...orgAdmin, memberships: [{ orgId: demo.org.id, admin: true, groups: ['Campaign - demo_tenant - admin', 'Marketing Ops'] }] },
    { ...member, memberships: [{ orgId: demo.org.id, admin: false, groups: ['Campaign - demo_tenant - analyst'] }] },
    { ...otherOrgAdmin, memberships: [{ orgId: demo.otherOrg.id, admin: true, groups: [] }] },
    { ...unverified, emailVerified: false, memberships: [{ orgId: demo.org.id, admin: false, groups: ['Campaign - demo_tenant - analyst'] }] },
  ];
}
