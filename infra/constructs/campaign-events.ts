import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { describeAlarm } from '#infra/runbook.ts';
import { METRICS_NAMESPACE } from '#shared/metrics.ts';

/**
 * The `orgbridge.campaign` event bus: the `campaign-events` function drains
 * the outbox into it with PutEvents (its only grant on the bus), and an
 * alarm fires when EventBridge refuses entries (they stay pending and are
 * retried; the schedule's dead-letter queue and the function's error alarm
 * cover invocations that fail). Campaign-side automation subscribes with
 * rules on this bus; an archive keeps 30 days of events for replay.
 */
export class CampaignEvents extends Construct {
  readonly bus: EventBus;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: { stage: string; publisher: LambdaFunction }) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: `orgbridge-${props.stage}-campaign`, description: 'orgbridge.campaign: applied Campaign change sets' });
    this.bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.bus.archive('Archive', { description: 'orgbridge.campaign events, for replay', eventPattern: { source: ['orgbridge.campaign'] }, retention: Duration.days(30) });
    this.bus.grantPutEventsTo(props.publisher);
    props.publisher.addEnvironment('CAMPAIGN_EVENT_BUS_NAME', this.bus.eventBusName);
    this.alarms = [
      new Alarm(this, 'EventsRefused', {
        alarmDescription: describeAlarm(this, 'orgbridge campaign-events: EventBridge refused change set events (they stay in the outbox and are retried)', 'campaignEventsRefused'),
        metric: new Metric({ namespace: METRICS_NAMESPACE, metricName: 'CampaignEventsFailed', dimensionsMap: { service: 'campaign-events' }, statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
  }
}
