import { createHash } from 'node:crypto';

/**
 * Who the IMS sandbox knows: registered credentials, people and orgs. Shapes
 * follow Adobe's User Authentication and Server-to-Server API references
 * (AdobeDocs/adobe-dev-console src/pages/guides/authentication/UserAuthentication/IMS.md,
 * ServerToServerAuthentication/IMS.md).
 */

/** An OAuth Web App credential: confidential, with a default redirect URI and a redirect URI pattern. */
export interface WebAppClient {
  kind: 'web';
  clientId: string;
  clientSecret: string;
  /** Where IMS sends the user when redirect_uri is missing or does not match the pattern. */
  defaultRedirectUri: string;
  /** A whole-string regular expression over allowed redirect URIs (Adobe's "Redirect URI pattern"). */
  redirectUriPattern: string;
}

/** An OAuth Server-to-Server credential (client_credentials only). */
export interface ServerToServerClient {
  kind: 'server-to-server';
  clientId: string;
  clientSecret: string;
  /** Scopes the credential may be granted; others asked for are dropped. */
  scopes: string[];
}

export type ImsClientRegistration = WebAppClient | ServerToServerClient;

export interface ImsOrg {
  /** `<24 hex>@AdobeOrg`. */
  id: string;
  name: string;
  type: string;
}

export interface ImsOrgMembership {
  orgId: string;
  /** System administrator ("org_admin") of this org. */
  admin: boolean;
  /** Product profile / user group names, as /ims/organizations/v6 lists them. */
  groups: string[];
}

export interface ImsUser {
  /** Stable user ID, `<24 hex>@AdobeID`. */
  sub: string;
  email: string;
  password: string;
  emailVerified: boolean;
  name: string;
  givenName: string;
  familyName: string;
  /** `ent` (member of an organization) or `ind`. */
  accountType: 'ent' | 'ind';
  country: string;
  memberships: ImsOrgMembership[];
}

export interface NewImsUser {
  email: string;
  password: string;
  name: string;
  emailVerified?: boolean;
  sub?: string;
  memberships?: ImsOrgMembership[];
}

/** A deterministic IMS-looking user ID, so a seeded person keeps one `sub` across runs. */
export function stableSub(email: string): string {
  const digest = createHash('sha256').update(`ims-sub:${email.trim().toLowerCase()}`).digest('hex');
  return `${digest.slice(0, 24).toUpperCase()}@AdobeID`;
}

export class ImsDirectory {
  private readonly clients = new Map<string, ImsClientRegistration>();
  private readonly orgs = new Map<string, ImsOrg>();
  /** Keyed by lower-case email: IMS sign-in ignores the case of the email. */
  private readonly users = new Map<string, ImsUser>();

  registerClient(client: ImsClientRegistration): void {
    this.clients.set(client.clientId, client);
  }

  client(clientId: string): ImsClientRegistration | undefined {
    return this.clients.get(clientId);
  }

  addOrg(org: ImsOrg): void {
    this.orgs.set(org.id, org);
  }

  org(orgId: string): ImsOrg | undefined {
    return this.orgs.get(orgId);
  }

  addUser(input: NewImsUser): ImsUser {
    const [givenName = input.name, ...rest] = input.name.split(' ');
    const user: ImsUser = {
      sub: input.sub ?? stableSub(input.email),
      email: input.email,
      password: input.password,
      emailVerified: input.emailVerified ?? true,
      name: input.name,
      givenName,
      familyName: rest.join(' '),
      accountType: 'ent',
      country: 'US',
      memberships: input.memberships ?? [],
    };
    this.users.set(user.email.toLowerCase(), user);
    return user;
  }

  userByEmail(email: string): ImsUser | undefined {
    return this.users.get(email.trim().toLowerCase());
  }

  userBySub(sub: string): ImsUser | undefined {
    for (const user of this.users.values()) if (user.sub === sub) return user;
    return undefined;
  }

  /** Replaces a user's org memberships. */
  setMemberships(email: string, memberships: ImsOrgMembership[]): void {
    this.requireUser(email).memberships = memberships;
  }

  /** Makes a user (a member, or not yet) an org admin of `orgId`, or takes the role away. */
  setOrgAdmin(email: string, orgId: string, admin: boolean): void {
    const user = this.requireUser(email);
    const membership = user.memberships.find((candidate) => candidate.orgId === orgId);
    if (membership) membership.admin = admin;
    else user.memberships.push({ orgId, admin, groups: [] });
  }

  setEmailVerified(email: string, verified: boolean): void {
    this.requireUser(email).emailVerified = verified;
  }

  private requireUser(email: string): ImsUser {
    const user = this.userByEmail(email);
    if (!user) throw new Error(`IMS sandbox has no user ${email}`);
    return user;
  }
}
