import type { SandboxRequest, SandboxResponse, SandboxServer } from '#local/sandboxes/framework.ts';
import type { SandboxGroup, SandboxUser, UmapiDirectory, UmapiOrg } from './directory';
import type { UmapiRouteKind, UmapiThrottle } from './throttle';

export const BASE_PATH = '/v2/usermanagement';

export interface UmapiTokenInfo {
  clientId: string;
  scopes: string[];
}

export interface UmapiRouteContext {
  server: SandboxServer;
  directory: UmapiDirectory;
  throttle: UmapiThrottle;
  validateToken: (token: string) => UmapiTokenInfo | undefined | Promise<UmapiTokenInfo | undefined>;
  pageSize: { groups: number; users: number };
  /** The one org each server-to-server credential was created in (Adobe Developer Console project); undefined = none. */
  orgOfCredential: (clientId: string) => string | undefined;
}

const ORG_ID = /^[0-9A-F]{24}@AdobeOrg$/;

function withRequestId(request: SandboxRequest, response: SandboxResponse): SandboxResponse {
  const requestId = request.headers['x-request-id'];
  return requestId ? { ...response, headers: { ...response.headers, 'x-request-id': requestId } } : response;
}

/** 401 with no body (partials/unauthorized.md). */
const UNAUTHORIZED: SandboxResponse = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer realm="JIL", error="invalid_token", error_description="The access token is invalid"', 'content-length': '0' },
};
/** 403 with no body: missing or foreign API key, or an org the credential may not see (partials/forbidden.md). */
const FORBIDDEN: SandboxResponse = { status: 403, headers: { 'content-length': '0' } };
/** 429 as Adobe documents it (partials/throttling.md): Retry-After and a small JSON body. */
export function throttled(retryAfter: string): SandboxResponse {
  return { status: 429, headers: { 'retry-after': retryAfter }, body: { error_code: '429050', message: 'Too many requests' } };
}

const INVALID_ORG: SandboxResponse = { status: 400, body: { result: 'error.organization.invalid_id', message: 'Bad organization Id' } };

type Handler = (org: UmapiOrg, page: number, request: SandboxRequest) => SandboxResponse;

/**
 * Checks every UMAPI call makes before answering: bearer token, X-Api-Key of
 * the same credential and the user_management_sdk scope, the per-client and
 * global limits, then the org ID and page.
 */
async function guarded(context: UmapiRouteContext, kind: UmapiRouteKind, request: SandboxRequest, handler: Handler): Promise<SandboxResponse> {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const info = token ? await context.validateToken(token) : undefined;
  if (!info) return UNAUTHORIZED;
  if (request.headers['x-api-key'] !== info.clientId || !info.scopes.includes('user_management_sdk')) return FORBIDDEN;
  const retryAfter = context.throttle.admit(info.clientId, kind);
  if (retryAfter) return throttled(retryAfter);
  const orgId = request.params.orgId ?? '';
  if (!ORG_ID.test(orgId)) return INVALID_ORG;
  const org = context.directory.find(orgId);
  // A credential sees only the org it was created in: any other org, existing or not, is 403 with no body.
  if (!org || context.orgOfCredential(info.clientId) !== orgId) return FORBIDDEN;
  const page = Number(request.params.page ?? '0');
  if (!Number.isInteger(page) || page < 0) return { status: 400, body: { result: 'error', message: 'Bad page number' } };
  return handler(org, page, request);
}

interface Slice<T> {
  items: T[];
  servedPage: number;
  pageCount: number;
  total: number;
}

/** UMAPI's page is clamped to the last one: "Page numbers greater than what exist will return the last page" (getUsersByGroup.md). */
function slicePage<T>(all: T[], requested: number, size: number): Slice<T> {
  const pageCount = Math.max(1, Math.ceil(all.length / size));
  const servedPage = Math.min(requested, pageCount - 1);
  return { items: all.slice(servedPage * size, (servedPage + 1) * size), servedPage, pageCount, total: all.length };
}

/** Headers are strings: X-Page-Size is the number of entries in this page (partials/pagedResponseHeaders.md). */
function pageHeaders(slice: Slice<unknown>): Record<string, string> {
  return {
    'x-total-count': String(slice.total),
    'x-page-count': String(slice.pageCount),
    'x-current-page': String(slice.servedPage),
    'x-page-size': String(slice.items.length),
  };
}

function renderGroup(org: UmapiOrg, group: SandboxGroup): Record<string, unknown> {
  return { ...group, memberCount: org.memberCount(group.groupName) };
}

/** Empty fields are left out (getUser.md: "If the fields are not populated ... they are excluded"). */
function renderUser(user: SandboxUser): Record<string, unknown> {
  const { groups, adminRoles, ...rest } = user;
  return { ...rest, ...(groups.length > 0 ? { groups } : {}), ...(adminRoles.length > 0 ? { adminRoles } : {}) };
}

function groupsPage(context: UmapiRouteContext): Handler {
  return (org, page) => {
    const all = org.listGroups();
    const pageCount = Math.max(1, Math.ceil(all.length / context.pageSize.groups));
    // Unlike users, groups past the last page answer "Not found" (group.md, out-of-bounds example).
    if (page >= pageCount) return { status: 200, body: { lastPage: true, result: 'Not found' } };
    const slice = slicePage(all, page, context.pageSize.groups);
    return {
      status: 200,
      headers: pageHeaders(slice),
      body: { lastPage: slice.servedPage === slice.pageCount - 1, result: 'success', groups: slice.items.map((group) => renderGroup(org, group)) },
    };
  };
}

function usersPage(context: UmapiRouteContext, users: (org: UmapiOrg) => SandboxUser[] | undefined, groupName?: string): Handler {
  return (org, page, request) => {
    const all = users(org);
    if (!all) return { status: 404, body: { lastPage: false, result: 'error.group.not_found', message: `Not found: Group ${request.params.groupName ?? ''}` } };
    const slice = slicePage(all, page, context.pageSize.users);
    return {
      status: 200,
      headers: pageHeaders(slice),
      body: { lastPage: slice.servedPage === slice.pageCount - 1, result: 'success', ...(groupName === undefined ? {} : { groupName }), users: slice.items.map(renderUser) },
    };
  };
}

function singleUser(org: UmapiOrg, email: string): SandboxResponse {
  const user = org.user(email);
  if (!user) return { status: 404, body: { result: 'error.user.not_found', message: `User not found ${email}` } };
  return { status: 200, body: { result: 'success', user: renderUser(user) } };
}

export function installUmapiRoutes(context: UmapiRouteContext): void {
  const route = (kind: UmapiRouteKind, path: string, handler: (request: SandboxRequest) => Handler) =>
    context.server.route('GET', `${BASE_PATH}${path}`, async (request) => withRequestId(request, await guarded(context, kind, request, handler(request))));
  route('groups', '/groups/:orgId/:page', () => groupsPage(context));
  route('usersInGroup', '/users/:orgId/:page/:groupName', (request) => {
    const groupName = request.params.groupName ?? '';
    return usersPage(context, (org) => (org.group(groupName) ? org.listMembers(groupName) : undefined), groupName);
  });
  route('users', '/users/:orgId/:page', () => usersPage(context, (org) => org.listUsers()));
  route('user', '/organizations/:orgId/users/:email', (request) => (org) => singleUser(org, request.params.email ?? ''));
}
