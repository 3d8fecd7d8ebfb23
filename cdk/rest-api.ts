// The REST API: IAM-authorised runs routes, the public signed webhook route, throttling, access and
// execution logs that expire. Constructs are created in the stack itself, so logical ids stay put.
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

export function createRestApi(stack: Stack, options: { name: string; stageName: string; rateLimit?: number; burstLimit?: number }): apigw.RestApi {
  const api = new apigw.RestApi(stack, 'Api', {
    restApiName: options.name,
    description: 'longshot: start, watch and stop runs and compares; receive Replicate webhooks',
    endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
    cloudWatchRole: true,
    deployOptions: {
      stageName: options.stageName,
      tracingEnabled: true,
      metricsEnabled: true,
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      throttlingRateLimit: options.rateLimit ?? 10,
      throttlingBurstLimit: options.burstLimit ?? 20,
      accessLogDestination: new apigw.LogGroupLogDestination(
        new logs.LogGroup(stack, 'ApiAccessLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY }),
      ),
      // $context.path carries no query string, so webhook run/step never reach the access log.
      accessLogFormat: apigw.AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          requestTime: '$context.requestTime',
          ip: '$context.identity.sourceIp',
          caller: '$context.identity.caller',
          httpMethod: '$context.httpMethod',
          resourcePath: '$context.resourcePath',
          path: '$context.path',
          status: '$context.status',
          responseLength: '$context.responseLength',
          latencyMs: '$context.responseLatency',
        }),
      ),
    },
    defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
  });
  // API Gateway creates its execution log group on first write, without expiry: create it first,
  // with a retention, before the stage exists.
  const executionLogs = new logs.LogGroup(stack, 'ApiExecutionLogs', {
    logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${options.stageName}`,
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  api.deploymentStage.node.addDependency(executionLogs);
  return api;
}

export function addRoutes(api: apigw.RestApi, handlers: { runs: IFunction; webhook: IFunction }) {
  const validator = api.addRequestValidator('RequestValidator', { validateRequestBody: true, validateRequestParameters: true });
  const storyboardModel = api.addModel('StoryboardRequest', {
    contentType: 'application/json',
    schema: { schema: apigw.JsonSchemaVersion.DRAFT4, title: 'StoryboardRequest', type: apigw.JsonSchemaType.OBJECT, minProperties: 1 },
  });
  const runsIntegration = new apigw.LambdaIntegration(handlers.runs);

  const runs = api.root.addResource('runs');
  runs.addMethod('POST', runsIntegration, { requestValidator: validator, requestModels: { 'application/json': storyboardModel } });
  runs.addMethod('GET', runsIntegration, { requestValidator: validator, requestParameters: { 'method.request.querystring.limit': false, 'method.request.querystring.nextToken': false } });
  const run = runs.addResource('{runId}');
  const runParams = { requestValidator: validator, requestParameters: { 'method.request.path.runId': true } };
  run.addMethod('GET', runsIntegration, runParams);
  run.addMethod('DELETE', runsIntegration, runParams);
  // New runs from an ended one (their bodies are small: {scene, prompt?, maxUsd?} / {maxUsd?}).
  run.addResource('regenerate').addMethod('POST', runsIntegration, runParams);
  run.addResource('resume').addMethod('POST', runsIntegration, runParams);

  const compares = api.root.addResource('compares');
  compares.addMethod('POST', runsIntegration, { requestValidator: validator, requestModels: { 'application/json': storyboardModel } });
  compares.addResource('{compareId}').addMethod('GET', runsIntegration, { requestValidator: validator, requestParameters: { 'method.request.path.compareId': true } });

  api.root
    .addResource('webhooks')
    .addResource('replicate')
    .addMethod('POST', new apigw.LambdaIntegration(handlers.webhook), {
      // Replicate cannot sign AWS requests: this route is public and the handler checks the signature.
      authorizationType: apigw.AuthorizationType.NONE,
      requestValidator: validator,
      requestParameters: {
        'method.request.querystring.run': true,
        'method.request.querystring.step': true,
        'method.request.header.webhook-id': true,
        'method.request.header.webhook-timestamp': true,
        'method.request.header.webhook-signature': true,
      },
    });
}
