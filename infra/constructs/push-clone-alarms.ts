import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DELIVERY_ACCEPTED_NONE_METRIC, METRICS_NAMESPACE, RUNNER_THROTTLE_METRIC } from '#shared/metrics.ts';

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
        alarmDescription: `orgbridge ${name}: Lambda throttled invocations`,
        metric: fn.metricThrottles({ period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const marketoThrottles = new Alarm(this, 'MarketoThrottled', {
      alarmDescription: 'orgbridge push clone: Marketo answered 606/615 (rate or concurrency) repeatedly',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: RUNNER_THROTTLE_METRIC,
        dimensionsMap: { service: 'push-clone-runner' },
        statistic: 'Sum',
        period: Duration.minutes(15),
      }),
      threshold: 10,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Nothing dropped silently: a delivery whose profiles were all refused (wrong email source, namespace, timestamps).
    const acceptedNone = new Alarm(this, 'ActivationAcceptedNone', {
      alarmDescription: 'orgbridge push clone: an AEP delivery was answered 200 but none of its profiles was accepted (see the destination status, intake)',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: DELIVERY_ACCEPTED_NONE_METRIC,
        dimensionsMap: { service: 'push-clone-webhook' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [lambdaThrottles('Webhook', props.webhook), lambdaThrottles('Runner', props.runner), marketoThrottles, acceptedNone];
  }
}
