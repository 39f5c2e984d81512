import type { SandboxRequest, SandboxResponse, SandboxServer } from '#local/sandboxes/framework.ts';
import { blank, failure, jsonBody, objectNotFound, pageToken, readPageToken, reason, success, tooManyRecords, wholeNumber } from './envelope';
import { DEFAULT_READ_FIELDS, leadView, type MarketoState } from './state';

/**
 * Static lists and their members
 * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/list-membership):
 * up to 300 lead IDs a call, as `?id=1&id=2` or `{"input":[{"id":1}]}`, one
 * result per ID in the order given.
 */
const MAX_BATCH = 300;

export function listRoutes(server: SandboxServer, state: MarketoState): void {
  server.route('GET', '/rest/v1/lists/:listId.json', (request) => {
    const list = findList(state, request);
    if ('error' in list) return list.error;
    return success([listView(list.found)]);
  });

  // Get Lists: every static list, 300 a page at most, optionally filtered by id or name.
  server.route('GET', '/rest/v1/lists.json', (request) => {
    const batchSize = request.query.has('batchSize') ? wholeNumber(request.query.get('batchSize')) : MAX_BATCH;
    if (batchSize === undefined || batchSize > MAX_BATCH) return failure('1003', `Invalid batchSize '${request.query.get('batchSize')}'`);
    const ids = new Set(request.query.getAll('id').flatMap((value) => value.split(',')).map((value) => wholeNumber(value)));
    const names = new Set(request.query.getAll('name').flatMap((value) => value.split(',')));
    const lists = state
      .allLists()
      .filter((list) => (ids.size === 0 || ids.has(list.id)) && (names.size === 0 || names.has(list.name)))
      .sort((a, b) => a.id - b.id);
    const scope = `lists:${[...ids].join(',')}:${[...names].join(',')}`;
    const token = request.query.get('nextPageToken');
    const offset = token ? readPageToken(token, scope) : 0;
    if (offset === undefined) return failure('1001', `Invalid value '${token}'. Required of type 'nextPageToken'`);
    const page = lists.slice(offset, offset + batchSize).map(listView);
    const more = offset + batchSize < lists.length;
    return success(page, more ? { moreResult: true, nextPageToken: pageToken(offset + batchSize, scope) } : {});
  });

  server.route('POST', '/rest/v1/lists/:listId/leads.json', (request) =>
    changeMembers(state, request, (listId, leadId) => {
      if (!state.lead(leadId)) return { id: leadId, status: 'skipped', reasons: [reason('1004', 'Lead not found')] };
      state.addMember(listId, leadId); // adding a member again is still "added"
      return { id: leadId, status: 'added' };
    }),
  );

  server.route('DELETE', '/rest/v1/lists/:listId/leads.json', (request) =>
    changeMembers(state, request, (listId, leadId) => {
      if (!state.lead(leadId)) return { id: leadId, status: 'skipped', reasons: [reason('1004', 'Lead not found')] };
      if (!state.removeMember(listId, leadId)) return { id: leadId, status: 'skipped', reasons: [reason('1015', 'Lead not in list')] };
      return { id: leadId, status: 'removed' };
    }),
  );

  server.route('GET', '/rest/v1/lists/:listId/leads.json', (request) => {
    const list = findList(state, request);
    if ('error' in list) return list.error;
    const batchSize = request.query.has('batchSize') ? wholeNumber(request.query.get('batchSize')) : MAX_BATCH;
    if (batchSize === undefined || batchSize > MAX_BATCH) return failure('1003', `Invalid batchSize '${request.query.get('batchSize')}'`);
    const fields = request.query.get('fields')?.split(',').map((field) => field.trim()).filter(Boolean) ?? [...DEFAULT_READ_FIELDS];
    const unknown = fields.find((field) => !state.isField(field));
    if (unknown) return failure('1006', `Field '${unknown}' not found`);
    const scope = `list:${list.found.id}`;
    const token = request.query.get('nextPageToken');
    const offset = token ? readPageToken(token, scope) : 0;
    if (offset === undefined) return failure('1001', `Invalid value '${token}'. Required of type 'nextPageToken'`);
    const memberIds = state.memberIds(list.found.id);
    const page = memberIds.slice(offset, offset + batchSize).flatMap((id) => {
      const lead = state.lead(id);
      return lead ? [leadView(lead, fields)] : [];
    });
    const more = offset + batchSize < memberIds.length;
    return success(page, more ? { moreResult: true, nextPageToken: pageToken(offset + batchSize, scope) } : {});
  });

  server.route('GET', '/rest/v1/lists/:listId/leads/ismember.json', (request) => {
    const list = findList(state, request);
    if ('error' in list) return list.error;
    const ids = leadIdsOf(request);
    if ('error' in ids) return ids.error;
    const members = new Set(state.memberIds(list.found.id));
    return success(
      ids.ids.map((id) => {
        if (!state.lead(id)) return { id, status: 'skipped', reasons: [reason('1004', 'Lead not found')] };
        return { id, status: members.has(id) ? 'memberof' : 'notmemberof' };
      }),
    );
  });
}

function listView({ id, name, createdAt, updatedAt }: { id: number; name: string; createdAt: string; updatedAt: string }) {
  return { id, name, description: null, programName: null, workspaceName: 'Default', createdAt, updatedAt };
}

function findList(state: MarketoState, request: SandboxRequest): { found: NonNullable<ReturnType<MarketoState['list']>> } | { error: SandboxResponse } {
  const listId = wholeNumber(request.params.listId);
  const found = listId === undefined ? undefined : state.list(listId);
  return found ? { found } : { error: objectNotFound('List') };
}

function changeMembers(state: MarketoState, request: SandboxRequest, change: (listId: number, leadId: number) => object): SandboxResponse {
  const list = findList(state, request);
  if ('error' in list) return list.error;
  const ids = leadIdsOf(request);
  if ('error' in ids) return ids.error;
  return success(ids.ids.map((id) => change(list.found.id, id)));
}

/** Lead IDs from repeated `id` parameters (comma lists allowed) or a JSON `input` array. */
function leadIdsOf(request: SandboxRequest): { ids: number[] } | { error: SandboxResponse } {
  let raw: unknown[] = request.query.getAll('id').flatMap((value) => value.split(','));
  if (raw.length === 0 && request.body.length > 0) {
    const body = jsonBody(request);
    if ('error' in body) return body;
    const input = typeof body.value === 'object' && body.value !== null ? (body.value as { input?: unknown }).input : undefined;
    if (!Array.isArray(input)) return { error: blank('input') };
    raw = input.map((item) => (typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined));
  }
  if (raw.length === 0) return { error: blank('id') };
  if (raw.length > MAX_BATCH) return { error: tooManyRecords(raw.length) };
  const ids: number[] = [];
  for (const value of raw) {
    const id = typeof value === 'number' ? value : wholeNumber(typeof value === 'string' ? value : undefined);
    if (id === undefined || !Number.isSafeInteger(id) || id < 1) return { error: failure('1001', `Invalid value '${String(value)}'. Required of type 'Integer'`) };
    ids.push(id);
  }
  return { ids };
}
