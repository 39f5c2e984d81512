import { CAMPAIGN_SCOPES, CampaignClient, xmlElement, type XmlElement } from '#shared/campaign/index.ts';
import { guardedFetch, type OutboundPolicyConfig } from '#shared/outbound/allowed-hosts.ts';
import type { AccountImsClients } from './account-ims';
import type { CampaignAccount } from './model';

/** A link between an operator and an operator group, by Campaign IDs. */
export interface OperatorGroupLink {
  operatorId: number;
  groupId: number;
}

/**
 * What the sync reads and writes in one Campaign instance. Operators are
 * matched by login (`@name`) against the Adobe user's email, case-insensitively;
 * nothing here creates an operator or a group.
 */
export interface CampaignDirectory {
  /** Group name -> ID, for the names that exist. */
  groupIds(names: string[]): Promise<Map<string, number>>;
  /** Lower-case email -> operator ID, for the emails that have an operator. */
  operatorIds(emails: string[]): Promise<Map<string, number>>;
  /** The existing links of these groups, as `${operatorId}:${groupId}`. */
  linksOf(groupIds: number[]): Promise<Set<string>>;
  /** One WriteCollection (one transaction): links added (insertOrUpdate) and removed (delete). */
  write(changes: { add: OperatorGroupLink[]; remove: OperatorGroupLink[] }): Promise<void>;
  close(): Promise<void>;
}

export interface CampaignConnector {
  connect(account: CampaignAccount): CampaignDirectory;
}

/** Values per IN list: a query stays small, whatever the size of the org. */
const QUERY_BATCH = 200;
/** Rows per page of a select (Campaign's lineCount / startLine paging). */
const PAGE_LINES = 1_000;

/** A string literal of Campaign's expression language (quotes doubled). */
const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/**
 * The Campaign instance at the account's callback server (its access URL),
 * logged on with a token of the account's own technical account: the
 * credential is never sent to another host.
 */
export class ImsCampaignConnector implements CampaignConnector {
  constructor(private readonly options: { ims: AccountImsClients; outbound: OutboundPolicyConfig; timeoutMs?: number; fetch?: typeof fetch; sleep?: (ms: number) => Promise<void> }) {}

  connect(account: CampaignAccount): CampaignDirectory {
    const entry = this.options.ims.for(account);
    const client = new CampaignClient({
      baseUrl: account.callbackServer,
      token: () => entry.client.clientCredentialsToken(CAMPAIGN_SCOPES),
      onTokenRejected: () => {
        entry.rejected = true;
        entry.client.forgetClientCredentialsToken(CAMPAIGN_SCOPES);
      },
      ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
      // The technical account's token goes only to a Campaign host the outbound policy allows.
      fetch: guardedFetch('campaign', this.options.outbound, this.options.fetch),
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    });
    return new SoapCampaignDirectory(client);
  }
}

export class SoapCampaignDirectory implements CampaignDirectory {
  constructor(private readonly client: CampaignClient) {}

  async groupIds(names: string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const batch of chunks(names, QUERY_BATCH)) {
      const rows = await this.select('xtk:group', ['@id', '@name'], `@name IN (${batch.map(quoted).join(', ')})`);
      for (const row of rows) found.set(row.attributes.name ?? '', Number(row.attributes.id));
    }
    return found;
  }

  async operatorIds(emails: string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const batch of chunks(emails.map((email) => email.toLowerCase()), QUERY_BATCH)) {
      const rows = await this.select('xtk:operator', ['@id', '@name'], `Lower(@name) IN (${batch.map(quoted).join(', ')})`);
      for (const row of rows) found.set((row.attributes.name ?? '').toLowerCase(), Number(row.attributes.id));
    }
    return found;
  }

  async linksOf(groupIds: number[]): Promise<Set<string>> {
    const links = new Set<string>();
    for (const batch of chunks(groupIds, QUERY_BATCH)) {
      const rows = await this.select('xtk:operatorGroup', ['[@operator-id]', '[@group-id]'], `[@group-id] IN (${batch.join(', ')})`);
      for (const row of rows) links.add(`${row.attributes['operator-id']}:${row.attributes['group-id']}`);
    }
    return links;
  }

  async write(changes: { add: OperatorGroupLink[]; remove: OperatorGroupLink[] }): Promise<void> {
    const entry = (link: OperatorGroupLink, operation: string) => xmlElement('operatorGroup', { _operation: operation, _key: '[@operator-id],[@group-id]', 'operator-id': link.operatorId, 'group-id': link.groupId });
    const entries = [...changes.add.map((link) => entry(link, 'insertOrUpdate')), ...changes.remove.map((link) => entry(link, 'delete'))];
    if (entries.length === 0) return;
    await this.client.writeCollection(xmlElement('operatorGroup-collection', { xtkschema: 'xtk:operatorGroup' }, ...entries));
  }

  close(): Promise<void> {
    return this.client.logoff();
  }

  /** A select, paged with lineCount / startLine until a short page. */
  private async select(schema: string, fields: string[], condition: string): Promise<XmlElement[]> {
    const rows: XmlElement[] = [];
    for (let start = 0; ; start += PAGE_LINES) {
      const output = await this.client.query(
        xmlElement(
          'queryDef',
          { schema, operation: 'select', lineCount: PAGE_LINES, startLine: start },
          xmlElement('select', {}, ...fields.map((expr) => xmlElement('node', { expr }))),
          xmlElement('where', {}, xmlElement('condition', { expr: condition })),
        ),
      );
      rows.push(...output.children);
      if (output.children.length < PAGE_LINES) return rows;
    }
  }
}
