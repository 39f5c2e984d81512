import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { functions, routes, schedules } from '#functions/catalog.ts';
import { tableDefinition } from '#shared/store/table.ts';
import { buildApp } from '#infra/build-app.ts';

describe('the orgbridge stack', () => {
  let app: App;
  let template: Template;

  beforeAll(() => {
    app = new App({ context: { 'aws:cdk:bundling-stacks': [], stage: 'test' } });
    template = Template.fromStack(buildApp(app));
  });

  it('builds the one table from the shared definition: on demand, encrypted, point-in-time recovery, TTL', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((gsi) => Match.objectLike({ IndexName: gsi.indexName })),
    });
  });

  it('deploys every catalog function on Node.js arm64 with the stage configuration', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Architectures: ['arm64'], Runtime: 'nodejs24.x' }, functions.length);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STAGE: 'test', SECRETS_BACKEND: 'aws', SECRET_PREFIX: 'orgbridge/test/' }) },
    });
  });

  it('routes every catalog path through the HTTP API, health included', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey);
    expect(routeKeys.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    expect(routeKeys).toContain('GET /health');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }) });
  });

  it('gives each schedule a dead-letter queue and an alarm', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', schedules.length);
    for (const schedule of schedules) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: schedule.expression,
        Target: Match.objectLike({ DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }) }),
      });
    }
  });

  it('alarms on push-clone runner errors, Lambda throttles and Marketo throttling', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'MarketoThrottled', Namespace: 'orgbridge', Dimensions: [{ Name: 'service', Value: 'push-clone-runner' }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ActivationDeliveriesNothingAccepted', Namespace: 'orgbridge', Dimensions: [{ Name: 'service', Value: 'push-clone-webhook' }] });
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'Throttles', Namespace: 'AWS/Lambda' }, 2);
    const errorAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Errors' } }));
    expect(errorAlarms).toHaveLength(functions.length);
  });

  it('gives the runner, which the dispatcher invokes asynchronously, a dead-letter destination', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('grants a function no table access when its catalog entry asks for none', () => {
    const healthRole = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('Fnhealth'));
    const actions = JSON.stringify(healthRole);
    expect(actions).not.toContain('dynamodb:');
    expect(actions).not.toContain('secretsmanager:');
  });

  it('limits secret access to the secret names a function declares', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement,
    );
    for (const statement of statements) {
      const actions = [statement.Action].flat();
      if (actions.some((a) => a.startsWith('secretsmanager:'))) {
        expect(JSON.stringify(statement.Resource)).toContain(':secret:orgbridge/test/');
      }
    }
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement carrying a reason', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });
});
