import { CfnElement, CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Schedule, ScheduleExpression, ScheduleTargetInput, ContextAttribute } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { functions, routes, schedules } from '#functions/catalog.ts';
import { configSchema, type Config, type ConfigKey } from '#shared/config/schema.ts';
import { AlarmTopic, type AlarmTopicProps } from './constructs/alarm-topic';
import { DeadLetterQueue, errorAlarm } from './constructs/async-safety';
import { OrgbridgeDashboard } from './constructs/dashboard';
import { CampaignEvents } from './constructs/campaign-events';
import { DataTable } from './constructs/data-table';
import { OrgbridgeHttpApi, type OrgbridgeHttpApiProps } from './constructs/http-api';
import { OperationalAlarms } from './constructs/operational-alarms';
import { OrgbridgeFunction } from './constructs/orgbridge-function';
import { PushCloneAlarms } from './constructs/push-clone-alarms';
import { stageProfile } from './stage';

export interface OrgbridgeStackProps extends StackProps {
  stage: string;
  repoRoot: string;
  /** Settings passed to every function (IMS endpoints, client IDs, budgets...), validated by the config schema. */
  settings?: Partial<Record<ConfigKey, string>>;
  /** Where alarms go: an email to subscribe, or an existing SNS topic. */
  alarms?: AlarmTopicProps;
  customDomain?: OrgbridgeHttpApiProps['customDomain'];
}

const configDefaults = configSchema.parse({});

/**
 * Secrets the stack creates itself, with generated placeholder values the
 * operator replaces (docs/deploy.md): every secret a function is granted by
 * a config variable exists, so no function is granted a name nobody created.
 */
export const GENERATED_SECRETS: Array<{ id: string; key: keyof Config; description: string; jsonTemplate?: { template: Record<string, string>; generatedKey: string } }> = [
  { id: 'AdminJwtKey', key: 'ADMIN_JWT_SECRET_NAME', description: 'HS256 key that signs admin bearer tokens (unused when ADMIN_JWKS_URL is set)' },
  { id: 'ImsWebClientSecret', key: 'IMS_CLIENT_SECRET_NAME', description: 'Client secret of orgbridge\'s IMS OAuth web credential: replace with the value from the Adobe Developer Console' },
  { id: 'ImsS2sClientSecret', key: 'UMAPI_CLIENT_SECRET_NAME', description: 'Client secret of orgbridge\'s OAuth server-to-server credential (User Management API): replace with the value from the Adobe Developer Console' },
];

/**
 * One stack: the table, the secrets, the HTTP API, every catalog function with
 * its routes and schedules, dead-letter queues, alarms (all sent to one
 * topic), and a dashboard.
 */
export class OrgbridgeStack extends Stack {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OrgbridgeStackProps) {
    super(scope, id, props);
    const profile = stageProfile(props.stage);
    const secretPrefix = `orgbridge/${props.stage}/`;
    const { table } = new DataTable(this, 'DataTable', { profile });
    const http = new OrgbridgeHttpApi(this, 'Http', { logRetention: profile.logRetention, ...(props.customDomain ? { customDomain: props.customDomain } : {}) });
    const alarmTopic = new AlarmTopic(this, 'Alarms', props.alarms ?? {});
    this.alarms.push(http.serverErrors);

    const secretNames: Partial<Record<ConfigKey, string>> = {};
    for (const spec of GENERATED_SECRETS) {
      const name = props.settings?.[spec.key] ?? String(configDefaults[spec.key]);
      secretNames[spec.key] = name;
      const secret = new Secret(this, spec.id, {
        secretName: `${secretPrefix}${name}`,
        description: spec.description,
        removalPolicy: profile.removalPolicy,
        generateSecretString: {
          passwordLength: 48,
          excludePunctuation: true,
          ...(spec.jsonTemplate ? { secretStringTemplate: JSON.stringify(spec.jsonTemplate.template), generateStringKey: spec.jsonTemplate.generatedKey } : {}),
        },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Rotating this value needs coordination with a party outside AWS (Adobe Developer Console, AEP destination, admin token issuers); docs/operations.md rotates it by hand.',
      });
    }

    const environment: Record<string, string> = {
      ...props.settings,
      ...secretNames,
      STAGE: props.stage,
      TABLE_NAME: table.tableName,
      SECRETS_BACKEND: 'aws',
      SECRET_PREFIX: secretPrefix,
      PUBLIC_BASE_URL: http.url,
    };

    const built = new Map<string, OrgbridgeFunction>();
    for (const def of functions) {
      built.set(def.name, new OrgbridgeFunction(this, `Fn-${def.name}`, { def, table, secretPrefix, environment, repoRoot: props.repoRoot, logRetention: profile.logRetention }));
    }
    // A catalog entry that names a function the catalog does not declare is a wiring mistake: fail the synth.
    const fnNamed = (name: string) => {
      const found = built.get(name);
      if (!found) throw new Error(`The catalog names an unknown function: ${name}`);
      return found.fn;
    };
    for (const def of functions) {
      const fn = fnNamed(def.name);
      this.alarms.push(errorAlarm(this, `Fn-${def.name}-Errors`, fn, `orgbridge ${def.name}`));
      for (const target of def.invokes ?? []) {
        const targetFn = fnNamed(target.function);
        targetFn.grantInvoke(fn);
        fn.addEnvironment(target.envKey, targetFn.functionName);
        Validations.of(fn).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(targetFn)}.Arn>:*]`,
          reason: `grantInvoke also covers the versions and aliases of ${target.function}, the one function this one invokes.`,
        });
      }
    }

    // Functions that are invoked asynchronously get a dead-letter queue for failed events.
    const asyncTargets = new Set([...schedules.map((s) => s.function), ...functions.flatMap((f) => (f.invokes ?? []).map((i) => i.function))]);
    for (const name of asyncTargets) {
      const fn = fnNamed(name);
      const dlq = new DeadLetterQueue(this, `Fn-${name}-Dlq`, { description: `orgbridge ${name} async invocations` });
      fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1), onFailure: { bind: () => ({ destination: dlq.queue.queueArn }) } });
      dlq.queue.grantSendMessages(fn);
      this.alarms.push(dlq.alarm);
    }

    for (const route of routes) http.addRoute(route, fnNamed(route.function));

    const webhook = built.get('push-clone-webhook')?.fn;
    const runner = built.get('push-clone-runner')?.fn;
    if (webhook && runner) this.alarms.push(...new PushCloneAlarms(this, 'PushCloneAlarms', { webhook, runner }).alarms);
    this.alarms.push(...new OperationalAlarms(this, 'OperationalAlarms').alarms);

    const campaignPublisher = built.get('campaign-events')?.fn;
    if (campaignPublisher) this.alarms.push(...new CampaignEvents(this, 'CampaignEvents', { stage: props.stage, publisher: campaignPublisher }).alarms);

    for (const schedule of schedules) {
      const dlq = new DeadLetterQueue(this, `Schedule-${schedule.name}-Dlq`, { description: `schedule ${schedule.name}` });
      this.alarms.push(dlq.alarm);
      const scheduled = fnNamed(schedule.function);
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(scheduled)}.Arn>:*]`,
        reason: `The scheduler's role may invoke ${schedule.function} (and its versions), the target of schedule ${schedule.name}, and nothing else.`,
      });
      new Schedule(this, `Schedule-${schedule.name}`, {
        description: schedule.description,
        schedule: ScheduleExpression.expression(schedule.expression),
        target: new LambdaInvoke(scheduled, {
          deadLetterQueue: dlq.queue,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(5),
          input: ScheduleTargetInput.fromObject({ schedule: schedule.name, scheduledTime: ContextAttribute.scheduledTime }),
        }),
      });
    }

    const dashboard = new OrgbridgeDashboard(this, 'Dashboard', { stage: props.stage, functions: new Map([...built].map(([name, f]) => [name, f.fn as IFunction])), alarms: this.alarms });

    new CfnOutput(this, 'ApiUrl', { value: http.url, description: 'Base URL of the orgbridge HTTP API' });
    new CfnOutput(this, 'ImsRedirectUri', { value: `${http.url}/org-mapping/callback`, description: 'Register exactly this redirect URI on the IMS OAuth web credential in the Adobe Developer Console' });
    new CfnOutput(this, 'WebhookUrlPattern', { value: `${http.url}/push-clone/destinations/{destinationId}/activations`, description: 'The AEP destination\'s endpoint: put the destination ID in place of {destinationId}' });
    new CfnOutput(this, 'OAuthTokenUrlPattern', { value: `${http.url}/push-clone/destinations/{destinationId}/oauth/token`, description: 'Access token URL of a destination whose AEP side uses OAuth 2 client credentials: put the destination ID in place of {destinationId}' });
    if (http.domain) new CfnOutput(this, 'CustomDomainTarget', { value: http.domain.regionalDomainName, description: 'Point a CNAME (or alias) of the custom domain at this name' });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topic.topicArn, description: 'Every alarm notifies this SNS topic' });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'SecretPrefix', { value: secretPrefix });
  }

  /** The template's logical ID of a function, as cdk-nag names it in findings. */
  private logicalIdOf(fn: IFunction): string {
    return this.resolve(this.getLogicalId(fn.node.defaultChild as CfnElement)) as string;
  }
}
