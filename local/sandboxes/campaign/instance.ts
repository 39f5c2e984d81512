import { randomBytes } from 'node:crypto';

/**
 * One Campaign Classic instance as the SOAP API sees it: operators
 * (`xtk:operator`, keyed by login `@name`), operator groups (`xtk:group`),
 * the operator <-> group relation (`xtk:operatorGroup`, `@operator-id` /
 * `@group-id`), named rights per operator, technical accounts (IMS client
 * IDs that log on as an operator) and logon sessions.
 */
export interface CampaignOperator {
  id: number;
  /** The login. */
  name: string;
  label: string;
  /** Named rights, e.g. `admin` (ADMINISTRATION). */
  rights: string[];
}

export interface CampaignGroup {
  id: number;
  name: string;
  label: string;
}

export interface CampaignSession {
  operatorId: number;
  securityToken: string;
  expiresAt: number;
}

/** What the instance keeps across `npm start` restarts: everything but its logon sessions. */
export interface CampaignSnapshot {
  nextId: number;
  operators: CampaignOperator[];
  groups: CampaignGroup[];
  links: string[];
  technicalAccounts: Array<[string, number]>;
}

/** Campaign's default session and security token life (serverConf.xml, 24 h). */
export const SESSION_TTL_MS = 24 * 3_600_000;

export class CampaignInstance {
  private nextId = 1_000;
  readonly operators = new Map<number, CampaignOperator>();
  readonly groups = new Map<number, CampaignGroup>();
  /** `${operatorId}:${groupId}` */
  readonly links = new Set<string>();
  /** IMS client ID of a technical account -> the operator it logs on as. */
  readonly technicalAccounts = new Map<string, number>();
  readonly sessions = new Map<string, CampaignSession>();

  constructor(
    readonly instanceName: string,
    private readonly now: () => number,
    readonly sessionTtlMs = SESSION_TTL_MS,
  ) {}

  /** Operators, groups, their links and the technical accounts, as JSON (sessions end with the process, as a server restart ends them). */
  snapshot(): CampaignSnapshot {
    return {
      nextId: this.nextId,
      operators: [...this.operators.values()],
      groups: [...this.groups.values()],
      links: [...this.links],
      technicalAccounts: [...this.technicalAccounts],
    };
  }

  /** Replaces everything with a snapshot's content; no session survives. */
  restore(raw: unknown): void {
    const snapshot = raw as CampaignSnapshot;
    this.clear();
    this.nextId = snapshot.nextId;
    for (const operator of snapshot.operators) this.operators.set(operator.id, { ...operator, rights: [...operator.rights] });
    for (const group of snapshot.groups) this.groups.set(group.id, { ...group });
    for (const link of snapshot.links) this.links.add(link);
    for (const [clientId, operatorId] of snapshot.technicalAccounts) this.technicalAccounts.set(clientId, operatorId);
  }

  /** Forgets every operator, group, link, technical account and session. */
  clear(): void {
    for (const map of [this.operators, this.groups, this.technicalAccounts, this.sessions]) map.clear();
    this.links.clear();
  }

  addOperator(input: { name: string; label?: string; rights?: string[] }): CampaignOperator {
    const operator = { id: this.nextId++, name: input.name, label: input.label ?? input.name, rights: input.rights ?? [] };
    this.operators.set(operator.id, operator);
    return operator;
  }

  addGroup(input: { name: string; label?: string }): CampaignGroup {
    const group = { id: this.nextId++, name: input.name, label: input.label ?? input.name };
    this.groups.set(group.id, group);
    return group;
  }

  /** A technical account: the IMS credential logs on as a technical operator named after it. */
  addTechnicalAccount(clientId: string, rights: string[]): CampaignOperator {
    const operator = this.addOperator({ name: `${clientId}@techacct.adobe.com`, label: `Technical account ${clientId}`, rights });
    this.technicalAccounts.set(clientId, operator.id);
    return operator;
  }

  operatorNamed(name: string): CampaignOperator | undefined {
    return [...this.operators.values()].find((operator) => operator.name === name);
  }

  groupNamed(name: string): CampaignGroup | undefined {
    return [...this.groups.values()].find((group) => group.name === name);
  }

  link(operatorName: string, groupName: string): void {
    const operator = this.operatorNamed(operatorName);
    const group = this.groupNamed(groupName);
    if (!operator || !group) throw new Error(`Campaign sandbox: no operator ${operatorName} or group ${groupName}`);
    this.links.add(`${operator.id}:${group.id}`);
  }

  /** Logins of the members of a group, sorted. */
  membersOf(groupName: string): string[] {
    const group = this.groupNamed(groupName);
    if (!group) return [];
    return [...this.links]
      .map((key) => key.split(':').map(Number))
      .filter(([, groupId]) => groupId === group.id)
      .map(([operatorId]) => this.operators.get(operatorId ?? -1)?.name ?? '')
      .sort();
  }

  openSession(operatorId: number): { sessionToken: string; securityToken: string } {
    const sessionToken = `___${randomBytes(18).toString('base64url')}`;
    const securityToken = `@${randomBytes(24).toString('base64url')}==`;
    this.sessions.set(sessionToken, { operatorId, securityToken, expiresAt: this.now() + this.sessionTtlMs });
    return { sessionToken, securityToken };
  }

  /** The operator of a live session whose security token matches, else undefined (Campaign: XSV-350008). */
  sessionOperator(sessionToken: string, securityToken: string): CampaignOperator | undefined {
    const session = this.sessions.get(sessionToken);
    if (!session || session.securityToken !== securityToken || session.expiresAt <= this.now()) return undefined;
    return this.operators.get(session.operatorId);
  }

  closeSession(sessionToken: string): void {
    this.sessions.delete(sessionToken);
  }

  /** Ends every session now, as a server restart or a token expiry would. */
  expireSessions(): void {
    this.sessions.clear();
  }
}
