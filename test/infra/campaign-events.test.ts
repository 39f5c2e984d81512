import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/build-app.ts';

describe('the Campaign event bus in the stack', () => {
  let template: Template;

  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], stage: 'test' } });
    template = Template.fromStack(buildApp(app));
  });

  const publisherLogicalId = () => {
    const [id] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, resource]) => String((resource as { Properties: { Description?: string } }).Properties.Description ?? '').includes('orgbridge.campaign event bus')) ?? [];
    if (!id) throw new Error('no campaign-events function in the template');
    return id;
  };

  it('creates one event bus with an archive, and tells the publisher its name', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'orgbridge-test-campaign' });
    template.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['orgbridge.campaign'] }, RetentionDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('orgbridge.campaign event bus'),
      Environment: { Variables: Match.objectLike({ CAMPAIGN_EVENT_BUS_NAME: Match.anyValue() }) },
    });
  });

  it('grants PutEvents on that bus to the publisher only', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const withPutEvents = Object.values(policies).filter((policy) => JSON.stringify(policy).includes('events:PutEvents'));
    expect(withPutEvents).toHaveLength(1);
    expect(JSON.stringify(withPutEvents[0])).toContain(publisherLogicalId().slice(0, 20));
  });

  it('schedules the publisher every minute with a dead-letter queue, and alarms on refused events', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [publisherLogicalId(), 'Arn'] }, DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }) }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CampaignEventsFailed', Namespace: 'orgbridge', Dimensions: [{ Name: 'service', Value: 'campaign-events' }] });
  });
});
