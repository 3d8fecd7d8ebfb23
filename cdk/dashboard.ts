// The operator's page in CloudWatch: runs started, succeeded and failed, scene attempts, what the runs
// cost, how long finishing takes, and where the media functions and the state machines fail. The
// custom metrics are the ones the handlers publish (functions/metrics-catalog.ts, one list for both).
import { Aws, CfnOutput, Duration, Fn, type Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from '../functions/metrics-catalog';

/** Runs take minutes to hours: hourly sums read better than 5-minute spikes. */
const PERIOD = Duration.hours(1);
const WIDTH = 8;
const HEIGHT = 6;

export interface Watched {
  stateMachine: sfn.StateMachine;
  compareStateMachine: sfn.StateMachine;
  /** The functions that run ffmpeg (catalog `media`), by catalog name. */
  mediaFunctions: Record<string, lambda.IFunction>;
}

/** A metric the handlers publish: Powertools gives each one the `service` dimension. */
export const published = (name: MetricName, statistic: string, label: string = name) =>
  new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service: METRICS_SERVICE }, statistic, period: PERIOD, label });

const graph = (title: string, left: cloudwatch.IMetric[], leftYAxis?: cloudwatch.YAxisProps) =>
  new cloudwatch.GraphWidget({ title, left, leftYAxis: { min: 0, ...leftYAxis }, width: WIDTH, height: HEIGHT });

function runWidgets(): cloudwatch.IWidget[] {
  return [
    graph('Runs started, succeeded, failed (per hour)', [published('RunsStarted', 'Sum'), published('RunsSucceeded', 'Sum'), published('RunsFailed', 'Sum')]),
    graph('Scene attempts (predictions created, per hour)', [published('SceneAttempts', 'Sum')]),
    new cloudwatch.SingleValueWidget({
      title: 'Cost of the runs that ended (USD, whole range)',
      metrics: [published('CostUsd', 'Sum', 'USD')],
      setPeriodToTimeRange: true,
      fullPrecision: true,
      width: WIDTH,
      height: HEIGHT,
    }),
  ];
}

function timeWidgets(): cloudwatch.IWidget[] {
  return [
    graph('Cost of the runs that ended (USD per hour)', [published('CostUsd', 'Sum', 'USD')]),
    graph(
      'Finishing: last clip stored → film stored (s)',
      [published('FinishingSeconds', 'p50', 'finishing p50'), published('FinishingSeconds', 'p90', 'finishing p90'), published('JoinSeconds', 'p50', 'JoinFilm p50')],
      { label: 'seconds' },
    ),
  ];
}

function failureWidgets(watched: Watched): cloudwatch.IWidget[] {
  const media = Object.entries(watched.mediaFunctions);
  const machines = [
    ['runs', watched.stateMachine],
    ['compares', watched.compareStateMachine],
  ] as const;
  return [
    graph('Media functions: errors', media.map(([name, fn]) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: name }))),
    graph('Media functions: throttles', media.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: name }))),
    graph(
      'Step Functions executions failed or timed out',
      machines.flatMap(([label, machine]) => [
        machine.metricFailed({ period: PERIOD, statistic: 'Sum', label: `${label} failed` }),
        machine.metricTimedOut({ period: PERIOD, statistic: 'Sum', label: `${label} timed out` }),
      ]),
    ),
  ];
}

/** Creates the dashboard in `stack` and its DashboardUrl output. */
export function addDashboard(stack: Stack, watched: Watched): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard', { defaultInterval: Duration.days(7) });
  dashboard.addWidgets(...runWidgets());
  dashboard.addWidgets(...timeWidgets());
  dashboard.addWidgets(...failureWidgets(watched));
  new CfnOutput(stack, 'DashboardUrl', {
    value: Fn.join('', ['https://', Aws.REGION, '.console.aws.amazon.com/cloudwatch/home?region=', Aws.REGION, '#dashboards:name=', dashboard.dashboardName]),
    description: 'Runs started/succeeded/failed, scene attempts, cost, finishing time, media function and execution failures',
  });
  return dashboard;
}
