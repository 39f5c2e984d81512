import { z } from 'zod';

/**
 * Every setting orgbridge reads from its environment, written once. The Lambda
 * handlers, the local runtime and the CDK stack (which sets these variables on
 * each function) all go through this schema, so a name or default cannot drift.
 */
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalUrl = z.url().optional();

export const configSchema = z.object({
  STAGE: z.string().regex(/^[a-z][a-z0-9-]{0,20}$/, 'lower-case letters, digits and dashes').default('local'),
  AWS_REGION: z.string().default('us-east-1'),
  TABLE_NAME: z.string().min(3).default('orgbridge'),
  /** Set only locally: DynamoDB Local's URL. */
  DYNAMODB_ENDPOINT: optionalUrl,
  SECRETS_BACKEND: z.enum(['aws', 'file']).default('aws'),
  /** With SECRETS_BACKEND=file: a JSON file kept with mode 0600. */
  LOCAL_SECRETS_FILE: z.string().default('.local/secrets.json'),
  SECRET_PREFIX: z.string().regex(/^[A-Za-z0-9/_+=.@-]+$/).default('orgbridge/'),
  /** How long a container reuses a secret it read: a secret rotated by hand is in use everywhere within this bound. */
  SECRET_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),

  /** Admin bearer tokens: HS256 with a key from the secret store, or an IdP's JWKS. */
  ADMIN_JWT_SECRET_NAME: z.string().default('admin-jwt-key'),
  ADMIN_JWKS_URL: optionalUrl,
  ADMIN_JWT_ISSUER: z.string().default('orgbridge'),
  ADMIN_JWT_AUDIENCE: z.string().default('orgbridge-admin'),
  /** Admin tokens that live longer than this (exp - iat, or what remains of it) are refused: 12 h by default. */
  ADMIN_TOKEN_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(12 * 3600),

  /** Base URL of this deployment's HTTP API, used for the IMS redirect URI and page origins. */
  PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:3000'),

  IMS_BASE_URL: z.url().default('https://ims-na1.adobelogin.com'),
  IMS_ISSUER: z.string().optional(),
  IMS_CLIENT_ID: z.string().default('orgbridge-web'),
  IMS_CLIENT_SECRET_NAME: z.string().default('ims-web-client-secret'),
  IMS_SCOPES: z.string().default('openid,AdobeID,email,profile,read_organizations'),
  IMS_ORG_ADMIN_CHECK: z.enum(['profile-roles', 'user-management']).default('profile-roles'),
  UMAPI_BASE_URL: z.url().default('https://usermanagement.adobe.io/v2/usermanagement'),
  /** orgbridge's OAuth server-to-server credential (scope user_management_sdk) for the User Management API. */
  UMAPI_CLIENT_ID: z.string().default('orgbridge-s2s'),
  UMAPI_CLIENT_SECRET_NAME: z.string().default('ims-s2s-client-secret'),
  IMS_TIMEOUT_MS: positiveInt(10_000),
  ORG_MAPPING_ATTEMPT_TTL_SECONDS: positiveInt(600),

  MARKETO_CALLS_PER_WINDOW: z.coerce.number().int().min(1).max(100).default(50),
  MARKETO_WINDOW_SECONDS: z.coerce.number().positive().max(20).default(20),
  MARKETO_MAX_CONCURRENT: z.coerce.number().int().min(1).max(10).default(5),
  /** How long each person's push history is kept (GET .../people/{email}), and at most how many entries per person and audience. */
  PERSON_HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  PERSON_HISTORY_MAX_ENTRIES: z.coerce.number().int().min(1).max(100).default(20),
  /** Days every AEP delivery's raw body is kept for replay (push clone's delivery archive, TTL). */
  DELIVERY_ARCHIVE_RETENTION_DAYS: z.coerce.number().int().min(1).max(35).default(7),
  /** The instance's daily REST quota (Marketo's default is 50,000; an account manager can raise it). */
  MARKETO_DAILY_QUOTA: positiveInt(50_000),
  /** Calls of each day's quota the push runner never spends, left for the instance's other integrations. */
  MARKETO_DAILY_FLOOR: z.coerce.number().int().min(0).default(10_000),
  /**
   * Push clone's hot keys (an audience's memberships, the instance's due queue, a destination's aliases, the
   * instance's lead ID cache) are each spread over this many partitions, so none takes more than about 1/N of
   * its kind's writes (docs/scale.md). Chosen at install: the table records it on the first run, and a runner
   * configured with another count refuses to run (items written under one count are not found under another).
   */
  PUSH_KEY_SHARDS: z.coerce.number().int().min(1).max(64).default(16),
  /** Name of the runner function the scheduler fans out to (set by the stack). */
  PUSH_RUNNER_FUNCTION_NAME: z.string().optional(),

  /**
   * Hosts, beyond each vendor's documented ones, that admins may point instances and accounts at:
   * comma-separated names or `*.domain` patterns. Private and loopback addresses stay refused outside `local`.
   */
  OUTBOUND_ALLOWED_HOSTS: z.string().regex(/^[A-Za-z0-9*.,\s-]*$/, 'comma-separated host names or *.domain patterns').optional(),
  /** The EventBridge bus of `orgbridge.campaign` events (set by the stack); unset, change sets stay in the outbox. */
  CAMPAIGN_EVENT_BUS_NAME: z.string().optional(),
  /** Set only locally and in tests: an EventBridge endpoint such as moto_server's. */
  EVENTBRIDGE_ENDPOINT: optionalUrl,

  MAX_BODY_BYTES: positiveInt(6 * 1024 * 1024),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']).default('INFO'),
  /** `json` (Lambda, CloudWatch Logs Insights) or `pretty` (one readable line per entry: what npm start uses). */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof Config;
