import { CfnElement, CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Schedule, ScheduleExpression, ScheduleTargetInput, ContextAttribute } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { functions, routes, schedules } from '#functions/catalog.ts';
import { configSchema, type Config, type ConfigKey } from '#shared/config/schema.ts';
import { DeadLetterQueue, errorAlarm } from './constructs/async-safety';
import { DataTable } from './constructs/data-table';
import { OrgbridgeHttpApi } from './constructs/http-api';
import { OrgbridgeFunction } from './constructs/orgbridge-function';
import { PushCloneAlarms } from './constructs/push-clone-alarms';

export interface OrgbridgeStackProps extends StackProps {
  stage: string;
  repoRoot: string;
  /** Settings passed to every function (IMS endpoints, client IDs, budgets...). */
  settings?: Partial<Record<ConfigKey, string>>;
}

const configDefaults = configSchema.parse({});

/** Secrets the stack creates itself, with generated values the admin may replace. */
const GENERATED_SECRETS: Array<{ id: string; key: keyof Config; description: string; jsonTemplate?: { template: Record<string, string>; generatedKey: string } }> = [
  { id: 'AdminJwtKey', key: 'ADMIN_JWT_SECRET_NAME', description: 'HS256 key that signs admin bearer tokens (unused when ADMIN_JWKS_URL is set)' },
  { id: 'ImsWebClientSecret', key: 'IMS_CLIENT_SECRET_NAME', description: 'Client secret of orgbridge\'s IMS OAuth web credential: replace with the value from the Adobe Developer Console' },
];

/**
 * One stack: the table, the secrets, the HTTP API, every catalog function with
 * its routes and schedules, dead-letter queues and alarms.
 */
export class OrgbridgeStack extends Stack {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OrgbridgeStackProps) {
    super(scope, id, props);
    const secretPrefix = `orgbridge/${props.stage}/`;
    const { table } = new DataTable(this, 'DataTable');
    const http = new OrgbridgeHttpApi(this, 'Http');

    const secretNames: Partial<Record<ConfigKey, string>> = {};
    for (const spec of GENERATED_SECRETS) {
      const name = props.settings?.[spec.key] ?? String(configDefaults[spec.key]);
      secretNames[spec.key] = name;
      const secret = new Secret(this, spec.id, {
        secretName: `${secretPrefix}${name}`,
        description: spec.description,
        generateSecretString: {
          passwordLength: 48,
          excludePunctuation: true,
          ...(spec.jsonTemplate ? { secretStringTemplate: JSON.stringify(spec.jsonTemplate.template), generateStringKey: spec.jsonTemplate.generatedKey } : {}),
        },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Rotating this value needs coordination with a party outside AWS (Adobe Developer Console, AEP destination, admin token issuers); the runbook in the README rotates it by hand.',
      });
    }

    const environment: Record<string, string> = {
      UMAPI_CLIENT_SECRET_NAME: String(configDefaults.UMAPI_CLIENT_SECRET_NAME),
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
      built.set(def.name, new OrgbridgeFunction(this, `Fn-${def.name}`, { def, table, secretPrefix, environment, repoRoot: props.repoRoot }));
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

    new CfnOutput(this, 'ApiUrl', { value: http.url, description: 'Base URL of the orgbridge HTTP API' });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'SecretPrefix', { value: secretPrefix });
  }

  /** The template's logical ID of a function, as cdk-nag names it in findings. */
  private logicalIdOf(fn: IFunction): string {
    return this.resolve(this.getLogicalId(fn.node.defaultChild as CfnElement)) as string;
  }
}
