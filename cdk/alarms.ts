// What pages the operator: failed or timed-out runs, and events no function could process. One SNS
// topic, with an optional e-mail subscription, that CloudWatch is allowed to publish to.
import { Aws, CfnCondition, CfnParameter, Duration, Fn, type Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

const PERIOD = Duration.minutes(5);

/** Creates the alarms in `stack` itself (construct ids unchanged from the first version) and returns the topic. */
export function addAlarms(stack: Stack, watched: { stateMachine: sfn.StateMachine; queues: sqs.Queue[] }): sns.Topic {
  const topic = alarmTopic(stack);
  const alarms = [runsFailedAlarm(stack, watched.stateMachine), unprocessedEventsAlarm(stack, watched.queues)];
  for (const alarm of alarms) alarm.addAlarmAction(new cwActions.SnsAction(topic));
  allowAlarmsToPublish(topic, alarms);
  return topic;
}

function alarmTopic(stack: Stack): sns.Topic {
  const email = new CfnParameter(stack, 'AlarmEmail', {
    type: 'String',
    default: '',
    description: 'Optional e-mail address to notify when a run fails or times out',
  });
  const topic = new sns.Topic(stack, 'AlarmTopic', { displayName: 'longshot run failures', enforceSSL: true });
  const subscription = new sns.CfnSubscription(stack, 'AlarmEmailSubscription', { topicArn: topic.topicArn, protocol: 'email', endpoint: email.valueAsString });
  subscription.cfnOptions.condition = new CfnCondition(stack, 'HasAlarmEmail', { expression: Fn.conditionNot(Fn.conditionEquals(email.valueAsString, '')) });
  return topic;
}

/**
 * enforceSSL gives the topic a policy with only a Deny; a topic policy replaces the default one, so
 * without this Allow CloudWatch cannot publish and no alarm ever arrives. Scoped to these alarms.
 */
function allowAlarmsToPublish(topic: sns.Topic, alarms: cloudwatch.Alarm[]) {
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowLongshotAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': alarms.map((alarm) => alarm.alarmArn) },
      },
    }),
  );
}

function runsFailedAlarm(stack: Stack, stateMachine: sfn.StateMachine): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, 'RunsFailedAlarm', {
    alarmDescription: 'A longshot run failed or timed out (see the Step Functions console)',
    metric: new cloudwatch.MathExpression({
      expression: 'failed + timedOut',
      usingMetrics: {
        failed: stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }),
        timedOut: stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
      },
      period: PERIOD,
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** Any message in a failure or dead-letter queue is an upload that started nothing or an ending not recorded. */
function unprocessedEventsAlarm(stack: Stack, queues: sqs.Queue[]): cloudwatch.Alarm {
  const usingMetrics = Object.fromEntries(
    queues.map((queue, i) => [`queue${i}`, queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' })]),
  );
  return new cloudwatch.Alarm(stack, 'UnprocessedEventsAlarm', {
    alarmDescription:
      'An upload or execution-ended event failed after all retries: its event is kept in a failure queue (see docs/deploy.md, "When an alarm fires")',
    metric: new cloudwatch.MathExpression({ expression: Object.keys(usingMetrics).join(' + '), usingMetrics, period: PERIOD }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
