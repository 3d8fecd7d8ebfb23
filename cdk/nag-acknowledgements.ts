// Every cdk-nag (AwsSolutions) finding this stack accepts, each with its reason. Findings that are
// not listed here fail `cdk synth` and the tests.
import { Stack, Validations } from 'aws-cdk-lib';

export const REASONS: Record<string, string> = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
    'The AWS-managed basic execution role only allows writing the function’s own CloudWatch logs.',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]':
    'API Gateway needs this account-level role to write execution logs; it grants log writes only.',
  'AwsSolutions-IAM5[Resource::*]':
    'X-Ray tracing (xray:PutTraceSegments/PutTelemetryRecords) and Step Functions log delivery do not support resource-level permissions.',
  'AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/runs/*]':
    'Each run lives under runs/{runId}/ and run ids are created at run time; functions are limited to that prefix.',
  'AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/inbox/*]':
    'Storyboards are uploaded under inbox/ with names chosen by the user; read-only.',
  'AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/images/*]':
    'A storyboard may name its own anchor image under images/; read-only.',
  'AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/rejected/*]':
    'Rejection reports for invalid uploads are written under rejected/ with the upload’s name.',
  'AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/idempotency/*]':
    'One record per Idempotency-Key or upload, named by a hash known only at request time; created with If-None-Match, never deleted by these functions.',
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
  'AwsSolutions-SQS3': 'This queue is itself the dead-letter queue of the upload trigger’s EventBridge target.',
};

/** Lambda invoke grants use function ARN and ARN:* (versions/aliases) for each task function. */
const INVOKE_VERSIONS = 'Step Functions may invoke any version of this task function (function ARN with :*), and only these functions.';

export function acknowledgeFindings(stack: Stack): void {
  for (const [id, reason] of Object.entries(REASONS)) Validations.of(stack).acknowledge({ id, reason });
  for (const name of ['Prepare', 'Anchor', 'Clip', 'Poll', 'StoreOutput', 'JoinFilm', 'RecordFailure']) {
    const fn = stack.node.tryFindChild(`${name}Function`);
    if (!fn) continue;
    const logicalId = stack.getLogicalId((fn as unknown as { node: { defaultChild: import('aws-cdk-lib').CfnElement } }).node.defaultChild);
    Validations.of(stack).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`, reason: INVOKE_VERSIONS });
  }
}
