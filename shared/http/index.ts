export { httpRoute, type HttpRequest, type RouteSpec, describeError, lowerCaseHeaders, parseJsonBody, toErrorResponse } from './route';
export { routeByKey } from './router';
export { json, html, noContent, errorBody, type HttpResponse } from './responses';
export { parseInput, describeIssues } from './validation';
export { httpErrorFor, marketoCodeOf } from './vendor-errors';
export {
  authenticateAdmin,
  requireInstanceAccess,
  requirePermission,
  signAdminToken,
  PERMISSIONS,
  type AdminPrincipal,
  type Permission,
} from './admin-auth';
