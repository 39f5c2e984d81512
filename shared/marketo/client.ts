import { z } from 'zod';
import type { CallBudget } from './call-budget';
import { MarketoError, MarketoRequestError } from './errors';
import { DEFAULT_BACKOFF, realSleep } from './retry';
import {
  addToListResultSchema,
  describedFieldSchema,
  partitionSchema,
  dailyUsageSchema,
  exportStatusSchema,
  importStatusSchema,
  leadSchema,
  memberOfListResultSchema,
  removeFromListResultSchema,
  staticListSchema,
  syncLeadResultSchema,
  type AddToListResult,
  type DailyUsage,
  type ExportStatus,
  type ImportStatus,
  type LeadExportRequest,
  type LeadField,
  type MarketoEnvelope,
  type MarketoPartition,
  type MarketoLead,
  type MarketoStaticList,
  type MemberOfListResult,
  type RemoveFromListResult,
  type SyncLeadResult,
} from './schemas';
import { processTokenCache, TokenProvider, type MarketoCredentials, type MarketoTokenCache } from './token-provider';
import { emptyStats, MarketoTransport, type CallGate, type MarketoClientStats, type MarketoRequest } from './transport';

/** Records per call for every Lead Database endpoint we use. */
export const MAX_RECORDS_PER_CALL = 300;

/**
 * Longer than Marketo's REST response time-out (30 s,
 * https://experienceleague.adobe.com/en/docs/experience-cloud-kcs/kbarticles/ka-29283):
 * a call we give up on has been given up by Marketo too, so its retry cannot
 * run beside it (two upserts of one email in flight can create duplicate
 * leads) and the concurrency place we free is free at Marketo as well. It is
 * also the longest any one attempt stays in flight, which the push runner's
 * short lease must outlive. Shorter time-outs are for sandboxes and tests.
 */
const DEFAULT_TIMEOUT_MS = 35_000;

export type SyncAction = 'createOnly' | 'updateOnly' | 'createOrUpdate' | 'createDuplicate';
export type LeadFieldValue = string | number | boolean | null;

export interface MarketoClientOptions {
  munchkinId: string;
  /** The REST endpoint, e.g. https://123-ABC-456.mktorest.com (a trailing /rest is dropped: bulk calls live beside it). */
  restBaseUrl: string;
  /** The identity URL, e.g. https://123-ABC-456.mktorest.com/identity. */
  identityBaseUrl: string;
  credentials: () => Promise<MarketoCredentials>;
  budget: CallBudget;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Retries of transient failures (5xx, network, time-outs, 604/608/611/...) per call. */
  maxRetries?: number;
  /** Waits after 606/615 per call before giving up. */
  maxThrottleWaits?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  tokenCache?: MarketoTokenCache;
}

const optionsSchema = z.object({
  munchkinId: z.string().regex(/^\d{3}-[A-Za-z]{3}-\d{3}$/, 'a Munchkin ID looks like 123-ABC-456'),
  restBaseUrl: z.url(),
  identityBaseUrl: z.url(),
  timeoutMs: z.number().int().positive(),
  maxRetries: z.number().int().min(0).max(20),
  maxThrottleWaits: z.number().int().min(0).max(100),
});

export interface SyncLeadsRequest {
  action?: SyncAction;
  lookupField?: string;
  partitionName?: string;
  input: ReadonlyArray<Readonly<Record<string, LeadFieldValue>>>;
}

export class MarketoClient {
  readonly munchkinId: string;
  readonly stats: MarketoClientStats = emptyStats();
  /** The longest one HTTP attempt can stay in flight (its time-out). */
  readonly callTimeoutMs: number;
  private readonly transport: MarketoTransport;
  private readonly tokens: TokenProvider;

  constructor(options: MarketoClientOptions) {
    const checked = optionsSchema.safeParse({
      munchkinId: options.munchkinId,
      restBaseUrl: options.restBaseUrl,
      identityBaseUrl: options.identityBaseUrl,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRetries: options.maxRetries ?? 5,
      maxThrottleWaits: options.maxThrottleWaits ?? 10,
    });
    if (!checked.success) {
      const problems = checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new RangeError(`Invalid Marketo client options: ${problems}`);
    }
    const settings = checked.data;
    this.munchkinId = settings.munchkinId;
    this.callTimeoutMs = settings.timeoutMs;
    const fetchImpl = options.fetch ?? fetch;
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? realSleep;
    const backoff = {
      baseMs: options.backoffBaseMs ?? DEFAULT_BACKOFF.baseMs,
      capMs: options.backoffCapMs ?? DEFAULT_BACKOFF.capMs,
      random: options.random ?? DEFAULT_BACKOFF.random,
    };
    const tokens = (this.tokens = new TokenProvider({
      munchkinId: settings.munchkinId,
      identityBaseUrl: trimSlashes(settings.identityBaseUrl),
      restOrigin: new URL(settings.restBaseUrl).origin,
      credentials: options.credentials,
      fetch: fetchImpl,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      backoff,
      now,
      sleep,
      cache: options.tokenCache ?? processTokenCache,
      onTokenCall: () => (this.stats.tokenCalls += 1),
    }));
    this.transport = new MarketoTransport({
      munchkinId: settings.munchkinId,
      restBaseUrl: trimSlashes(settings.restBaseUrl).replace(/\/rest$/, ''),
      tokens,
      budget: options.budget,
      fetch: fetchImpl,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      maxThrottleWaits: settings.maxThrottleWaits,
      backoff,
      now,
      sleep,
      stats: this.stats,
    });
  }

  /**
   * Proves the client ID and secret: a token from the identity service (or
   * the cached one). Throws MarketoAuthError when Marketo refuses them.
   */
  async authenticate(): Promise<void> {
    await this.tokens.token();
  }

  /** Sets (or clears) the check made before every attempt; see CallGate. */
  gateCalls(gate: CallGate | undefined): void {
    this.transport.gate = gate;
  }

  /** Creates or updates up to 300 leads; one result per input record, in input order. */
  async syncLeads(request: SyncLeadsRequest): Promise<SyncLeadResult[]> {
    this.checkBatch('syncLeads', request.input.length);
    const body: Record<string, unknown> = {
      action: request.action ?? 'createOrUpdate',
      lookupField: request.lookupField ?? 'email',
      input: request.input,
    };
    if (request.partitionName !== undefined) body.partitionName = request.partitionName;
    const envelope = await this.send({ kind: 'syncLeads', method: 'POST', path: '/rest/v1/leads.json', body: { json: body }, operation: 'syncLeads' });
    const results = this.parse(z.array(syncLeadResultSchema), envelope.result ?? [], 'syncLeads');
    if (results.length !== request.input.length) throw this.unexpected('syncLeads', 'a result count that differs from the input');
    return results;
  }

  /**
   * Every lead whose email is one of `emails` (case-insensitive at Marketo), by
   * POST with `_method=GET` so 300 long emails never meet the 8 KB URL limit.
   */
  async findLeadsByEmail(emails: readonly string[], fields: readonly string[] = ['id', 'email']): Promise<MarketoLead[]> {
    const leads: MarketoLead[] = [];
    for (let start = 0; start < emails.length; start += MAX_RECORDS_PER_CALL) {
      const chunk = emails.slice(start, start + MAX_RECORDS_PER_CALL);
      let nextPageToken: string | undefined;
      do {
        const form = new URLSearchParams({ filterType: 'email', filterValues: chunk.join(','), fields: fields.join(','), batchSize: String(MAX_RECORDS_PER_CALL) });
        if (nextPageToken) form.set('nextPageToken', nextPageToken);
        const envelope = await this.send({
          kind: 'findLeads',
          method: 'POST',
          path: '/rest/v1/leads.json',
          query: new URLSearchParams({ _method: 'GET' }),
          body: { form },
          operation: 'findLeadsByEmail',
        });
        const page = this.parse(z.array(leadSchema), envelope.result ?? [], 'findLeadsByEmail');
        leads.push(...page);
        nextPageToken = page.length > 0 ? pageOn(envelope) : undefined;
      } while (nextPageToken);
    }
    return leads;
  }

  /** The static list itself; a missing list is a MarketoConfigError naming it. */
  async getList(listId: number): Promise<MarketoStaticList> {
    const envelope = await this.send({ kind: 'getList', method: 'GET', path: `/rest/v1/lists/${listId}.json`, operation: 'getList', target: `list ${listId}` });
    const [list] = this.parse(z.array(staticListSchema).min(1), envelope.result ?? [], 'getList');
    if (!list) throw this.unexpected('getList', 'an empty result');
    return list;
  }

  async addToList(listId: number, leadIds: readonly number[]): Promise<AddToListResult[]> {
    return this.changeMembership('addToList', 'POST', listId, leadIds, addToListResultSchema);
  }

  /** Removes leads; a lead that was not in the list comes back skipped with 1015, which is harmless. */
  async removeFromList(listId: number, leadIds: readonly number[]): Promise<RemoveFromListResult[]> {
    return this.changeMembership('removeFromList', 'DELETE', listId, leadIds, removeFromListResultSchema);
  }

  /** Add (POST) and remove (DELETE) share a path and a body: up to 300 IDs as `{"input":[{"id":…}]}`. */
  private async changeMembership<Result extends z.ZodType>(
    kind: 'addToList' | 'removeFromList',
    method: 'POST' | 'DELETE',
    listId: number,
    leadIds: readonly number[],
    resultSchema: Result,
  ): Promise<Array<z.infer<Result>>> {
    this.checkBatch(kind, leadIds.length);
    const envelope = await this.send({
      kind,
      method,
      path: `/rest/v1/lists/${listId}/leads.json`,
      body: { json: { input: leadIds.map((id) => ({ id })) } },
      operation: kind,
      target: `list ${listId}`,
    });
    return this.parse(z.array(resultSchema), envelope.result ?? [], kind);
  }

  /** One page of a list's members; pass the returned token back for the next page. */
  async listMembers(
    listId: number,
    page: { batchSize?: number; nextPageToken?: string; fields?: readonly string[] } = {},
  ): Promise<{ leads: MarketoLead[]; nextPageToken?: string }> {
    const batchSize = page.batchSize ?? MAX_RECORDS_PER_CALL;
    this.checkBatch('listMembers', batchSize);
    const query = new URLSearchParams({ batchSize: String(batchSize) });
    if (page.fields) query.set('fields', page.fields.join(','));
    if (page.nextPageToken) query.set('nextPageToken', page.nextPageToken);
    const envelope = await this.send({ kind: 'listMembers', method: 'GET', path: `/rest/v1/lists/${listId}/leads.json`, query, operation: 'listMembers', target: `list ${listId}` });
    const leads = this.parse(z.array(leadSchema), envelope.result ?? [], 'listMembers');
    const nextPageToken = pageOn(envelope);
    return nextPageToken ? { leads, nextPageToken } : { leads };
  }

  async isMember(listId: number, leadIds: readonly number[]): Promise<MemberOfListResult[]> {
    this.checkBatch('isMember', leadIds.length);
    const query = new URLSearchParams();
    for (const id of leadIds) query.append('id', String(id));
    const envelope = await this.send({ kind: 'isMember', method: 'GET', path: `/rest/v1/lists/${listId}/leads/ismember.json`, query, operation: 'isMember', target: `list ${listId}` });
    return this.parse(z.array(memberOfListResultSchema), envelope.result ?? [], 'isMember');
  }

  /**
   * Starts an asynchronous bulk import (create-or-update, then add to `listId`).
   * Build `csv` with `toCsv` so values holding commas or quotes stay intact.
   */
  async importLeadsCsv(request: { csv: string; lookupField?: string; listId?: number; partitionName?: string }): Promise<ImportStatus> {
    const form = new FormData();
    form.set('format', 'csv');
    form.set('file', new Blob([request.csv], { type: 'text/csv' }), 'leads.csv');
    form.set('lookupField', request.lookupField ?? 'email');
    if (request.listId !== undefined) form.set('listId', String(request.listId));
    if (request.partitionName !== undefined) form.set('partitionName', request.partitionName);
    const envelope = await this.send({
      kind: 'importLeads',
      method: 'POST',
      path: '/bulk/v1/leads.json',
      body: { multipart: form },
      operation: 'importLeadsCsv',
      target: request.listId === undefined ? undefined : `list ${request.listId}`,
      // Too many imports, or one into this list still running: retrying within seconds only re-uploads the file.
      noRetry: ['1016', '1019'],
    });
    return this.firstOf(importStatusSchema, envelope, 'importLeadsCsv');
  }

  async getImportStatus(batchId: number): Promise<ImportStatus> {
    const envelope = await this.send({ kind: 'importStatus', method: 'GET', path: `/bulk/v1/leads/batch/${batchId}.json`, operation: 'getImportStatus', target: `import batch ${batchId}` });
    return this.firstOf(importStatusSchema, envelope, 'getImportStatus');
  }

  /** The lead fields usable over REST (Describe Lead), with their REST names. */
  async describeLeads(): Promise<LeadField[]> {
    const envelope = await this.send({ kind: 'describeLeads', method: 'GET', path: '/rest/v1/leads/describe.json', operation: 'describeLeads', target: 'the lead fields' });
    const described = this.parse(z.array(describedFieldSchema), envelope.result ?? [], 'describeLeads');
    return described.flatMap((field) => (field.rest ? [{ name: field.rest.name, displayName: field.displayName, dataType: field.dataType, readOnly: field.rest.readOnly }] : []));
  }

  /** The instance's lead partitions (an instance without partitions has one: Default). */
  async leadPartitions(): Promise<MarketoPartition[]> {
    const envelope = await this.send({ kind: 'partitions', method: 'GET', path: '/rest/v1/leads/partitions.json', operation: 'leadPartitions', target: 'the lead partitions' });
    return this.parse(z.array(partitionSchema), envelope.result ?? [], 'leadPartitions');
  }

  /** One page of the instance's static lists (`GET /rest/v1/lists.json`); pass the token back for the next. */
  async browseLists(page: { batchSize?: number; nextPageToken?: string } = {}): Promise<{ lists: MarketoStaticList[]; nextPageToken?: string }> {
    const batchSize = page.batchSize ?? MAX_RECORDS_PER_CALL;
    this.checkBatch('browseLists', batchSize);
    const query = new URLSearchParams({ batchSize: String(batchSize) });
    if (page.nextPageToken) query.set('nextPageToken', page.nextPageToken);
    const envelope = await this.send({ kind: 'browseLists', method: 'GET', path: '/rest/v1/lists.json', query, operation: 'browseLists', target: 'the static lists' });
    const lists = this.parse(z.array(staticListSchema), envelope.result ?? [], 'browseLists');
    const nextPageToken = lists.length > 0 ? pageOn(envelope) : undefined;
    return nextPageToken ? { lists, nextPageToken } : { lists };
  }

  /**
   * Today's REST calls on the instance by every API user, ours included
   * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/usage).
   */
  async getDailyUsage(): Promise<DailyUsage> {
    const envelope = await this.send({ kind: 'usage', method: 'GET', path: '/rest/v1/stats/usage.json', operation: 'getDailyUsage' });
    return this.firstOf(dailyUsageSchema, envelope, 'getDailyUsage');
  }

  /**
   * A finished import's failures or warnings file: the rows as sent, each with
   * one more column saying why (parse it with `parseCsv`).
   */
  async getImportFile(batchId: number, which: 'failures' | 'warnings'): Promise<string> {
    return this.transport.sendForFile({ kind: 'importFiles', method: 'GET', path: `/bulk/v1/leads/batch/${batchId}/${which}.json`, operation: `getImport${which === 'failures' ? 'Failures' : 'Warnings'}`, target: `import batch ${batchId}` });
  }

  /**
   * Creates a bulk lead extract job (status `Created`: nothing runs until it
   * is enqueued). 1029 (the day's export allowance is spent) is thrown at once
   * as MarketoUnavailableError: it lasts until midnight US Central.
   * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-lead-extract
   */
  async createLeadExport(request: LeadExportRequest): Promise<ExportStatus> {
    const body = { fields: request.fields, format: 'CSV', filter: request.filter, ...(request.columnHeaderNames ? { columnHeaderNames: request.columnHeaderNames } : {}) };
    const envelope = await this.send({ kind: 'exportLeads', method: 'POST', path: '/bulk/v1/leads/export/create.json', body: { json: body }, operation: 'createLeadExport', noRetry: ['1029'] });
    return this.firstOf(exportStatusSchema, envelope, 'createLeadExport');
  }

  /**
   * Queues a created job. 1029 (queue full, allowance spent, or already
   * queued) is thrown at once as MarketoUnavailableError: none of them passes
   * within a retry's seconds, and "already queued" is an answer, not a fault.
   */
  async enqueueLeadExport(exportId: string): Promise<ExportStatus> {
    const envelope = await this.send({ kind: 'exportEnqueue', method: 'POST', path: `/bulk/v1/leads/export/${encodeURIComponent(exportId)}/enqueue.json`, operation: 'enqueueLeadExport', target: `export ${exportId}`, noRetry: ['1029'] });
    return this.firstOf(exportStatusSchema, envelope, 'enqueueLeadExport');
  }

  /** A job's status; Marketo updates it at most once a minute. */
  async getLeadExportStatus(exportId: string): Promise<ExportStatus> {
    const envelope = await this.send({ kind: 'exportStatus', method: 'GET', path: `/bulk/v1/leads/export/${encodeURIComponent(exportId)}/status.json`, operation: 'getLeadExportStatus', target: `export ${exportId}` });
    return this.firstOf(exportStatusSchema, envelope, 'getLeadExportStatus');
  }

  /** A completed job's file (CSV, the requested fields as header, `null` for an empty value; parse it with `parseCsv`). */
  async getLeadExportFile(exportId: string): Promise<string> {
    return this.transport.sendForFile({ kind: 'exportFile', method: 'GET', path: `/bulk/v1/leads/export/${encodeURIComponent(exportId)}/file.json`, operation: 'getLeadExportFile', target: `export ${exportId}` });
  }

  async cancelLeadExport(exportId: string): Promise<ExportStatus> {
    const envelope = await this.send({ kind: 'exportCancel', method: 'POST', path: `/bulk/v1/leads/export/${encodeURIComponent(exportId)}/cancel.json`, operation: 'cancelLeadExport', target: `export ${exportId}` });
    return this.firstOf(exportStatusSchema, envelope, 'cancelLeadExport');
  }

  private send(request: MarketoRequest): Promise<MarketoEnvelope> {
    return this.transport.send(request);
  }

  private checkBatch(operation: string, size: number): void {
    if (size > MAX_RECORDS_PER_CALL) {
      throw new MarketoRequestError(`${operation} takes at most ${MAX_RECORDS_PER_CALL} records a call; got ${size}: split the batch`, { code: 'too-many-records' });
    }
  }

  private firstOf<T>(schema: z.ZodType<T>, envelope: MarketoEnvelope, operation: string): T {
    const [first] = this.parse(z.array(schema).min(1), envelope.result ?? [], operation);
    if (first === undefined) throw this.unexpected(operation, 'an empty result');
    return first;
  }

  private parse<T>(schema: z.ZodType<T>, value: unknown, operation: string): T {
    const parsed = schema.safeParse(value);
    // The zod error is left out on purpose: its issues can quote lead data.
    if (!parsed.success) throw this.unexpected(operation, `a result of another shape (at ${parsed.error.issues[0]?.path.join('.') ?? '?'})`);
    return parsed.data;
  }

  private unexpected(operation: string, what: string): MarketoError {
    return new MarketoError(`Marketo instance ${this.munchkinId} answered ${operation} with ${what}`, { code: 'unexpected-response', kind: 'configuration' });
  }
}

/** Marketo pages with `nextPageToken`, and says `moreResult` on some endpoints. */
function pageOn(envelope: MarketoEnvelope): string | undefined {
  if (envelope.moreResult === false) return undefined;
  return envelope.nextPageToken || undefined;
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
