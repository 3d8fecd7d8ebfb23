// The deployed workflow: bucket, secret, functions, the Standard state machine from the one ASL
// file, the REST API, the inbox/ upload trigger, alarms and a dashboard. Secure and least-privilege by default.
// Every construct is created directly in the stack (no wrapper constructs), so logical ids stay put.
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ASL_PATH, COMPARE_ASL_PATH, FUNCTIONS, RUN_STATE_MACHINE_PLACEHOLDER, taskFunctionsOf } from '../functions/catalog';
import { RETENTION_TAG } from '../functions/domain/run-keys';
import { REUSABLE_PREFIX } from '../functions/domain/reuse';
import { CANCEL_AFTER } from '../functions/domain/prediction-windows';
import { constructName, ProjectFunction } from './project-function';
import { BUCKET_ACCESS, KEYS, type KeyKind } from './bucket-access';
import { addAlarms } from './alarms';
import { addDashboard } from './dashboard';
import { addRoutes, createRestApi } from './rest-api';
import { acknowledgeFindings } from './nag-acknowledgements';
import { sizingOf } from './sizing';

export interface LongshotStackProps extends StackProps {
  /** Days before callbacks, step records, seeds and clips expire; films and manifests are kept. */
  intermediateRetentionDays?: number;
  /** Stage-wide API throttling. */
  apiRateLimit?: number;
  apiBurstLimit?: number;
}


/** Functions that EventBridge invokes asynchronously: their errors go to a failure queue, not away. */
const ASYNC_TARGETS = ['start-from-upload', 'execution-ended', 'notify'];

/** The functions that record a run's or a compare's ending: the one whose ending holds asks notify to tell the caller. */
const ENDING_WRITERS = ['join-film', 'record-failure', 'api', 'execution-ended', 'join-comparison', 'record-compare-failure'];

const STAGE_NAME = 'v1';


export class LongshotStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly stateMachine: sfn.StateMachine;
  /** One execution per compare; its Map runs each variant as a child execution of `stateMachine`. */
  readonly compareStateMachine: sfn.StateMachine;
  readonly api: apigw.RestApi;
  readonly functions: Record<string, ProjectFunction> = {};

  constructor(scope: Construct, id: string, props: LongshotStackProps = {}) {
    super(scope, id, props);
    this.bucket = this.createBucket(props.intermediateRetentionDays ?? 14);
    const secret = this.createSecret();
    this.api = createRestApi(this, { name: `${id}-api`, stageName: STAGE_NAME, rateLimit: props.apiRateLimit, burstLimit: props.apiBurstLimit });
    // Built from the RestApi id (not its deployment) so clip/anchor functions can know it without a cycle.
    const webhookUrl = `https://${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${STAGE_NAME}/webhooks/replicate`;

    this.createFunctions(secret, webhookUrl);
    this.stateMachine = this.createStateMachine(id);
    this.compareStateMachine = this.createCompareStateMachine(id);
    this.grantAccess(secret);
    const notifySecret = this.addNotifications();
    addRoutes(this.api, { runs: this.functions.api, webhook: this.functions.webhook });
    const failedEvents = this.addFailureDestinations();
    const undeliveredUploads = this.addUploadTrigger();
    this.addExecutionEndedRule();
    const topic = addAlarms(this, { stateMachine: this.stateMachine, queues: [failedEvents, undeliveredUploads] });
    this.addOutputs(secret, webhookUrl, topic.topicArn);
    const mediaFunctions = Object.fromEntries(FUNCTIONS.filter((f) => f.media).map((f) => [f.name, this.functions[f.name]]));
    addDashboard(this, { stateMachine: this.stateMachine, compareStateMachine: this.compareStateMachine, mediaFunctions });
    new CfnOutput(this, 'NotifySecretArn', { value: notifySecret.secretArn, description: 'Verify run notifications (notify.url) with this signing secret' });
    acknowledgeFindings(this);
  }

  private createBucket(retentionDays: number): s3.Bucket {
    const accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogsBucket,
      serverAccessLogsPrefix: 'longshot-bucket/',
      lifecycleRules: [
        { id: 'ExpireIntermediates', tagFilters: { [RETENTION_TAG]: 'intermediate' }, expiration: Duration.days(retentionDays) },
        { id: 'ExpireRejectionReports', prefix: 'rejected/', expiration: Duration.days(retentionDays) },
        // Outputs kept for reuse (reuse.ts): a run after this many days pays for them again.
        { id: 'ExpireReusableOutputs', prefix: REUSABLE_PREFIX, expiration: Duration.days(retentionDays) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Films are the product: deleting the stack keeps them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // EventBridge notifications set on the bucket itself, not with `eventBridgeEnabled`: that adds a
    // custom resource whose Lambda writes logs that never expire. (bucket.addEventNotification would
    // bring the custom resource back and overwrite this: use EventBridge rules instead.)
    (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    return bucket;
  }

  private createSecret(): secrets.Secret {
    return new secrets.Secret(this, 'ReplicateSecret', {
      description: 'longshot: {"replicateApiToken": "r8_…", "webhookSigningSecret": "whsec_…"} (see docs/deploy.md)',
      generateSecretString: {
        // Valid JSON with empty values until the operator stores the real ones.
        secretStringTemplate: JSON.stringify({ replicateApiToken: '', webhookSigningSecret: '' }),
        generateStringKey: 'unused',
      },
    });
  }

  private createFunctions(secret: secrets.Secret, webhookUrl: string) {
    const environment = { LONGSHOT_BUCKET: this.bucket.bucketName, PREDICTION_CANCEL_AFTER: CANCEL_AFTER };
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
      this.functions[spec.name] = new ProjectFunction(this, `${constructName(spec.name)}Function`, {
        spec,
        environment: { ...environment, ...envFor[spec.name] },
        sizing: sizingOf(spec.name),
      });
    }
  }

  /** The run state machine's name: known at synth time (the stack's name is). */
  private get runStateMachineName(): string {
    return `${this.stackName}-runs`;
  }

  private createStateMachine(id: string): sfn.StateMachine {
    const fn = this.functions;
    const stateMachineLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${id}-${this.node.addr.slice(0, 8)}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      // Named, so the start functions' grant can name it without referring to it (see grantAccess).
      stateMachineName: this.runStateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(ASL_PATH),
      definitionSubstitutions: Object.fromEntries(taskFunctionsOf('run').map((s) => [s.placeholder!, fn[s.name].functionArn])),
      // Execution data stays out of the logs: callback task inputs carry task tokens.
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const spec of taskFunctionsOf('run')) fn[spec.name].grantInvoke(stateMachine);
    for (const name of ['api', 'start-from-upload']) fn[name].addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    return stateMachine;
  }

  /**
   * The compare machine: the same logging and tracing as the run machine, its own task functions, and
   * what startExecution.sync:2 needs (AWS's policy for nested .sync executions): start the run machine,
   * describe and stop its executions, and the managed EventBridge rule that reports their ends.
   */
  private createCompareStateMachine(id: string): sfn.StateMachine {
    const fn = this.functions;
    const logGroup = new logs.LogGroup(this, 'CompareStateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${id}-compare-${this.node.addr.slice(0, 8)}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const compare = new sfn.StateMachine(this, 'CompareStateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(COMPARE_ASL_PATH),
      definitionSubstitutions: {
        ...Object.fromEntries(taskFunctionsOf('compare').map((s) => [s.placeholder!, fn[s.name].functionArn])),
        [RUN_STATE_MACHINE_PLACEHOLDER]: this.stateMachine.stateMachineArn,
      },
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const spec of taskFunctionsOf('compare')) fn[spec.name].grantInvoke(compare);
    const allow = (actions: string[], resource: string) => new iam.PolicyStatement({ actions, resources: [resource] });
    compare.addToRolePolicy(allow(['states:StartExecution'], this.stateMachine.stateMachineArn));
    compare.addToRolePolicy(allow(['states:DescribeExecution', 'states:StopExecution'], this.executionsOf(this.stateMachine)));
    const syncRule = `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`;
    compare.addToRolePolicy(allow(['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], syncRule));
    // execution-ended tells a compare's status change from a run's by this ARN.
    for (const name of ['api', 'execution-ended']) fn[name].addEnvironment('COMPARE_STATE_MACHINE_ARN', compare.stateMachineArn);
    return compare;
  }

  private executionsOf(machine: sfn.StateMachine): string {
    return `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${machine.stateMachineName}:*`;
  }

  /** Each function may touch only the objects, secret and state machine actions it needs. */
  private grantAccess(secret: secrets.Secret) {
    const fn = this.functions;
    for (const [name, access] of Object.entries(BUCKET_ACCESS)) {
      const objects = (kinds: readonly KeyKind[]) => kinds.map((kind) => this.bucket.arnForObjects(KEYS[kind].pattern));
      const statements = [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects(access.read) }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:PutObjectTagging'], resources: objects(access.write) }),
        // Without ListBucket S3 answers 403 instead of 404 for a missing key, and every "not there
        // yet" read (first step record, callback, idempotency record) would fail. A prefix condition
        // does not help: that implicit check carries no s3:prefix. Lists names only, no content.
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
      ];
      if (access.multipart?.length) {
        statements.push(new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: objects(access.multipart) }));
      }
      if (access.delete?.length) statements.push(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: objects(access.delete) }));
      for (const statement of statements) if (statement.resources.length) fn[name].addToRolePolicy(statement);
    }

    for (const name of ['anchor', 'clip', 'poll', 'record-failure', 'webhook', 'api', 'execution-ended']) secret.grantRead(fn[name]);
    const executions = this.executionsOf(this.stateMachine);
    const allow = (actions: string[], resource: string) => new iam.PolicyStatement({ actions, resources: [resource] });
    fn.webhook.addToRolePolicy(allow(['states:SendTaskSuccess', 'states:SendTaskFailure'], this.stateMachine.stateMachineArn));
    // A start that finds its output already made (reuse.ts) answers its own task. The state machine
    // invokes these functions, so their grant names it by its ARN string, not its attribute (a cycle).
    const byName = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:stateMachine:${this.runStateMachineName}`;
    for (const name of ['anchor', 'clip']) fn[name].addToRolePolicy(allow(['states:SendTaskSuccess'], byName));
    fn.api.addToRolePolicy(allow(['states:StartExecution'], this.stateMachine.stateMachineArn));
    fn.api.addToRolePolicy(allow(['states:DescribeExecution', 'states:StopExecution'], executions));
    // POST /compares starts a compare; GET /compares/{id} describes it.
    fn.api.addToRolePolicy(allow(['states:StartExecution'], this.compareStateMachine.stateMachineArn));
    fn.api.addToRolePolicy(allow(['states:DescribeExecution'], this.executionsOf(this.compareStateMachine)));
    fn['start-from-upload'].addToRolePolicy(allow(['states:StartExecution'], this.stateMachine.stateMachineArn));
    fn['start-from-upload'].addToRolePolicy(allow(['states:DescribeExecution'], executions));
    // Start time and input of a hand-started execution when its status-change event lacks them.
    fn['execution-ended'].addToRolePolicy(allow(['states:DescribeExecution'], executions));
    // The same for a compare started by hand (its id is derived from name and start time).
    fn['execution-ended'].addToRolePolicy(allow(['states:DescribeExecution'], this.executionsOf(this.compareStateMachine)));
  }

  /**
   * Run notifications: a signing secret of their own (generated, never in code; Replicate's secret
   * stays with the functions that call Replicate), the notify function's grants (that secret,
   * PutEvents on the default bus only), and the ending writers' right to invoke it.
   */
  private addNotifications(): secrets.Secret {
    const notify = this.functions.notify;
    // 48 letters and digits: valid base64 (36 bytes of key); receivers use it as is or as whsec_<it>.
    const signing = new secrets.Secret(this, 'NotifySigningSecret', {
      description: 'longshot: the Standard Webhooks secret that signs run notifications (see docs/deploy.md)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    signing.grantRead(notify);
    notify.addEnvironment('NOTIFY_SECRET_ARN', signing.secretArn);
    const defaultBus = `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`;
    notify.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [defaultBus] }));
    for (const name of ENDING_WRITERS) {
      // The function itself, no versions or aliases (grantInvoke would add ARN:*).
      this.functions[name].addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [notify.functionArn] }));
      this.functions[name].addEnvironment('NOTIFY_FUNCTION_NAME', notify.functionName);
    }
    return signing;
  }

  /**
   * EventBridge invokes the upload trigger and execution-ended, the ending writers invoke notify,
   * all asynchronously: Lambda retries a
   * function error twice and then drops the event, unless it has an on-failure destination.
   */
  private addFailureDestinations(): sqs.Queue {
    const failedEvents = new sqs.Queue(this, 'FailedEvents', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    for (const name of ASYNC_TARGETS) {
      this.functions[name].configureAsyncInvoke({
        onFailure: new destinations.SqsDestination(failedEvents),
        retryAttempts: 2,
        maxEventAge: Duration.hours(2),
      });
    }
    return failedEvents;
  }

  /** Returns the queue of events EventBridge could not deliver to the upload trigger. */
  private addUploadTrigger(): sqs.Queue {
    const deadLetters = new sqs.Queue(this, 'UploadTriggerDeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    new events.Rule(this, 'StoryboardUploaded', {
      description: 'An object under inbox/ is handed to start-from-upload (storyboards start runs, other files are answered)',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        // Every object under inbox/: the function starts .json in any case, names images as ignored
        // and rejects the rest with a report (a case-sensitive *.json pattern dropped .JSON silently).
        detail: { bucket: { name: [this.bucket.bucketName] }, object: { key: events.Match.prefix('inbox/') } },
      },
      targets: [
        new targets.LambdaFunction(this.functions['start-from-upload'], { retryAttempts: 4, maxEventAge: Duration.hours(2), deadLetterQueue: deadLetters }),
      ],
    });
    return deadLetters;
  }

  /** Ends the ASL cannot catch (a stop from the console, the execution timeout) are recorded too, of runs and compares. */
  private addExecutionEndedRule() {
    new events.Rule(this, 'ExecutionEnded', {
      description: 'Record longshot runs and compares that failed, timed out or were stopped outside the state machine',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn, this.compareStateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new targets.LambdaFunction(this.functions['execution-ended'], { retryAttempts: 4, maxEventAge: Duration.hours(2) })],
    });
  }

  private addOutputs(secret: secrets.Secret, webhookUrl: string, alarmTopicArn: string) {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'POST runs, GET/DELETE runs/{runId} (IAM-signed)' });
    new CfnOutput(this, 'WebhookUrl', { value: webhookUrl, description: 'Where Replicate posts (public, signature-checked)' });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'Upload storyboards to inbox/ (*.json)' });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'CompareStateMachineArn', { value: this.compareStateMachine.stateMachineArn, description: 'One execution per compare; its runs are linked child executions' });
    new CfnOutput(this, 'SecretArn', { value: secret.secretArn, description: 'Store the Replicate token here' });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopicArn });
    new CfnOutput(this, 'ConsoleUrl', {
      value: Fn.join('', ['https://', Aws.REGION, '.console.aws.amazon.com/states/home?region=', Aws.REGION, '#/statemachines/view/', this.stateMachine.stateMachineArn]),
      description: 'Watch runs in the Step Functions console',
    });
  }
}
