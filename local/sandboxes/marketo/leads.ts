import type { SandboxRequest, SandboxResponse, SandboxServer } from '#local/sandboxes/framework.ts';
import { blank, failure, jsonBody, pageToken, readPageToken, reason, success, tooManyRecords, wholeNumber, type Reason } from './envelope';
import { DEFAULT_PARTITION, DEFAULT_READ_FIELDS, leadView, type FieldValue, type MarketoState, type SandboxLead } from './state';

/**
 * Sync Leads and Get Leads by Filter Type
 * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/leads).
 */
const ACTIONS = ['createOnly', 'updateOnly', 'createOrUpdate', 'createDuplicate'] as const;
type Action = (typeof ACTIONS)[number];
const MAX_BATCH = 300;
/** "If the number of leads matching the lead filter is greater than 1,000 an error is returned: 1003." */
const MAX_MATCHES = 1000;

type Decision = { type: 'create' } | { type: 'update'; id: number } | { type: 'skip'; reason: Reason };

export interface LeadRoutesOptions {
  /** Time between reading and writing a sync: the window in which racing upserts of one email both create a lead. */
  processingLatencyMs: number;
}

export function leadRoutes(server: SandboxServer, state: MarketoState, options: LeadRoutesOptions): void {
  // Describe Lead: every field with its REST name, label, type and whether it is read-only.
  server.route('GET', '/rest/v1/leads/describe.json', () => success(state.describeFields()));
  server.route('GET', '/rest/v1/leads/partitions.json', () => success(state.partitions()));
  server.route('GET', '/rest/v1/leads.json', (request) => findLeads(state, request.query));
  server.route('POST', '/rest/v1/leads.json', (request) => {
    // The documented escape from the 8 KB URL limit: POST with _method=GET and the query as a form body.
    if (request.query.get('_method') === 'GET') {
      if (!(request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return failure('612', 'Invalid Content Type');
      const params = new URLSearchParams(request.query);
      for (const [name, value] of request.form()) params.set(name, value);
      return findLeads(state, params);
    }
    return syncLeads(state, request, options.processingLatencyMs);
  });
}

async function syncLeads(state: MarketoState, request: SandboxRequest, processingLatencyMs: number): Promise<SandboxResponse> {
  const body = jsonBody(request);
  if ('error' in body) return body.error;
  if (typeof body.value !== 'object' || body.value === null) return blank('input');
  const { action = 'createOrUpdate', lookupField = 'email', partitionName = DEFAULT_PARTITION, input } = body.value as Record<string, unknown>;
  if (!ACTIONS.includes(action as Action)) return failure('1003', `Invalid action '${String(action)}'`);
  if (typeof lookupField !== 'string' || !state.isField(lookupField)) return failure('1006', `Field '${String(lookupField)}' not found`);
  if (lookupField === 'id' && action !== 'updateOnly') return failure('1003', "Lookup field 'id' is only allowed with updateOnly");
  if (typeof partitionName !== 'string') return failure('1003', 'Invalid partitionName');
  if (!Array.isArray(input) || input.length === 0) return blank('input');
  if (input.length > MAX_BATCH) return tooManyRecords(input.length);

  // Read first, write after the processing time, as a real upsert does: two
  // calls carrying one email inside that time both see "no such lead".
  const decisions = input.map((record) => decide(state, action as Action, lookupField, record));
  if (processingLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, processingLatencyMs));

  const createdInThisCall = new Map<string, number>();
  const result = decisions.map((decision, index) => {
    const record = input[index] as Record<string, FieldValue>;
    if (decision.type === 'skip') return { status: 'skipped', reasons: [decision.reason] };
    if (decision.type === 'update') return { id: state.updateLead(decision.id, record)?.id ?? decision.id, status: 'updated' };
    // One call that names a key twice updates the lead its first record created.
    const key = action === 'createDuplicate' ? undefined : lookupKey(record[lookupField]);
    const earlier = key === undefined ? undefined : createdInThisCall.get(key);
    if (earlier !== undefined) {
      if (action === 'createOnly') return { status: 'skipped', reasons: [reason('1005', 'Lead already exists')] };
      state.updateLead(earlier, record);
      return { id: earlier, status: 'updated' };
    }
    const lead = state.createLead(record, partitionName);
    if (key !== undefined) createdInThisCall.set(key, lead.id);
    return { id: lead.id, status: 'created' };
  });
  return success(result);
}

function lookupKey(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim().toLowerCase() : typeof value === 'number' ? String(value) : undefined;
}

function decide(state: MarketoState, action: Action, lookupField: string, record: unknown): Decision {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return { type: 'skip', reason: reason('1003', 'Invalid data') };
  const fields = record as Record<string, unknown>;
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'id') {
      if (action !== 'updateOnly') return { type: 'skip', reason: reason('1003', "Field 'id' is only allowed with updateOnly") };
      continue;
    }
    if (!state.isWritableField(name)) return { type: 'skip', reason: reason('1006', `Field '${name}' not found`) };
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      return { type: 'skip', reason: reason('1001', `Invalid value for field '${name}'`) };
    }
  }
  if (action === 'createDuplicate') return { type: 'create' };
  const key = fields[lookupField];
  if (key === undefined || key === null || key === '') {
    return action === 'createOnly' && lookupField === 'email' ? { type: 'create' } : { type: 'skip', reason: reason('1003', `Value for lookup field '${lookupField}' not specified`) };
  }
  const matches = state.leadsMatching(lookupField, key as FieldValue);
  if (action === 'createOnly') return matches.length > 0 ? { type: 'skip', reason: reason('1005', 'Lead already exists') } : { type: 'create' };
  if (matches.length > 1) return { type: 'skip', reason: reason('1007', 'Multiple lead match lookup criteria') };
  const [match] = matches;
  if (match) return { type: 'update', id: match.id };
  return action === 'updateOnly' ? { type: 'skip', reason: reason('1004', 'Lead not found') } : { type: 'create' };
}

function findLeads(state: MarketoState, params: URLSearchParams): SandboxResponse {
  const filterType = params.get('filterType');
  const filterValues = params.get('filterValues');
  if (!filterType) return blank('filterType');
  if (!filterValues) return blank('filterValues');
  if (filterType !== 'email' && filterType !== 'id') return failure('1011', `Field '${filterType}' not supported`);
  const values = filterValues.split(',').map((value) => value.trim()).filter((value) => value !== '');
  if (values.length > MAX_BATCH) return tooManyRecords(values.length);
  const batchSize = params.has('batchSize') ? wholeNumber(params.get('batchSize')) : MAX_BATCH;
  if (batchSize === undefined || batchSize > MAX_BATCH) return failure('1003', `Invalid batchSize '${params.get('batchSize')}'`);
  const fields = params.get('fields')?.split(',').map((field) => field.trim()).filter(Boolean) ?? [...DEFAULT_READ_FIELDS];
  const unknown = fields.find((field) => !state.isField(field));
  if (unknown) return failure('1006', `Field '${unknown}' not found`);

  const found = new Map<number, SandboxLead>();
  for (const value of values) for (const lead of state.leadsMatching(filterType, filterType === 'id' ? Number(value) : value)) found.set(lead.id, lead);
  if (found.size > MAX_MATCHES) return failure('1003', 'Too many results match the filter');
  const matches = [...found.values()].sort((a, b) => a.id - b.id);

  const scope = `leads:${filterType}:${values.length}`;
  const token = params.get('nextPageToken');
  const offset = token ? readPageToken(token, scope) : 0;
  if (offset === undefined) return failure('1001', `Invalid value '${token}'. Required of type 'nextPageToken'`);
  const page = matches.slice(offset, offset + batchSize).map((lead) => leadView(lead, fields));
  const more = offset + batchSize < matches.length;
  return success(page, more ? { moreResult: true, nextPageToken: pageToken(offset + batchSize, scope) } : {});
}
