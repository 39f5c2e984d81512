import { demo } from '#local/demo-identities.ts';
import { SandboxServer, type SandboxRequest, type SandboxResponse } from '#local/sandboxes/framework.ts';
import type { CallKind } from '#shared/marketo/index.ts';
import { TokenIssuer } from './auth';
import { success } from './envelope';
import { bulkRoutes, ImportQueue, type ImportJob } from './bulk';
import { failure } from './envelope';
import { DEFAULT_DAILY_EXPORT_BYTES, ExportQueue, extractRoutes, type ExportJob } from './extract';
import { defineMarketoFaults } from './faults';
import { leadRoutes } from './leads';
import { gateRestCall, InstanceLimits, type LimitCounters } from './limits';
import { listRoutes } from './lists';
import { seedDemoInstance } from './seed';
import { copyLead, MarketoState, type FieldValue, type SandboxLead, type SandboxList } from './state';

export { MARKETO_FAULT_KINDS } from './faults';
export { DEMO_LEAD_COUNT, DEMO_LIST_MEMBER_COUNT } from './seed';
export type { FieldValue, SandboxLead, SandboxList } from './state';
export type { ImportJob } from './bulk';
export type { ExportJob } from './extract';

export interface MarketoSandboxOptions {
  munchkinId?: string;
  clientId?: string;
  clientSecret?: string;
  /** 100 per 20 s at Marketo. */
  callsPerWindow?: number;
  windowMs?: number;
  maxConcurrent?: number;
  dailyQuota?: number;
  tokenTtlSeconds?: number;
  /** Time each REST call spends being processed; a sync spends it between reading and writing leads (the window in which racing upserts of one email both create a lead). */
  processingLatencyMs?: number;
  /** Time a bulk import job spends importing. */
  importDurationMs?: number;
  /** Time a bulk lead extract job spends processing. */
  exportDurationMs?: number;
  /** Bytes of extract files a day (Marketo's default allowance: 500 MB). */
  dailyExportBytes?: number;
  /** Custom lead fields the instance knows besides the standard ones. */
  customFields?: string[];
  /** Seed the demo leads and lists (default true) when no saved state is restored. */
  seed?: boolean;
  /** Keep leads, lists, fields and partitions in this JSON file across restarts (npm start: `<state dir>/sandboxes/marketo.json`); in memory without it. */
  stateFile?: string;
  now?: () => number;
}

/** The client's call kinds, plus the identity call and anything else the sandbox is asked. */
export type EndpointKind = 'identity' | CallKind | 'other';

export interface MarketoSandboxStats extends LimitCounters {
  /** Calls the instance itself answered (injected faults are counted apart). */
  callsByKind: Record<EndpointKind, number>;
  /** 606 and 615 answers given by the limits, never injected ones. */
  realRateLimitErrors: number;
  injectedFaults: number;
  peakConcurrency: number;
}

export function endpointKind(request: Pick<SandboxRequest, 'method' | 'path' | 'query'>): EndpointKind {
  const { method, path } = request;
  if (path.startsWith('/identity/')) return 'identity';
  if (path === '/rest/v1/leads/describe.json') return 'describeLeads';
  if (path === '/rest/v1/leads/partitions.json') return 'partitions';
  if (path === '/rest/v1/lists.json') return 'browseLists';
  if (path === '/rest/v1/leads.json') return method === 'GET' || request.query.get('_method') === 'GET' ? 'findLeads' : 'syncLeads';
  if (/^\/rest\/v1\/lists\/[^/]+\/leads\/ismember\.json$/.test(path)) return 'isMember';
  if (/^\/rest\/v1\/lists\/[^/]+\/leads\.json$/.test(path)) return method === 'POST' ? 'addToList' : method === 'DELETE' ? 'removeFromList' : 'listMembers';
  if (/^\/rest\/v1\/lists\/[^/]+\.json$/.test(path)) return 'getList';
  if (path === '/bulk/v1/leads.json') return 'importLeads';
  if (path.startsWith('/bulk/v1/leads/batch/')) return 'importStatus';
  if (path === '/bulk/v1/leads/export/create.json') return 'exportLeads';
  const extract = /^\/bulk\/v1\/leads\/export\/[^/]+\/(enqueue|status|file|cancel)\.json$/.exec(path)?.[1];
  if (extract) return EXTRACT_KINDS[extract as keyof typeof EXTRACT_KINDS];
  if (path === '/rest/v1/stats/usage.json') return 'usage';
  return 'other';
}

const EXTRACT_KINDS = { enqueue: 'exportEnqueue', status: 'exportStatus', file: 'exportFile', cancel: 'exportCancel' } as const;

export type MarketoSandbox = ReturnType<typeof createMarketoSandbox>;

/** A loopback Marketo Engage instance that behaves as Adobe documents, unkind parts included. */
export function createMarketoSandbox(options: MarketoSandboxOptions = {}) {
  const now = options.now ?? Date.now;
  const settings = {
    munchkinId: options.munchkinId ?? demo.marketo.munchkinId,
    clientId: options.clientId ?? demo.marketo.clientId,
    clientSecret: options.clientSecret ?? demo.marketo.clientSecret,
    callsPerWindow: options.callsPerWindow ?? 100,
    windowMs: options.windowMs ?? 20_000,
    maxConcurrent: options.maxConcurrent ?? 10,
    dailyQuota: options.dailyQuota ?? 50_000,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    processingLatencyMs: options.processingLatencyMs ?? 0,
    importDurationMs: options.importDurationMs ?? 200,
    exportDurationMs: options.exportDurationMs ?? 200,
    dailyExportBytes: options.dailyExportBytes ?? DEFAULT_DAILY_EXPORT_BYTES,
  };
  const server = new SandboxServer('marketo');
  const state = new MarketoState(now);
  // A saved world (npm start's state dir) replaces the seed: people and list members carry on from the last run.
  const restored = options.stateFile ? server.persistTo(options.stateFile, state) : false;
  for (const field of options.customFields ?? []) state.addField(field);
  if (!restored && (options.seed ?? true)) seedDemoInstance(state);
  server.saveState();
  const tokens = new TokenIssuer(settings.clientId, settings.clientSecret, settings.tokenTtlSeconds, now);
  const limitOptions = { ...settings, now };
  const limits = new InstanceLimits(limitOptions);
  const imports = new ImportQueue(state, now, settings.importDurationMs);
  const exports = new ExportQueue(state, now, settings.exportDurationMs, settings.dailyExportBytes);
  const callsByKind = Object.fromEntries(
    ['identity', 'syncLeads', 'findLeads', 'getList', 'addToList', 'removeFromList', 'listMembers', 'isMember', 'importLeads', 'importStatus', 'exportLeads', 'exportEnqueue', 'exportStatus', 'exportFile', 'exportCancel', 'describeLeads', 'partitions', 'browseLists', 'usage', 'other'].map((kind) => [kind, 0]),
  ) as Record<EndpointKind, number>;

  const identity = (request: SandboxRequest) => tokens.answer(request);
  server.route('GET', '/identity/oauth/token', identity);
  server.route('POST', '/identity/oauth/token', identity);
  leadRoutes(server, state, { processingLatencyMs: settings.processingLatencyMs });
  listRoutes(server, state);
  bulkRoutes(server, state, imports);
  extractRoutes(server, exports);
  // Get Daily Usage (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/usage): every API user's calls today, this one included.
  server.route('GET', '/rest/v1/stats/usage.json', () => success([limits.usage()]));
  defineMarketoFaults(server);
  // Marketo answers a URL that names no REST resource with 610 and a known one asked with the wrong method with 605, both in an HTTP 200 envelope
  // (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes).
  server.unmatched = (_request, pathMatched) => (pathMatched ? failure('605', 'HTTP Method not supported') : failure('610', 'Requested resource not found'));
  /** Endpoint kinds the API user's role may not use: answered 603, as Marketo answers a role that lacks the permission. */
  const denied = new Set<EndpointKind>();

  const gate = gateRestCall(tokens, limits, limitOptions);
  // Processing time holds a concurrency place like real work does; a sync spends it between its reads and writes instead.
  const process = (next: () => Promise<SandboxResponse>) => async () => {
    await new Promise((resolve) => setTimeout(resolve, settings.processingLatencyMs));
    return next();
  };
  server.around = (request, next) => {
    const kind = endpointKind(request);
    callsByKind[kind] += 1;
    if (kind === 'identity') return next();
    const answer = denied.has(kind) ? async () => failure('603', 'Access denied') : next;
    const work = settings.processingLatencyMs > 0 && kind !== 'syncLeads' ? process(answer) : answer;
    return gate(request, kind === 'importLeads', work);
  };

  return {
    server,
    settings,
    start: (port = 0) => server.start(port),
    stop: () => server.stop(),
    get baseUrl(): string {
      return server.baseUrl;
    },
    /** What Marketo's Admin > Web Services shows as the Identity URL. */
    get identityUrl(): string {
      return `${server.baseUrl}/identity`;
    },

    leads: (): SandboxLead[] => state.allLeads().map(copyLead),
    lead: (id: number): SandboxLead | undefined => {
      const lead = state.lead(id);
      return lead && copyLead(lead);
    },
    leadsByEmail: (email: string): SandboxLead[] => state.leadsMatching('email', email).map(copyLead),
    lists: (): SandboxList[] => state.allLists(),
    listMemberIds: (listId: number): number[] => state.memberIds(listId),
    duplicateEmails: (): string[] => state.duplicateEmails(),
    imports: (): ImportJob[] => imports.all(),
    /** Bulk lead extract jobs, every state. */
    exports: (): ExportJob[] => exports.all(),
    stats: (): MarketoSandboxStats => ({
      ...limits.counters,
      callsByKind: { ...callsByKind },
      realRateLimitErrors: limits.counters.rateWindowRejections + limits.counters.concurrencyRejections,
      injectedFaults: server.calls.filter((call) => call.fault !== undefined).length,
      peakConcurrency: limits.gauge.peak,
    }),

    addLead: (fields: Record<string, FieldValue>): SandboxLead => {
      const lead = copyLead(state.createLead(fields));
      server.saveState();
      return lead;
    },
    addList: (name: string, id?: number): SandboxList => {
      const list = state.addList(name, id);
      server.saveState();
      return { id: list.id, name: list.name, memberIds: [], createdAt: list.createdAt, updatedAt: list.updatedAt };
    },
    addToList: (listId: number, leadIds: readonly number[]): void => {
      leadIds.forEach((id) => state.addMember(listId, id));
      server.saveState();
    },
    addField: (name: string): void => {
      state.addField(name);
      server.saveState();
    },
    removeField: (name: string): void => {
      state.removeField(name);
      server.saveState();
    },
    addPartition: (name: string, description?: string): void => {
      state.addPartition(name, description);
      server.saveState();
    },
    /** The API user's role loses (or, with `false`, regains) the permission an endpoint kind needs: its calls get 603. */
    denyAccess: (kind: EndpointKind, deny = true): void => void (deny ? denied.add(kind) : denied.delete(kind)),
    /** Forgets every issued token: the next call with one gets 601. */
    revokeTokens: (): void => tokens.revokeAll(),
    /** Spends quota as other integrations on the instance would. */
    /** Another integration's calls today (counted against the quota and in Get Daily Usage under `userId`). */
    spendDailyQuota: (calls: number, userId?: string): void => limits.spendQuota(calls, userId),
    /** Another integration's burst in the current 20 s window. */
    burstByOthers: (calls: number, userId?: string): void => limits.burst(calls, userId),
  };
}
