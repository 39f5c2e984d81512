import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { RouteDef } from '#functions/catalog.ts';

/** The HTTP API with access logs and throttling; routes come from the catalog. */
export class OrgbridgeHttpApi extends Construct {
  readonly api: HttpApi;
  private readonly integrations = new Map<string, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { apiName: 'orgbridge', createDefaultStage: false });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: AccessLogFormat.jsonWithStandardFields() },
    });
  }

  addRoute(route: RouteDef, fn: IFunction): void {
    let integration = this.integrations.get(route.function);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${route.function}-integration`, fn);
      this.integrations.set(route.function, integration);
    }
    const routes = this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    for (const created of routes) {
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Authorization is enforced inside the handler: admin routes verify an admin JWT, the AEP webhook a bearer token from Secrets Manager, and the IMS callback its single-use state; /health is public by design.',
      });
    }
  }

  get url(): string {
    return this.api.apiEndpoint;
  }
}
