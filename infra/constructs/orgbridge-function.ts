import { ArnFormat, CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, SystemLogLevel, ApplicationLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import type { FunctionDef } from '#functions/catalog.ts';
import { configSchema, type Config } from '#shared/config/schema.ts';
import { METRICS_NAMESPACE } from '#shared/metrics.ts';
import { grantTableAccess } from './table-grants';

export interface OrgbridgeFunctionProps {
  def: FunctionDef;
  table: ITable;
  secretPrefix: string;
  environment: Record<string, string>;
  repoRoot: string;
  logRetention: RetentionDays;
}

/** Lambda's own log filter must let through what LOG_LEVEL asks the Powertools Logger for. */
const LAMBDA_LOG_LEVELS: Record<Config['LOG_LEVEL'], ApplicationLogLevel> = {
  DEBUG: ApplicationLogLevel.DEBUG,
  INFO: ApplicationLogLevel.INFO,
  WARN: ApplicationLogLevel.WARN,
  ERROR: ApplicationLogLevel.ERROR,
  CRITICAL: ApplicationLogLevel.FATAL,
  SILENT: ApplicationLogLevel.FATAL,
};

/**
 * The Lambda defaults every orgbridge function shares (runtime, arm64, esbuild
 * bundle, JSON logs, retention, tracing), and the least privilege its catalog
 * entry asks for: table read or read/write, and only the secrets it names.
 */
export class OrgbridgeFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: OrgbridgeFunctionProps) {
    super(scope, id);
    const { def } = props;
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    const logLevel = configSchema.shape.LOG_LEVEL.parse(props.environment.LOG_LEVEL);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(props.repoRoot, def.entry),
      handler: 'handler',
      description: def.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: def.memoryMb ?? 512,
      timeout: Duration.seconds(def.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: LAMBDA_LOG_LEVELS[logLevel],
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: `orgbridge-${def.name}`,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        LOG_LEVEL: logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // ESM bundles need a require shim for the few CommonJS dependencies that call require().
        banner: "import { createRequire as topLevelCreateRequire } from 'module'; const require = topLevelCreateRequire(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
      },
    });

    grantTableAccess(this.fn, props.table, def.table);

    const stack = Stack.of(this);
    // Secrets Manager appends a random 6-character suffix to every secret ARN, so a
    // name can only be granted with a trailing wildcard.
    const secretArn = (pattern: string) =>
      stack.formatArn({ service: 'secretsmanager', resource: 'secret', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: secretResourceName(pattern) });
    const secretResourceName = (pattern: string) => `${props.secretPrefix}${pattern.replace(/\*$/, '')}*`;
    // A config variable name stands for the secret name the deployment configured.
    const resolve = (pattern: string) => (/^[A-Z][A-Z0-9_]*$/.test(pattern) ? required(props.environment[pattern], pattern) : pattern);
    const read = (def.secrets?.read ?? []).map(resolve);
    const write = (def.secrets?.write ?? []).map(resolve);
    if (read.length) {
      this.fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['secretsmanager:GetSecretValue'], resources: read.map(secretArn) }));
    }
    if (write.length) {
      this.fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:GetSecretValue'],
          resources: write.map(secretArn),
        }),
      );
    }

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The basic execution role only lets the function write its own logs; CDK attaches it to every function.',
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions.',
    });
    // cdk-nag names each wildcard finding by the resource as it appears in the template.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    for (const pattern of new Set([...read, ...write])) {
      Validations.of(this.fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:${secretResourceName(pattern)}]`,
        reason: 'Secrets Manager ARNs end in a random suffix; the grant is limited to this function\'s own secret names.',
      });
    }
    if (def.table !== 'none') {
      const tableLogicalId = stack.resolve(stack.getLogicalId(props.table.node.defaultChild as CfnElement)) as string;
      Validations.of(this.fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
        reason: 'Queries the table\'s own indexes (the work-queue index); no other table is reachable.',
      });
    }
  }
}

function required(value: string | undefined, variable: string): string {
  if (!value) throw new Error(`The stack sets no ${variable}, which a function's catalog entry names as its secret`);
  return value;
}
