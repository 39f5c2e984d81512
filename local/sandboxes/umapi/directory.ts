/**
 * The orgs, groups and users the UMAPI sandbox serves. Group and user fields
 * follow adobe-apiplatform/umapi-documentation docs/en/api/group.md and
 * getUsersByGroup.md; fields without a value are left out, as UMAPI does.
 */

export type UmapiGroupType =
  | 'USER_GROUP'
  | 'PRODUCT_PROFILE'
  | 'SYSADMIN_GROUP'
  | 'DEPLOYMENT_ADMIN_GROUP'
  | 'SUPPORT_ADMIN_GROUP'
  | 'PRODUCT_ADMIN_GROUP'
  | 'PROFILE_ADMIN_GROUP'
  | 'USER_ADMIN_GROUP'
  | 'DEVELOPER_GROUP';

export interface SandboxGroup {
  groupId: number;
  groupName: string;
  type: UmapiGroupType;
  productName?: string;
  productProfileName?: string;
  userGroupName?: string;
  adminGroupName?: string;
  licenseQuota?: string;
}

export interface SandboxUser {
  email: string;
  status: 'active' | 'disabled' | 'locked' | 'removed';
  username: string;
  domain: string;
  type: 'adobeID' | 'enterpriseID' | 'federatedID';
  firstname?: string;
  lastname?: string;
  country: string;
  groups: string[];
  adminRoles: string[];
}

export type NewSandboxGroup = Omit<SandboxGroup, 'groupId'> & { groupId?: number };
export type NewSandboxUser = Partial<Omit<SandboxUser, 'email'>> & { email: string };

export class UmapiOrg {
  private readonly groups = new Map<string, SandboxGroup>();
  /** Keyed by lower-case email: UMAPI looks users up case-insensitively (getUser.md). */
  private readonly users = new Map<string, SandboxUser>();
  private readonly members = new Map<string, Set<string>>();
  /** Listings are rebuilt only after a change, so paging thousands of users stays cheap. */
  private cachedUsers: SandboxUser[] | undefined;
  private readonly cachedMembers = new Map<string, SandboxUser[]>();
  private nextGroupId = 4_147_407;

  constructor(readonly id: string) {}

  addGroup(input: NewSandboxGroup): SandboxGroup {
    const group: SandboxGroup = { ...input, groupId: input.groupId ?? this.nextGroupId++ };
    this.groups.set(group.groupName, group);
    if (!this.members.has(group.groupName)) this.members.set(group.groupName, new Set());
    return group;
  }

  group(name: string): SandboxGroup | undefined {
    return this.groups.get(name);
  }

  listGroups(): SandboxGroup[] {
    return [...this.groups.values()];
  }

  memberCount(groupName: string): number {
    return this.members.get(groupName)?.size ?? 0;
  }

  /** Adds or replaces a user; a system administrator (`_org_admin`) carries the `org` admin role, as getUser.md shows. */
  addUser(input: NewSandboxUser): SandboxUser {
    const [localPart = input.email, domain = ''] = input.email.split('@');
    const groups = [...new Set(input.groups ?? [])];
    for (const groupName of groups) if (!this.groups.has(groupName)) throw new Error(`UMAPI sandbox org ${this.id} has no group "${groupName}"`);
    const user: SandboxUser = {
      status: 'active',
      username: input.email,
      domain,
      type: 'federatedID',
      country: 'US',
      ...input,
      groups,
      adminRoles: input.adminRoles ?? (groups.includes('_org_admin') ? ['org'] : []),
    };
    if (!input.username && user.type === 'federatedID') user.username = localPart;
    this.removeUser(user.email);
    const key = user.email.toLowerCase();
    this.users.set(key, user);
    for (const groupName of groups) this.membersOf(groupName).add(key);
    this.invalidate(groups);
    return user;
  }

  removeUser(email: string): void {
    const key = email.toLowerCase();
    const existing = this.users.get(key);
    if (!existing) return;
    this.users.delete(key);
    for (const groupName of existing.groups) this.members.get(groupName)?.delete(key);
    this.invalidate(existing.groups);
  }

  user(email: string): SandboxUser | undefined {
    return this.users.get(email.trim().toLowerCase());
  }

  listUsers(): SandboxUser[] {
    this.cachedUsers ??= [...this.users.values()];
    return this.cachedUsers;
  }

  listMembers(groupName: string): SandboxUser[] {
    let cached = this.cachedMembers.get(groupName);
    if (!cached) {
      cached = [...this.membersOf(groupName)].flatMap((key) => this.users.get(key) ?? []);
      this.cachedMembers.set(groupName, cached);
    }
    return cached;
  }

  private membersOf(groupName: string): Set<string> {
    let set = this.members.get(groupName);
    if (!set) {
      set = new Set();
      this.members.set(groupName, set);
    }
    return set;
  }

  private invalidate(groups: string[]): void {
    this.cachedUsers = undefined;
    for (const groupName of groups) this.cachedMembers.delete(groupName);
  }
}

export class UmapiDirectory {
  private readonly orgs = new Map<string, UmapiOrg>();

  /** The org, created empty when new. */
  org(orgId: string): UmapiOrg {
    let org = this.orgs.get(orgId);
    if (!org) {
      org = new UmapiOrg(orgId);
      this.orgs.set(orgId, org);
    }
    return org;
  }

  find(orgId: string): UmapiOrg | undefined {
    return this.orgs.get(orgId);
  }
}
