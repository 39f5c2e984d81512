import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, OPERATIONAL_METRICS } from '#shared/metrics.ts';
import { describeAlarm } from '#infra/runbook.ts';

/**
 * Push clone's own alarms, beside the errors and dead-letter alarms every
 * function gets: Lambda throttling of the webhook and the runner (AEP drops
 * data after two retries), and Marketo throttling seen by the runner (our
 * call budget should make it rare; a steady rate means another integration
 * shares the instance's 100 calls / 20 s).
 */
export class PushCloneAlarms extends Construct {
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: { webhook: IFunction; runner: IFunction }) {
    super(scope, id);
    const lambdaThrottles = (name: string, fn: IFunction) =>
      new Alarm(this, `${name}Throttles`, {
        alarmDescription: describeAlarm(this, `orgbridge ${name}: Lambda throttled invocations`, 'lambdaThrottles'),
        metric: fn.metricThrottles({ period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const marketoThrottles = new Alarm(this, 'MarketoThrottled', {
      alarmDescription: describeAlarm(this, 'orgbridge push clone: Marketo answered 606/615 (rate or concurrency) more than 10 times in 15 minutes', 'marketoThrottled'),
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: OPERATIONAL_METRICS.marketoThrottled.name,
        dimensionsMap: { service: OPERATIONAL_METRICS.marketoThrottled.service },
        statistic: 'Sum',
        period: Duration.minutes(15),
      }),
      threshold: 10,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [lambdaThrottles('Webhook', props.webhook), lambdaThrottles('Runner', props.runner), marketoThrottles];
  }
}
