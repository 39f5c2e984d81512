import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export { MetricUnit };

/**
 * One Powertools Metrics per function (CloudWatch embedded metric format in
 * the function's log). Locally and in tests POWERTOOLS_METRICS_DISABLED keeps
 * them out of the console.
 */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName });
}

/** Marketo answered 606/615 and the runner waited: the stack alarms on it, since our budget should prevent it. */
export const RUNNER_THROTTLE_METRIC = 'MarketoThrottled';
export const METRICS_NAMESPACE = 'orgbridge';

/** A webhook delivery carried profiles and accepted none of them: the stack alarms on it (nothing dropped silently). */
export const DELIVERY_ACCEPTED_NONE_METRIC = 'ActivationDeliveryAcceptedNone';
