import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { readDeploySettings } from './deploy-settings';
import { OrgbridgeStack } from './orgbridge-stack';
import { DEFAULT_STAGE } from './stage';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * Builds the stack from CDK context. A bare `cdk deploy` builds `dev`;
 * `prod` is asked for by name (`-c stage=prod`). Every config variable may be
 * set with `-c NAME=value` and reaches every function; a name that is not a
 * setting stops the synth.
 */
export function buildApp(app: App): OrgbridgeStack {
  const { stage = DEFAULT_STAGE, settings, options } = readDeploySettings(app.node.getAllContext() as Record<string, unknown>);
  return new OrgbridgeStack(app, `orgbridge-${stage}`, {
    stage,
    repoRoot,
    settings,
    alarms: { ...(options.alarmEmail ? { email: options.alarmEmail } : {}), ...(options.alarmTopicArn ? { existingTopicArn: options.alarmTopicArn } : {}) },
    ...(options.domainName && options.certificateArn ? { customDomain: { domainName: options.domainName, certificateArn: options.certificateArn } } : {}),
    env: {
      account: process.env.CDK_DEFAULT_ACCOUNT ?? options.account ?? '000000000000',
      region: process.env.CDK_DEFAULT_REGION ?? options.region ?? 'us-east-1',
    },
    description: `orgbridge (${stage}): Adobe Experience Cloud, Marketo Engage and Adobe Campaign in step`,
  });
}
