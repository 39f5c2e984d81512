import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export { MetricUnit };

/**
 * One Powertools Metrics per function (CloudWatch embedded metric format in
 * the function's log). Locally and in tests POWERTOOLS_METRICS_DISABLED keeps
 * them out of the console.
 */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'orgbridge', serviceName });
}
