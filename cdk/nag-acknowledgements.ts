// Every cdk-nag (AwsSolutions) finding this stack accepts, each with its reason. Findings that are
// not listed here fail `cdk synth` and the tests.
import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { KEYS } from './bucket-access';
import { FUNCTIONS } from '../functions/catalog';
import { constructName } from './project-function';

export const REASONS: Record<string, string> = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
    'The AWS-managed basic execution role only allows writing the function’s own CloudWatch logs.',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]':
    'API Gateway needs this account-level role to write execution logs; it grants log writes only.',
  'AwsSolutions-IAM5[Resource::*]':
    'X-Ray tracing (xray:PutTraceSegments/PutTelemetryRecords) and Step Functions log delivery do not support resource-level permissions.',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<StateMachine2E01A3A5.Name>:*]':
    'Executions of this one state machine, named by run ids created at run time (describe/stop only).',
  'AwsSolutions-L1':
    'Functions target nodejs22.x on purpose (the project’s supported runtime); bumping is a deliberate, tested change.',
  'AwsSolutions-COG4':
    'The API is authorised with IAM (SigV4), not Cognito; the webhook route is public by design and checks Replicate’s signature.',
  'AwsSolutions-APIG4':
    'POST /webhooks/replicate must be callable by Replicate, which cannot sign AWS requests; the handler verifies the Standard Webhooks signature, timestamp and prediction id.',
  'AwsSolutions-APIG3':
    'No WAF by default (cost); the API is IAM-authorised and throttled. Attach a web ACL to the stage if the webhook route sees abuse.',
  'AwsSolutions-SMG4':
    'The secret holds a third-party Replicate token and webhook secret that Secrets Manager cannot rotate; rotate them in Replicate and put-secret-value.',
  'AwsSolutions-SQS3':
    'These queues are themselves where failed events end: the upload trigger’s EventBridge dead-letter queue and the async functions’ on-failure destination (alarmed).',
};

/** Lambda invoke grants use function ARN and ARN:* (versions/aliases) for each task function. */
const INVOKE_VERSIONS = 'Step Functions may invoke any version of this task function (function ARN with :*), and only these functions.';

/** Object grants name one kind of key each (cdk/bucket-access.ts); the wildcard stands for run ids and names made at run time. */
export function objectKeyReasons(bucketLogicalId: string): Record<string, string> {
  return Object.fromEntries(
    Object.values(KEYS).map(({ pattern, why }) => [`AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${pattern}]`, `${why} Only this kind of object.`]),
  );
}

export function acknowledgeFindings(stack: Stack): void {
  const bucket = stack.node.tryFindChild('Bucket') as s3.Bucket | undefined;
  const keyReasons = bucket ? objectKeyReasons(stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)) : {};
  for (const [id, reason] of Object.entries({ ...REASONS, ...keyReasons })) Validations.of(stack).acknowledge({ id, reason });
  const compare = stack.node.tryFindChild('CompareStateMachine') as import('aws-cdk-lib/aws-stepfunctions').StateMachine | undefined;
  if (compare) {
    const logicalId = stack.getLogicalId(compare.node.defaultChild as import('aws-cdk-lib').CfnElement);
    Validations.of(stack).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${logicalId}.Name>:*]`,
      reason: 'Executions of the compare state machine, named by compare ids created at run time (describe only).',
    });
  }
  // Every function the state machine invokes (those with an ASL placeholder).
  for (const spec of FUNCTIONS.filter((f) => f.placeholder)) {
    const fn = stack.node.tryFindChild(`${constructName(spec.name)}Function`);
    if (!fn) continue;
    const logicalId = stack.getLogicalId((fn as unknown as { node: { defaultChild: import('aws-cdk-lib').CfnElement } }).node.defaultChild);
    Validations.of(stack).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`, reason: INVOKE_VERSIONS });
  }
}
