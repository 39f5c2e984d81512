import { Duration, Stack } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, TextWidget, type IAlarm, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { operationalMetric } from './operational-alarms';

export interface OrgbridgeDashboardProps {
  stage: string;
  functions: ReadonlyMap<string, IFunction>;
  alarms: IAlarm[];
}

/** One CloudWatch dashboard: alarm states, then a row per capability (org mapping, push clone, Campaign). */
export class OrgbridgeDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OrgbridgeDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const fn = (name: string) => props.functions.get(name);
    const lambdaWidgets = (title: string, names: string[]): IWidget[] => {
      const present = names.map(fn).filter((f): f is IFunction => f !== undefined);
      return [
        new GraphWidget({ title: `${title}: invocations and errors`, left: present.flatMap((f) => [f.metricInvocations({ period }), f.metricErrors({ period })]), width: 8 }),
        new GraphWidget({ title: `${title}: duration p99`, left: present.map((f) => f.metricDuration({ period, statistic: 'p99' })), width: 8 }),
      ];
    };
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `orgbridge-${props.stage}-${Stack.of(this).region}`.replace(/[^A-Za-z0-9_-]/g, '-') });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'orgbridge alarms', alarms: props.alarms, width: 24 }));
    this.dashboard.addWidgets(new TextWidget({ markdown: '## Adobe Organization Mapping', width: 24, height: 1 }));
    this.dashboard.addWidgets(...lambdaWidgets('org mapping', ['org-mapping-api', 'org-mapping-callback']), new GraphWidget({ title: 'refused sign-ins', left: [operationalMetric('orgMappingRefusals')], width: 8 }));
    this.dashboard.addWidgets(new TextWidget({ markdown: '## Push clone', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      ...lambdaWidgets('push clone', ['push-clone-webhook', 'push-clone-runner']),
      new GraphWidget({ title: 'AEP deliveries', left: [operationalMetric('activationProfiles'), operationalMetric('activationRecordsAccepted')], right: [operationalMetric('deliveriesNothingAccepted')], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'people failed / quarantined', left: [operationalMetric('peopleFailed'), operationalMetric('membershipsQuarantined')], width: 12 }),
      new GraphWidget({ title: 'Marketo calls and throttling', left: [operationalMetric('marketoCalls')], right: [operationalMetric('marketoThrottled')], width: 12 }),
    );
    this.dashboard.addWidgets(new TextWidget({ markdown: '## Campaign association-mask sync', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      ...lambdaWidgets('Campaign', ['campaign-api', 'campaign-sync']),
      new GraphWidget({ title: 'removal-cap stops, stale accounts', left: [operationalMetric('campaignRemovalCapStops'), operationalMetric('campaignStaleSyncs', { statistic: 'Maximum' })], width: 8 }),
    );
  }
}
