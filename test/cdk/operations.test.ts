// What the operator relies on after deploy, read from the synthesized template: alarms that can
// reach the topic, events that are not dropped, logs that expire.
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize, type Resource, type SynthesizedStack } from './template';

let stack: SynthesizedStack;
beforeAll(() => {
  stack = synthesize();
});

const idOf = (type: string, prefix: string) => stack.ofType(type).find(([id]) => id.startsWith(prefix))![0];

describe('alarm topic', () => {
  const topicPolicy = () => stack.ofType('AWS::SNS::TopicPolicy')[0][1].Properties.PolicyDocument.Statement as any[];
  const alarmsOnTopic = () =>
    stack.ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => JSON.stringify(alarm.Properties.AlarmActions).includes('AlarmTopic'));

  it('lets CloudWatch publish, scoped to this account and to the alarms that notify it', () => {
    const allows = topicPolicy().filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes('sns:Publish'));
    expect(allows).toHaveLength(1);
    const [allow] = allows;
    expect(allow.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(allow.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    const sourceArns = [allow.Condition.ArnLike['aws:SourceArn']].flat();
    const alarms = alarmsOnTopic();
    expect(alarms.length).toBeGreaterThanOrEqual(2);
    expect(sourceArns).toEqual(expect.arrayContaining(alarms.map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }))));
    expect(sourceArns).toHaveLength(alarms.length);
  });

  it('still refuses publishing without TLS', () => {
    expect(topicPolicy()).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});

describe('asynchronously invoked functions', () => {
  /** Functions that EventBridge rules invoke (always asynchronously). */
  const ruleTargets = () =>
    stack.ofType('AWS::Events::Rule').flatMap(([, rule]) => rule.Properties.Targets.map((t: any) => t.Arn['Fn::GetAtt'][0] as string));

  it('are the upload trigger and execution-ended', () => {
    expect(ruleTargets().map((id) => id.replace(/Function[0-9A-F]{8}$/, '')).sort()).toEqual(['ExecutionEnded', 'StartFromUpload']);
  });

  it('each send events that failed all retries to an encrypted, SSL-only queue', () => {
    const configs = stack.ofType('AWS::Lambda::EventInvokeConfig');
    for (const target of ruleTargets()) {
      const config = configs.find(([, c]) => c.Properties.FunctionName.Ref === target)?.[1];
      expect(config, target).toBeDefined();
      expect(config!.Properties).toMatchObject({ MaximumRetryAttempts: 2, Qualifier: '$LATEST' });
      const queueId = config!.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
      const queue = stack.resources[queueId];
      expect(queue.Type).toBe('AWS::SQS::Queue');
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policy = stack.ofType('AWS::SQS::QueuePolicy').find(([, p]) => p.Properties.Queues[0].Ref === queueId)?.[1];
      expect(JSON.stringify(policy?.Properties.PolicyDocument), target).toContain('"aws:SecureTransport":"false"');
      const send = stack.statementsOf(target).find((s) => [s.Action].flat().includes('sqs:SendMessage'));
      expect(send?.Resource, target).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    }
  });

  it('alarm when an event lands in the failure queue or the upload dead-letter queue', () => {
    const queues = [idOf('AWS::SQS::Queue', 'FailedEvents'), idOf('AWS::SQS::Queue', 'UploadTriggerDeadLetters')];
    const alarm = stack.resources[idOf('AWS::CloudWatch::Alarm', 'UnprocessedEventsAlarm')];
    const watched = (alarm.Properties.Metrics as any[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);
    expect(watched.map((m) => m.MetricName)).toEqual(queues.map(() => 'ApproximateNumberOfMessagesVisible'));
    expect(watched.map((m) => m.Dimensions[0].Value['Fn::GetAtt'][0]).sort()).toEqual(queues.sort());
    expect(alarm.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: idOf('AWS::SNS::Topic', 'AlarmTopic') }]);
  });
});

describe('logs', () => {
  it('every log group expires', () => {
    const groups = stack.ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(0);
    for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBeGreaterThan(0);
  });

  it('every Lambda writes to a log group of this stack that expires (no implicit /aws/lambda group)', () => {
    const lambdas = stack.ofType('AWS::Lambda::Function');
    expect(lambdas.length).toBe(Object.keys(stack.functionsByName()).length);
    for (const [id, fn] of lambdas) {
      const groupId = fn.Properties.LoggingConfig?.LogGroup?.Ref;
      const group: Resource | undefined = stack.resources[groupId];
      expect(group?.Type, id).toBe('AWS::Logs::LogGroup');
      expect(group?.Properties.RetentionInDays, id).toBeGreaterThan(0);
    }
  });

  it('has no custom resources (their provider Lambdas log forever): S3 sends EventBridge events natively', () => {
    expect(Object.values(stack.resources).filter((r) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource')).toEqual([]);
    stack.template.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'longshot-bucket/' }),
    });
  });

  it('creates API Gateway’s execution log group, with a retention, before the stage can write to it', () => {
    const [groupId, group] = stack.ofType('AWS::Logs::LogGroup').find(([id]) => id.startsWith('ApiExecutionLogs'))!;
    const apiId = stack.ofType('AWS::ApiGateway::RestApi')[0][0];
    const [, stage] = stack.ofType('AWS::ApiGateway::Stage')[0];
    expect(group.Properties.LogGroupName).toEqual({
      'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: apiId }, `/${stage.Properties.StageName}`]],
    });
    expect(stage.DependsOn).toContain(groupId);
  });
});
