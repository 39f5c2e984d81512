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

export const METRICS_NAMESPACE = 'orgbridge';

/**
 * The metrics the stack's alarms and dashboard read: the one list of their
 * names. Powertools gives every metric a `service` dimension, the emitting
 * function's name (createMetrics(name)); an alarm matches name and service
 * exactly, so a metric must be emitted by the function named here, with
 * MetricUnit.Count. docs/operations.md describes each one.
 */
export const OPERATIONAL_METRICS = {
  /** Marketo answered 606/615 and the runner waited: our budget should prevent it. */
  marketoThrottled: { name: 'MarketoThrottled', service: 'push-clone-runner' },
  /** People the runner gave up on in a run (per person and audience). */
  peopleFailed: { name: 'PeopleFailed', service: 'push-clone-runner' },
  /** Memberships set aside after failing repeatedly (they no longer retry on every run). */
  membershipsQuarantined: { name: 'MembershipsQuarantined', service: 'push-clone-runner' },
  /** Marketo calls made: for the dashboard. */
  marketoCalls: { name: 'MarketoCalls', service: 'push-clone-runner' },
  /** Records AEP sent that the webhook accepted, and profiles in them: for the dashboard. */
  activationRecordsAccepted: { name: 'ActivationRecordsAccepted', service: 'push-clone-webhook' },
  activationProfiles: { name: 'ActivationProfiles', service: 'push-clone-webhook' },
  /** Deliveries (one webhook call with profiles in it) of which not one record was accepted. */
  deliveriesNothingAccepted: { name: 'ActivationDeliveriesNothingAccepted', service: 'push-clone-webhook' },
  /** Campaign syncs that stopped before removals because they exceeded the account's removal cap. */
  campaignRemovalCapStops: { name: 'CampaignRemovalCapExceeded', service: 'campaign-sync' },
  /** Accounts whose last completed sync is older than they should be (counted by every campaign-sync-tick). */
  campaignStaleSyncs: { name: 'CampaignSyncsStale', service: 'campaign-sync' },
  /** Org mapping attempts refused by the callback (any reason but success). */
  orgMappingRefusals: { name: 'OrgMappingRefused', service: 'org-mapping-callback' },
} as const satisfies Record<string, { name: string; service: string }>;

export type OperationalMetric = keyof typeof OPERATIONAL_METRICS;
