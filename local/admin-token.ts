import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig, type Config } from '#shared/config/index.ts';
import { PERMISSIONS, signAdminToken } from '#shared/http/index.ts';
import { createSecretStore, type SecretStore } from '#shared/secrets/index.ts';

/**
 * `npm run admin-token -- --email ... --instances ... --permissions ... --ttl 1h`:
 * mints an HS256 admin token with the deployment's key (Secrets Manager,
 * orgbridge/<stage>/admin-jwt-key, with the caller's AWS credentials) or, with
 * --local, the key of `npm start` (.local/secrets.json). The token goes to
 * stdout alone, so `TOKEN=$(npm run -s admin-token -- ...)` works.
 */
export interface AdminTokenRequest {
  email: string;
  subject: string;
  instances: string[];
  permissions: string[];
  ttlSeconds: number;
}

export class UsageError extends Error {}

const USAGE = `usage: npm run admin-token -- --email <email> --instances <munchkinId,...|*> --permissions <${PERMISSIONS.join(',')}> [--ttl 1h]
       [--sub <subject>] [--stage <stage> | --local] [--region <aws region>]`;

/** 90s, 30m, 1h, 2d: a lifetime in seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new UsageError(`--ttl ${text}: give a number and a unit, e.g. 30m, 1h, 12h`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

const list = (value: string | undefined) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);

export function parseRequest(argv: string[], maxLifetimeSeconds: number): { request: AdminTokenRequest; stage?: string; local: boolean; region?: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      email: { type: 'string' },
      instances: { type: 'string' },
      permissions: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      sub: { type: 'string' },
      stage: { type: 'string' },
      local: { type: 'boolean', default: false },
      region: { type: 'string' },
    },
    strict: true,
  });
  if (!values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email)) throw new UsageError(`--email is required (the acting Marketo user's email)\n${USAGE}`);
  const instances = list(values.instances);
  if (instances.length === 0) throw new UsageError(`--instances is required: Munchkin IDs, comma-separated, or *\n${USAGE}`);
  const permissions = list(values.permissions);
  const unknown = permissions.filter((p) => !(PERMISSIONS as readonly string[]).includes(p));
  if (permissions.length === 0 || unknown.length) throw new UsageError(`--permissions: ${unknown.length ? `unknown ${unknown.join(', ')}; ` : ''}choose from ${PERMISSIONS.join(', ')}\n${USAGE}`);
  const ttlSeconds = parseTtl(values.ttl);
  if (ttlSeconds > maxLifetimeSeconds) throw new UsageError(`--ttl ${values.ttl} is longer than the ${maxLifetimeSeconds / 3600} h the deployment accepts (ADMIN_TOKEN_MAX_LIFETIME_SECONDS)`);
  return {
    request: { email: values.email, subject: values.sub ?? values.email, instances, permissions, ttlSeconds },
    ...(values.stage ? { stage: values.stage } : {}),
    local: values.local,
    ...(values.region ? { region: values.region } : {}),
  };
}

export async function mintAdminToken(secrets: SecretStore, config: Pick<Config, 'ADMIN_JWT_SECRET_NAME' | 'ADMIN_JWT_ISSUER' | 'ADMIN_JWT_AUDIENCE'>, request: AdminTokenRequest): Promise<string> {
  const key = await secrets.get(config.ADMIN_JWT_SECRET_NAME);
  return signAdminToken(
    key,
    { sub: request.subject, email: request.email, instances: request.instances, permissions: request.permissions },
    { issuer: config.ADMIN_JWT_ISSUER, audience: config.ADMIN_JWT_AUDIENCE, expiresIn: `${request.ttlSeconds}s` },
  );
}

async function main(): Promise<void> {
  const env = parseConfig(process.env);
  const { request, stage, local, region } = parseRequest(process.argv.slice(2), env.ADMIN_TOKEN_MAX_LIFETIME_SECONDS);
  if (env.ADMIN_JWKS_URL) console.error('Note: ADMIN_JWKS_URL is set, so the deployment verifies tokens from your IdP, not this key.');
  const config = local
    ? { ...env, SECRETS_BACKEND: 'file' as const, LOCAL_SECRETS_FILE: join(process.env.ORGBRIDGE_STATE_DIR ?? '.local', 'secrets.json') }
    : { ...env, SECRETS_BACKEND: 'aws' as const, SECRET_PREFIX: `orgbridge/${stage ?? process.env.STAGE ?? 'dev'}/`, AWS_REGION: region ?? env.AWS_REGION };
  const token = await mintAdminToken(createSecretStore(config), config, request);
  console.error(`Admin token for ${request.email}: instances ${request.instances.join(',')}, permissions ${request.permissions.join(',')}, valid ${request.ttlSeconds} s (${local ? 'local key' : `key ${config.SECRET_PREFIX}${config.ADMIN_JWT_SECRET_NAME}`}).`);
  console.log(token);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  main().catch((error: unknown) => {
    console.error(error instanceof UsageError ? error.message : `admin-token: ${(error as Error).message}`);
    process.exit(2);
  });
}
