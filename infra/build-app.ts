import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { configSchema, type ConfigKey } from '#shared/config/schema.ts';
import { OrgbridgeStack } from './orgbridge-stack';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Settings a deployment may pass with `-c name=value` (each a config variable). */
const DEPLOY_SETTINGS: ConfigKey[] = [
  'IMS_BASE_URL',
  'IMS_ISSUER',
  'IMS_CLIENT_ID',
  'IMS_SCOPES',
  'IMS_ORG_ADMIN_CHECK',
  'UMAPI_BASE_URL',
  'ADMIN_JWKS_URL',
  'ADMIN_JWT_ISSUER',
  'ADMIN_JWT_AUDIENCE',
  'MARKETO_CALLS_PER_WINDOW',
  'MARKETO_WINDOW_SECONDS',
  'MARKETO_MAX_CONCURRENT',
  'LOG_LEVEL',
];

/** Builds the stack from CDK context; the same settings are validated by the functions' config schema. */
export function buildApp(app: App): OrgbridgeStack {
  const stage = String(app.node.tryGetContext('stage') ?? 'prod');
  const settings: Partial<Record<ConfigKey, string>> = {};
  for (const key of DEPLOY_SETTINGS) {
    const value = app.node.tryGetContext(key) as string | undefined;
    if (value !== undefined) settings[key] = String(value);
  }
  // Fail at synth time, naming the variable, rather than at the first request.
  const checked = configSchema.safeParse({ STAGE: stage, ...settings });
  if (!checked.success) {
    throw new Error(`Invalid deployment settings: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return new OrgbridgeStack(app, `orgbridge-${stage}`, {
    stage,
    repoRoot,
    settings,
    env: {
      account: process.env.CDK_DEFAULT_ACCOUNT ?? String(app.node.tryGetContext('account') ?? '000000000000'),
      region: process.env.CDK_DEFAULT_REGION ?? String(app.node.tryGetContext('region') ?? 'us-east-1'),
    },
    description: 'orgbridge: Adobe Experience Cloud, Marketo Engage and Adobe Campaign in step',
  });
}
