/**
 * How a capability declares its Lambda functions, HTTP routes and schedules.
 * The CDK stack builds functions, routes, schedules and IAM grants from these
 * declarations, and the local runtime serves the same handlers from them, so
 * the two cannot disagree.
 */
import type { ConfigKey } from '#shared/config/schema.ts';

/**
 * `read`: GetItem, BatchGetItem, Query (no function scans). `readwrite` adds
 * PutItem, UpdateItem, DeleteItem, BatchWriteItem. A TableGrant is narrower,
 * for functions the public can reach: read, the writes it names, and deletes
 * only of items whose partition key starts with one of the given prefixes.
 */
export type TableAccess = 'none' | 'read' | 'readwrite' | TableGrant;

export interface TableGrant {
  write: Array<'PutItem' | 'UpdateItem' | 'BatchWriteItem'>;
  deleteWherePartitionStartsWith?: string[];
}

export interface FunctionDef {
  /** Logical name, unique across capabilities, e.g. 'org-mapping-api'. */
  name: string;
  /** Handler module relative to the repo root; it exports `handler`. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb?: number;
  table: TableAccess;
  /**
   * Secrets the function reads or writes: a config variable that holds a
   * secret name (e.g. `ADMIN_JWT_SECRET_NAME`), or a name pattern relative to
   * the deployment's SECRET_PREFIX (`marketo/*`).
   */
  secrets?: { read?: string[]; write?: string[] };
  /**
   * Other functions this one invokes asynchronously, and the config variable
   * that carries each one's deployed name.
   */
  invokes?: Array<{ function: string; envKey: ConfigKey }>;
}

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway syntax: `/org-mapping/{munchkinId}`. */
  path: string;
  function: string;
}

export interface ScheduleDef {
  /** Name used by EventBridge Scheduler and by `POST /_local/schedules/{name}/run`. */
  name: string;
  /** EventBridge Scheduler expression, e.g. `rate(1 minute)`. */
  expression: string;
  /** Interval in seconds the local scheduler uses for the same expression. */
  localEverySeconds: number;
  function: string;
  description: string;
}

export interface Capability {
  functions: FunctionDef[];
  routes: RouteDef[];
  schedules: ScheduleDef[];
}
