import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, OPERATIONAL_METRICS, type OperationalMetric } from '#shared/metrics.ts';
import { describeAlarm, type RunbookEntry } from '#infra/runbook.ts';

/** The metric of OPERATIONAL_METRICS as CloudWatch knows it (namespace, name, the emitting function's service dimension). */
export function operationalMetric(key: OperationalMetric, options: { period?: Duration; statistic?: string } = {}): Metric {
  const metric = OPERATIONAL_METRICS[key];
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: metric.name,
    dimensionsMap: { service: metric.service },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? Duration.minutes(5),
  });
}

interface AlarmSpec {
  id: string;
  metric: OperationalMetric;
  entry: RunbookEntry;
  what: string;
  threshold: number;
  period: Duration;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  statistic?: string;
}

/**
 * Alarms on what the functions count (nothing silent): people the runner
 * gave up on, quarantined memberships, AEP deliveries of which nothing was
 * accepted, Campaign syncs stopped by the removal cap, stale Campaign syncs,
 * and a spike of refused org mappings. Missing data is not breaching: a
 * quiet deployment is a healthy one (errors and dead letters alarm on their own).
 */
const SPECS: AlarmSpec[] = [
  { id: 'PeopleFailed', metric: 'peopleFailed', entry: 'peopleFailed', what: 'orgbridge push clone: the runner gave up on people (failed) in two of three 15-minute periods', threshold: 0, period: Duration.minutes(15), evaluationPeriods: 3, datapointsToAlarm: 2 },
  { id: 'MembershipsQuarantined', metric: 'membershipsQuarantined', entry: 'membershipsQuarantined', what: 'orgbridge push clone: memberships were quarantined after failing repeatedly', threshold: 0, period: Duration.minutes(15) },
  { id: 'DeliveriesNothingAccepted', metric: 'deliveriesNothingAccepted', entry: 'deliveriesNothingAccepted', what: 'orgbridge push clone: 5 or more AEP deliveries in 15 minutes had not one record accepted', threshold: 4, period: Duration.minutes(15) },
  { id: 'CampaignRemovalCap', metric: 'campaignRemovalCapStops', entry: 'campaignRemovalCap', what: 'orgbridge Campaign: a sync exceeded its removal cap and applied no removal', threshold: 0, period: Duration.minutes(15) },
  { id: 'CampaignStaleSyncs', metric: 'campaignStaleSyncs', entry: 'campaignStaleSyncs', what: 'orgbridge Campaign: accounts have not completed a sync for longer than they should (two ticks in a row)', threshold: 0, period: Duration.minutes(15), evaluationPeriods: 2, statistic: 'Maximum' },
  { id: 'OrgMappingRefusals', metric: 'orgMappingRefusals', entry: 'orgMappingRefusals', what: 'orgbridge org mapping: more than 20 sign-ins refused in 15 minutes', threshold: 20, period: Duration.minutes(15) },
];

export class OperationalAlarms extends Construct {
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.alarms = SPECS.map(
      (spec) =>
        new Alarm(this, spec.id, {
          alarmDescription: describeAlarm(this, spec.what, spec.entry),
          metric: operationalMetric(spec.metric, { period: spec.period, ...(spec.statistic ? { statistic: spec.statistic } : {}) }),
          threshold: spec.threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: spec.evaluationPeriods ?? 1,
          datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods ?? 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    );
  }
}
