import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnStage, DomainName, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { describeAlarm } from '#infra/runbook.ts';
import { Construct } from 'constructs';
import type { RouteDef } from '#functions/catalog.ts';

/**
 * Request budgets per kind of route (requests per second, burst). API Gateway
 * applies a route's limit to that route alone, so unauthenticated traffic on
 * a public route cannot use up what AEP's deliveries need (AEP retries a 429
 * twice, then drops the data).
 */
export const ROUTE_BUDGETS = {
  /** AEP's activation webhook and its OAuth token endpoint. */
  aep: { rateLimit: 500, burstLimit: 1000 },
  /** Routes anyone can call: health, the IMS callback, the admin page. */
  public: { rateLimit: 20, burstLimit: 40 },
  /** Admin API routes (a valid admin token is checked inside). */
  admin: { rateLimit: 50, burstLimit: 100 },
} as const;

/** The budget of each function's routes; a function not named here serves admin routes. */
const FUNCTION_BUDGETS: Record<string, keyof typeof ROUTE_BUDGETS> = {
  'push-clone-webhook': 'aep',
  health: 'public',
  'org-mapping-callback': 'public',
  'org-mapping-page': 'public',
};

export function routeBudget(route: RouteDef): keyof typeof ROUTE_BUDGETS {
  return FUNCTION_BUDGETS[route.function] ?? 'admin';
}

export interface OrgbridgeHttpApiProps {
  logRetention: RetentionDays;
  /** A custom domain (its ACM certificate in this region), so the redirect URI and AEP's URL survive a recreated API. */
  customDomain?: { domainName: string; certificateArn: string };
}

/** The HTTP API with access logs and per-route throttling; routes come from the catalog. */
export class OrgbridgeHttpApi extends Construct {
  readonly api: HttpApi;
  readonly domain?: DomainName;
  private readonly customDomainName?: string;
  readonly serverErrors: Alarm;
  private readonly stage: HttpStage;
  private readonly integrations = new Map<string, HttpLambdaIntegration>();
  private readonly routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};

  constructor(scope: Construct, id: string, props: OrgbridgeHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { apiName: 'orgbridge', createDefaultStage: false, disableExecuteApiEndpoint: false });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    if (props.customDomain) {
      this.customDomainName = props.customDomain.domainName;
      this.domain = new DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
      });
    }
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: ROUTE_BUDGETS.admin,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: AccessLogFormat.jsonWithStandardFields() },
      ...(this.domain ? { domainMapping: { domainName: this.domain } } : {}),
    });
    (this.stage.node.defaultChild as CfnStage).routeSettings = this.routeSettings;
    this.serverErrors = new Alarm(this, 'ServerErrors', {
      alarmDescription: describeAlarm(this, 'orgbridge HTTP API: 10 or more 5xx answers in 5 minutes', 'apiServerErrors'),
      metric: this.stage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 10,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  addRoute(route: RouteDef, fn: IFunction): void {
    let integration = this.integrations.get(route.function);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${route.function}-integration`, fn);
      this.integrations.set(route.function, integration);
    }
    const routes = this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    const budget = ROUTE_BUDGETS[routeBudget(route)];
    this.routeSettings[`${route.method} ${route.path}`] = { ThrottlingRateLimit: budget.rateLimit, ThrottlingBurstLimit: budget.burstLimit };
    for (const created of routes) {
      // The stage's route settings name the route: it must exist first.
      this.stage.node.addDependency(created);
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Authorization is enforced inside the handler: admin routes verify an admin JWT, the AEP webhook a bearer token from Secrets Manager, and the IMS callback its single-use state; /health is public by design.',
      });
    }
  }

  /** The base URL callers use: the custom domain when there is one. */
  get url(): string {
    return this.customDomainName ? `https://${this.customDomainName}` : this.api.apiEndpoint;
  }
}
