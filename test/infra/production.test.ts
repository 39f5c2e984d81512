import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { functions, routes } from '#functions/catalog.ts';
import { buildApp } from '#infra/build-app.ts';
import { tableActions } from '#infra/constructs/table-grants.ts';
import { ROUTE_BUDGETS, routeBudget } from '#infra/constructs/http-api.ts';
import { GENERATED_SECRETS } from '#infra/orgbridge-stack.ts';
import { RUNBOOK_ENTRIES } from '#infra/runbook.ts';
import { OPERATIONAL_METRICS } from '#shared/metrics.ts';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const synth = (context: Record<string, unknown>) => Template.fromStack(buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } })));
const resources = (template: Template, type: string) => Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
const functionEnv = (template: Template, name: string) => {
  const found = resources(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith(`Fn${name.replace(/-/g, '')}Function`));
  if (!found) throw new Error(`no function ${name} in the template`);
  return found[1].Properties.Environment.Variables as Record<string, unknown>;
};

describe('a dev deployment (the default) with settings from context', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({ UMAPI_CLIENT_ID: 'x-s2s-client', MAX_BODY_BYTES: '1048576', LOG_LEVEL: 'DEBUG', alarmEmail: 'oncall@example.com', runbookUrl: 'https://example.com/ops.md' });
  });

  it('builds stage dev when no stage is given, which can be torn down whole', () => {
    const [, table] = resources(template, 'AWS::DynamoDB::Table')[0]!;
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    for (const [, secret] of resources(template, 'AWS::SecretsManager::Secret')) expect(secret.DeletionPolicy).toBe('Delete');
    expect(functionEnv(template, 'health').STAGE).toBe('dev');
  });

  it('passes every context setting to the functions: UMAPI_CLIENT_ID and MAX_BODY_BYTES included', () => {
    for (const def of functions) {
      expect(functionEnv(template, def.name)).toMatchObject({ UMAPI_CLIENT_ID: 'x-s2s-client', MAX_BODY_BYTES: '1048576', LOG_LEVEL: 'DEBUG' });
    }
  });

  it('honours LOG_LEVEL in Lambda\'s own log filter, not only in the logger', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'DEBUG', LogFormat: 'JSON' }) }, functions.length);
  });

  it('creates every secret a function is granted by name', () => {
    const created = resources(template, 'AWS::SecretsManager::Secret').map(([, s]) => s.Properties.Name as string);
    const env = functionEnv(template, 'health');
    for (const def of functions) {
      for (const name of [...(def.secrets?.read ?? []), ...(def.secrets?.write ?? [])].filter((n) => /^[A-Z_]+$/.test(n))) {
        expect(GENERATED_SECRETS.map((s) => s.key)).toContain(name);
        expect(created).toContain(`orgbridge/dev/${env[name] as string}`);
      }
    }
    expect(created).toContain('orgbridge/dev/ims-s2s-client-secret');
  });

  it('sends every alarm to the topic, which the context\'s email subscribes to', () => {
    const [topicId] = resources(template, 'AWS::SNS::Topic')[0]!;
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    const alarms = resources(template, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(20);
    for (const [id, alarm] of alarms) {
      expect({ id, actions: alarm.Properties.AlarmActions }).toEqual({ id, actions: [{ Ref: topicId }] });
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('links each alarm to its entry in docs/operations.md, and each entry exists', () => {
    const runbook = readFileSync('docs/operations.md', 'utf8');
    for (const anchor of Object.values(RUNBOOK_ENTRIES)) expect(runbook).toContain(`<a id="${anchor}"></a>`);
    for (const [id, alarm] of resources(template, 'AWS::CloudWatch::Alarm')) {
      const link = /Runbook: https:\/\/example\.com\/ops\.md#([a-z0-9-]+)$/.exec(alarm.Properties.AlarmDescription as string);
      expect({ id, anchor: link?.[1] && (Object.values(RUNBOOK_ENTRIES) as string[]).includes(link[1]) }).toEqual({ id, anchor: true });
    }
  });

  it('alarms on failed people, quarantined memberships, empty deliveries, removal-cap stops, stale syncs and refusal spikes', () => {
    for (const metric of Object.values(OPERATIONAL_METRICS).filter((m) => !['MarketoCalls', 'ActivationRecordsAccepted', 'ActivationProfiles'].includes(m.name))) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'orgbridge', MetricName: metric.name, Dimensions: [{ Name: 'service', Value: metric.service }] });
    }
    // Each metric is emitted by a function the catalog declares (Powertools names the service after it).
    for (const metric of Object.values(OPERATIONAL_METRICS)) expect(functions.map((f) => f.name)).toContain(metric.service);
  });

  it('has a dashboard for the three capabilities', () => {
    const [[, dashboard]] = resources(template, 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Adobe Organization Mapping', 'Push clone', 'Campaign association-mask sync']) expect(body).toContain(title);
  });

  it('gives the AEP webhook and the public routes their own throttling budgets', () => {
    const [[, stage]] = resources(template, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    expect(Object.keys(settings).sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    expect(settings['POST /push-clone/destinations/{destinationId}/activations']).toEqual({ ThrottlingRateLimit: ROUTE_BUDGETS.aep.rateLimit, ThrottlingBurstLimit: ROUTE_BUDGETS.aep.burstLimit });
    expect(settings['GET /org-mapping/callback']).toEqual({ ThrottlingRateLimit: ROUTE_BUDGETS.public.rateLimit, ThrottlingBurstLimit: ROUTE_BUDGETS.public.burstLimit });
    expect(routeBudget({ method: 'GET', path: '/health', function: 'health' })).toBe('public');
    expect(ROUTE_BUDGETS.public.rateLimit).toBeLessThan(ROUTE_BUDGETS.aep.rateLimit);
  });

  it('outputs the IMS redirect URI, the webhook URL pattern and the OAuth token URL', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.ImsRedirectUri?.Value)).toContain('/org-mapping/callback');
    expect(JSON.stringify(outputs.WebhookUrlPattern?.Value)).toContain('/push-clone/destinations/{destinationId}/activations');
    expect(JSON.stringify(outputs.OAuthTokenUrlPattern?.Value)).toContain('/push-clone/destinations/{destinationId}/oauth/token');
  });

  it('grants each function exactly its catalog table access: no Scan anywhere, no unconditioned delete for public functions', () => {
    const policies = resources(template, 'AWS::IAM::Policy');
    for (const def of functions) {
      const own = policies.filter(([id]) => id.startsWith(`Fn${def.name.replace(/-/g, '')}Function`));
      const statements = own.flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Condition?: unknown }>);
      const dynamo = statements.flatMap((s) => [s.Action].flat().filter((a) => a.startsWith('dynamodb:')).map((action) => ({ action, conditioned: s.Condition !== undefined })));
      const expected = tableActions(def.table);
      expect({ fn: def.name, actions: [...new Set(dynamo.filter((d) => !d.conditioned).map((d) => d.action))].sort() }).toEqual({ fn: def.name, actions: [...expected.actions].sort() });
      expect(dynamo.map((d) => d.action)).not.toContain('dynamodb:Scan');
    }
    for (const name of ['push-clone-webhook', 'org-mapping-callback']) {
      expect(tableActions(functions.find((f) => f.name === name)!.table).actions).not.toContain('dynamodb:DeleteItem');
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'dynamodb:DeleteItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OAUTH_STATE#*'] } } })]) },
    });
  });
});

describe('a prod deployment', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({ stage: 'prod', domainName: 'orgbridge.example.com', certificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/abc', alarmTopicArn: 'arn:aws:sns:us-east-1:000000000000:oncall' });
  });

  it('protects and keeps the table and secrets, and keeps logs for a year', () => {
    const [, table] = resources(template, 'AWS::DynamoDB::Table')[0]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    for (const [, secret] of resources(template, 'AWS::SecretsManager::Secret')) expect(secret.DeletionPolicy).toBe('Retain');
    for (const [, group] of resources(template, 'AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(365);
  });

  it('serves the API on the custom domain, which the redirect URI and PUBLIC_BASE_URL use', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'orgbridge.example.com' });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    expect(functionEnv(template, 'org-mapping-callback').PUBLIC_BASE_URL).toBe('https://orgbridge.example.com');
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ImsRedirectUri?.Value).toBe('https://orgbridge.example.com/org-mapping/callback');
  });

  it('sends every alarm to the existing topic and creates none', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const [, alarm] of resources(template, 'AWS::CloudWatch::Alarm')) expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:us-east-1:000000000000:oncall']);
  });
});

describe('settings synth refuses', () => {
  const refused = (context: Record<string, unknown>) => () => buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }));

  it('names a misspelt setting and suggests the right one', () => {
    expect(refused({ UMAPI_CLIENTID: 'x' })).toThrow(/-c UMAPI_CLIENTID: no such setting \(did you mean UMAPI_CLIENT_ID\?\)/);
    expect(refused({ alarmEmial: 'a@example.com' })).toThrow(/-c alarmEmial: no such option \(did you mean alarmEmail\?\)/);
  });

  it('names a variable the stack sets itself, and says what to use instead', () => {
    expect(refused({ PUBLIC_BASE_URL: 'https://x.example.com' })).toThrow(/-c PUBLIC_BASE_URL: set by the stack .*domainName/);
    expect(refused({ STAGE: 'prod' })).toThrow(/-c STAGE: set by the stack \(use -c stage=<name>\)/);
  });

  it('names a setting with an invalid value', () => {
    expect(refused({ MARKETO_CALLS_PER_WINDOW: '500' })).toThrow(/-c MARKETO_CALLS_PER_WINDOW: /);
    expect(refused({ LOG_LEVEL: 'VERBOSE' })).toThrow(/-c LOG_LEVEL: /);
  });

  it('needs a certificate for a custom domain', () => {
    expect(refused({ domainName: 'orgbridge.example.com' })).toThrow(/domainName needs -c certificateArn/);
  });
});
