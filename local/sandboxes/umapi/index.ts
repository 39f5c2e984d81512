import type { Clock } from '#shared/clock.ts';
import { SandboxServer } from '#local/sandboxes/framework.ts';
import { UmapiDirectory, type NewSandboxGroup, type NewSandboxUser, type SandboxUser } from './directory';
import { demo } from '#local/demo-identities.ts';
import { BASE_PATH, installUmapiRoutes, throttled, type UmapiTokenInfo } from './routes';
import { seedDemoOrgs } from './seed';
import { ADOBE_LIMITS, UmapiThrottle, type RetryAfterFormat, type UmapiLimits } from './throttle';

export { UmapiDirectory, UmapiOrg } from './directory';
export type { NewSandboxGroup, NewSandboxUser, SandboxGroup, SandboxUser, UmapiGroupType } from './directory';
export type { UmapiTokenInfo } from './routes';
export { CAMPAIGN_PRODUCT, demoProfiles } from './seed';
export { ADOBE_LIMITS } from './throttle';
export type { RetryAfterFormat, UmapiLimits } from './throttle';

export interface UmapiSandboxOptions {
  /** Who a bearer token belongs to (e.g. the IMS sandbox's `introspect`); undefined = 401. */
  validateToken: (token: string) => UmapiTokenInfo | undefined | Promise<UmapiTokenInfo | undefined>;
  clock?: Clock;
  /** Adobe's limits by default (5 groups / 25 users per client, 100 global, per minute). */
  limits?: Partial<UmapiLimits>;
  /** Entries per page; UMAPI's users pages never exceed 200 (getUsersWithPage.md). */
  pageSize?: number | { groups?: number; users?: number };
  /** Seed the demo orgs (default true). */
  seed?: boolean;
  /** Client ID -> the org its credential belongs to; the demo credential belongs to the demo org. */
  credentialOrgs?: Record<string, string>;
}

export interface UmapiCallStats {
  /** Vendor calls answered (faults included). */
  calls: number;
  /** 429s our limits produced, i.e. calls the client should not have made. */
  realThrottles: number;
  /** 429s injected as faults. */
  injectedThrottles: number;
}

export interface UmapiSandbox {
  server: SandboxServer;
  directory: UmapiDirectory;
  /** The base URL clients use: `${server.baseUrl}/v2/usermanagement`. */
  apiBaseUrl(): string;
  addGroup(orgId: string, group: NewSandboxGroup): void;
  addUser(orgId: string, user: NewSandboxUser): SandboxUser;
  /** Adds `count` users to `groups` (emails `${prefix}${i}@example.com`): for large paging tests. */
  addManyUsers(orgId: string, count: number, options?: { prefix?: string; groups?: string[] }): void;
  /** Retry-After in delay-seconds (default) or as an HTTP-date. */
  setRetryAfterFormat(format: RetryAfterFormat): void;
  /** Binds a server-to-server credential to its org (a credential is created in one org's Developer Console project). */
  bindCredential(clientId: string, orgId: string): void;
  stats(): UmapiCallStats;
}

/** A long Retry-After, as reported in the wild (30-60 minutes; docs/vendors/umapi.md). */
const LONG_RETRY_AFTER_MS = 60 * 60_000;

export function createUmapiSandbox(options: UmapiSandboxOptions): UmapiSandbox {
  const server = new SandboxServer('umapi');
  const now = () => (options.clock ?? Date).now();
  const directory = new UmapiDirectory();
  if (options.seed ?? true) seedDemoOrgs(directory);
  const throttle = new UmapiThrottle({ ...ADOBE_LIMITS, ...options.limits }, now);
  const size = options.pageSize;
  const pageSize = typeof size === 'number' ? { groups: size, users: size } : { groups: size?.groups ?? 200, users: size?.users ?? 200 };
  const credentialOrgs = new Map(Object.entries(options.credentialOrgs ?? { [demo.serverToServerClient.clientId]: demo.org.id }));
  installUmapiRoutes({ server, directory, throttle, validateToken: options.validateToken, pageSize, orgOfCredential: (clientId) => credentialOrgs.get(clientId) });

  const noBody = { 'content-length': '0' };
  server
    .defineFault('429', () => throttled(throttle.retryAfter(30_000)))
    .defineFault('429-long', () => throttled(throttle.retryAfter(LONG_RETRY_AFTER_MS)))
    .defineFault('500', () => ({ status: 500, headers: noBody }))
    .defineFault('502', () => ({ status: 502, headers: noBody }))
    .defineFault('503', () => ({ status: 503, headers: noBody }))
    .defineFault('504', () => ({ status: 504, headers: noBody }))
    .defineFault('timeout', () => 'hang');

  return {
    server,
    directory,
    apiBaseUrl: () => `${server.baseUrl}${BASE_PATH}`,
    addGroup: (orgId, group) => void directory.org(orgId).addGroup(group),
    addUser: (orgId, user) => directory.org(orgId).addUser(user),
    addManyUsers: (orgId, count, addOptions = {}) => {
      const org = directory.org(orgId);
      const prefix = addOptions.prefix ?? 'user';
      for (let index = 0; index < count; index += 1) org.addUser({ email: `${prefix}${index}@example.com`, groups: addOptions.groups ?? [] });
    },
    setRetryAfterFormat: (format) => {
      throttle.format = format;
    },
    bindCredential: (clientId, orgId) => void credentialOrgs.set(clientId, orgId),
    stats: () => ({
      calls: server.calls.length,
      realThrottles: server.calls.filter((call) => call.status === 429 && call.fault === undefined).length,
      injectedThrottles: server.calls.filter((call) => call.status === 429 && call.fault !== undefined).length,
    }),
  };
}
