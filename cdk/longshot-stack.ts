// The deployed workflow: bucket, secret, functions, the Standard state machine from the one ASL
// file, the REST API, the inbox/ upload trigger and an alarm. Secure and least-privilege by default.
import { Aws, CfnCondition, CfnOutput, CfnParameter, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ASL_PATH, FUNCTIONS } from '../functions/catalog';
import { RETENTION_TAG } from '../functions/domain/run-keys';
import { ProjectFunction, type ProjectFunctionProps } from './project-function';
import { acknowledgeFindings } from './nag-acknowledgements';

export interface LongshotStackProps extends StackProps {
  /** Days before callbacks, step records, seeds and clips expire; films and manifests are kept. */
  intermediateRetentionDays?: number;
  /** Stage-wide API throttling. */
  apiRateLimit?: number;
  apiBurstLimit?: number;
}

type Sizing = Omit<ProjectFunctionProps, 'spec' | 'environment'>;

// Sized for 1080p 20 s clips (≈40 MB) and a 60 s film: ffmpeg's speed scales with Lambda memory (vCPUs).
const SIZING: Record<string, Sizing> = {
  prepare: { memoryMb: 512, timeout: Duration.seconds(60) },
  'store-output': { memoryMb: 2048, timeout: Duration.minutes(5), ephemeralMb: 2048 },
  'join-film': { memoryMb: 4096, timeout: Duration.minutes(15), ephemeralMb: 6144 },
  'record-failure': { memoryMb: 512, timeout: Duration.minutes(2) },
};

export class LongshotStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly stateMachine: sfn.StateMachine;
  readonly api: apigw.RestApi;
  readonly functions: Record<string, ProjectFunction> = {};

  constructor(scope: Construct, id: string, props: LongshotStackProps = {}) {
    super(scope, id, props);
    const retentionDays = props.intermediateRetentionDays ?? 14;

    const accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      eventBridgeEnabled: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogsBucket,
      serverAccessLogsPrefix: 'longshot-bucket/',
      lifecycleRules: [
        { id: 'ExpireIntermediates', tagFilters: { [RETENTION_TAG]: 'intermediate' }, expiration: Duration.days(retentionDays) },
        { id: 'ExpireRejectionReports', prefix: 'rejected/', expiration: Duration.days(retentionDays) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Films are the product: deleting the stack keeps them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const secret = new secrets.Secret(this, 'ReplicateSecret', {
      description: 'longshot: {"replicateApiToken": "r8_…", "webhookSigningSecret": "whsec_…"} (see docs/deploy.md)',
      generateSecretString: {
        // Valid JSON with empty values until the operator stores the real ones.
        secretStringTemplate: JSON.stringify({ replicateApiToken: '', webhookSigningSecret: '' }),
        generateStringKey: 'unused',
      },
    });

    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${id}-api`,
      description: 'longshot: start, watch and stop runs; receive Replicate webhooks',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: props.apiRateLimit ?? 10,
        throttlingBurstLimit: props.apiBurstLimit ?? 20,
        accessLogDestination: new apigw.LogGroupLogDestination(
          new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY }),
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
    // Built from the RestApi id (not its deployment) so clip/anchor functions can know it without a cycle.
    const webhookUrl = `https://${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/v1/webhooks/replicate`;

    const environment = { LONGSHOT_BUCKET: this.bucket.bucketName, PREDICTION_CANCEL_AFTER: '30m' };
    const withSecret = { LONGSHOT_SECRET_ARN: secret.secretArn };
    const envFor: Record<string, Record<string, string>> = {
      anchor: { ...withSecret, WEBHOOK_URL: webhookUrl },
      clip: { ...withSecret, WEBHOOK_URL: webhookUrl },
      poll: withSecret,
      'record-failure': withSecret,
      webhook: withSecret,
      api: withSecret,
      'execution-ended': withSecret,
    };
    for (const spec of FUNCTIONS) {
      const name = spec.name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
      this.functions[spec.name] = new ProjectFunction(this, `${name}Function`, {
        spec,
        environment: { ...environment, ...envFor[spec.name] },
        ...SIZING[spec.name],
      });
    }
    const fn = this.functions;

    const stateMachineLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${id}-${this.node.addr.slice(0, 8)}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(ASL_PATH),
      definitionSubstitutions: Object.fromEntries(
        FUNCTIONS.filter((s) => s.placeholder).map((s) => [s.placeholder!, fn[s.name].functionArn]),
      ),
      // Execution data stays out of the logs: callback task inputs carry task tokens.
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const spec of FUNCTIONS) if (spec.placeholder) fn[spec.name].grantInvoke(this.stateMachine);

    this.grantAccess(fn, secret);
    for (const name of ['api', 'start-from-upload']) fn[name].addEnvironment('STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);

    this.addRoutes(fn);
    this.addUploadTrigger(fn['start-from-upload']);
    // Ends the ASL cannot catch (a stop from the console, the execution timeout) are recorded too.
    new events.Rule(this, 'ExecutionEnded', {
      description: 'Record longshot runs that failed, timed out or were stopped outside the state machine',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new targets.LambdaFunction(fn['execution-ended'], { retryAttempts: 4, maxEventAge: Duration.hours(2) })],
    });
    const topic = this.addAlarm();

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'POST runs, GET/DELETE runs/{runId} (IAM-signed)' });
    new CfnOutput(this, 'WebhookUrl', { value: webhookUrl, description: 'Where Replicate posts (public, signature-checked)' });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'Upload storyboards to inbox/*.json' });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'SecretArn', { value: secret.secretArn, description: 'Store the Replicate token here' });
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn });
    new CfnOutput(this, 'ConsoleUrl', {
      value: Fn.join('', ['https://', Aws.REGION, '.console.aws.amazon.com/states/home?region=', Aws.REGION, '#/statemachines/view/', this.stateMachine.stateMachineArn]),
      description: 'Watch runs in the Step Functions console',
    });

    acknowledgeFindings(this);
  }

  /** Each function may touch only the prefixes, secret and state machine actions it needs. */
  private grantAccess(fn: Record<string, ProjectFunction>, secret: secrets.Secret) {
    const objects = (prefix: string) => this.bucket.arnForObjects(`${prefix}*`);
    const runsReadWrite = [
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'], resources: [objects('runs/')] }),
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['runs/*'] } },
      }),
    ];
    const readUploads = new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects('inbox/'), objects('images/')] });
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${this.stateMachine.stateMachineName}:*`;
    const add = (name: string, ...statements: iam.PolicyStatement[]) => statements.forEach((s) => fn[name].addToRolePolicy(s));

    for (const name of ['prepare', 'anchor', 'clip', 'poll', 'store-output', 'join-film', 'record-failure', 'webhook', 'api', 'execution-ended']) {
      add(name, ...runsReadWrite);
    }
    add('prepare', readUploads);
    add('store-output', readUploads);
    for (const name of ['anchor', 'clip', 'poll', 'record-failure', 'webhook', 'api', 'execution-ended']) secret.grantRead(fn[name]);
    // Only the webhook sends task results (a clip function with SendTask* would be a dependency cycle).
    add('webhook', new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [this.stateMachine.stateMachineArn] }));
    add(
      'api',
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }),
      new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [executions] }),
    );
    add(
      'start-from-upload',
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects('inbox/')] }),
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:PutObjectTagging'], resources: [objects('rejected/')] }),
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }),
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
    );
  }

  private addRoutes(fn: Record<string, ProjectFunction>) {
    const api = this.api;
    const validator = api.addRequestValidator('RequestValidator', { validateRequestBody: true, validateRequestParameters: true });
    const storyboardModel = api.addModel('StoryboardRequest', {
      contentType: 'application/json',
      schema: { schema: apigw.JsonSchemaVersion.DRAFT4, title: 'StoryboardRequest', type: apigw.JsonSchemaType.OBJECT, minProperties: 1 },
    });
    const runsIntegration = new apigw.LambdaIntegration(fn.api);

    const runs = api.root.addResource('runs');
    runs.addMethod('POST', runsIntegration, { requestValidator: validator, requestModels: { 'application/json': storyboardModel } });
    runs.addMethod('GET', runsIntegration, { requestValidator: validator, requestParameters: { 'method.request.querystring.limit': false, 'method.request.querystring.nextToken': false } });
    const run = runs.addResource('{runId}');
    const runParams = { requestValidator: validator, requestParameters: { 'method.request.path.runId': true } };
    run.addMethod('GET', runsIntegration, runParams);
    run.addMethod('DELETE', runsIntegration, runParams);

    api.root
      .addResource('webhooks')
      .addResource('replicate')
      .addMethod('POST', new apigw.LambdaIntegration(fn.webhook), {
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

  private addUploadTrigger(startFromUpload: ProjectFunction) {
    const deadLetters = new sqs.Queue(this, 'UploadTriggerDeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    new events.Rule(this, 'StoryboardUploaded', {
      description: 'A storyboard uploaded to inbox/*.json starts a run',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.bucket.bucketName] }, object: { key: events.Match.wildcard('inbox/*.json') } },
      },
      targets: [new targets.LambdaFunction(startFromUpload, { retryAttempts: 4, maxEventAge: Duration.hours(2), deadLetterQueue: deadLetters })],
    });
  }

  private addAlarm(): sns.Topic {
    const email = new CfnParameter(this, 'AlarmEmail', {
      type: 'String',
      default: '',
      description: 'Optional e-mail address to notify when a run fails or times out',
    });
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'longshot run failures', enforceSSL: true });
    const subscription = new sns.CfnSubscription(this, 'AlarmEmailSubscription', { topicArn: topic.topicArn, protocol: 'email', endpoint: email.valueAsString });
    subscription.cfnOptions.condition = new CfnCondition(this, 'HasAlarmEmail', { expression: Fn.conditionNot(Fn.conditionEquals(email.valueAsString, '')) });

    const period = Duration.minutes(5);
    const alarm = new cloudwatch.Alarm(this, 'RunsFailedAlarm', {
      alarmDescription: 'A longshot run failed or timed out (see the Step Functions console)',
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ period, statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        },
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    return topic;
  }
}
