// The CloudWatch dashboard, read from the synthesized template: the graphs the operator needs, each
// custom metric under the namespace, name and dimension the handlers publish it with, and its URL
// among the stack's outputs. synthesize() also runs cdk-nag.
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize, type SynthesizedStack } from './template';
import { FUNCTIONS } from '../../functions/catalog';
import { METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE } from '../../functions/metrics-catalog';
import { constructName } from '../../cdk/project-function';

type Widget = { type: string; properties: { title: string; view: string; metrics: MetricRow[]; setPeriodToTimeRange?: boolean } };
/** [namespace, name, dimension, value, …, {stat, label, period}] */
type MetricRow = [...string[], { stat: string; label?: string; period: number }];

let stack: SynthesizedStack;
let widgets: Widget[];
beforeAll(() => {
  stack = synthesize();
  const dashboards = stack.ofType('AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  // The body is a Fn::Join of JSON text and references: each reference becomes "<Ref:LogicalId>".
  const parts = dashboards[0][1].Properties.DashboardBody['Fn::Join'][1] as (string | { Ref: string })[];
  const body = parts.map((p) => (typeof p === 'string' ? p : `<Ref:${p.Ref}>`)).join('');
  widgets = JSON.parse(body).widgets;
});

const widget = (title: RegExp) => {
  const found = widgets.filter((w) => title.test(w.properties.title));
  expect(found, String(title)).toHaveLength(1);
  return found[0];
};
const rows = (w: Widget) => w.properties.metrics;
const stats = (w: Widget, name: string) => rows(w).filter((r) => r[1] === name).map((r) => (r.at(-1) as { stat: string }).stat);
const customRows = () => widgets.flatMap(rows).filter((r) => !String(r[0]).startsWith('AWS/'));

describe('the dashboard', () => {
  it.each([
    [/^Runs started, succeeded, failed/, ['RunsStarted', 'RunsSucceeded', 'RunsFailed']],
    [/^Scene attempts/, ['SceneAttempts']],
    [/^Cost .*per hour/, ['CostUsd']],
  ])('graphs %s as hourly sums of %j', (title, names) => {
    const w = widget(title);
    expect(rows(w).map((r) => r[1])).toEqual(names);
    for (const name of names) expect(stats(w, name)).toEqual(['Sum']);
  });

  it('shows the cost of the whole time range as one number', () => {
    const w = widget(/^Cost .*whole range/);
    expect(w.properties).toMatchObject({ view: 'singleValue', setPeriodToTimeRange: true });
    expect(rows(w).map((r) => [r[1], stats(w, r[1] as string)[0]])).toEqual([['CostUsd', 'Sum']]);
  });

  it('graphs finishing time (last clip stored → film stored) at p50 and p90', () => {
    expect(stats(widget(/^Finishing/), 'FinishingSeconds')).toEqual(['p50', 'p90']);
  });

  it('reads every custom metric where the handlers publish it: namespace, a catalog name, the service dimension', () => {
    const custom = customRows();
    expect(custom.length).toBeGreaterThanOrEqual(8);
    for (const row of custom) {
      expect(row.slice(0, 4), JSON.stringify(row)).toEqual([METRICS_NAMESPACE, row[1], 'service', METRICS_SERVICE]);
      expect(METRIC_NAMES).toContain(row[1]);
    }
  });

  it('every function publishes under that namespace and service', () => {
    const functions = Object.values(stack.functionsByName());
    expect(functions).toHaveLength(FUNCTIONS.length);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME: METRICS_SERVICE });
    }
  });

  it.each([
    [/^Media functions: errors/, 'Errors'],
    [/^Media functions: throttles/, 'Throttles'],
  ])('graphs %s of each media function', (title, metric) => {
    const byName = stack.functionsByName();
    const media = FUNCTIONS.filter((f) => f.media).map((f) => `<Ref:${byName[constructName(f.name)].id}>`);
    expect(media.length).toBeGreaterThanOrEqual(3);
    const w = widget(title);
    expect(rows(w).map((r) => [r[0], r[1], r[2]])).toEqual(media.map(() => ['AWS/Lambda', metric, 'FunctionName']));
    expect(rows(w).map((r) => r[3]).sort()).toEqual(media.sort());
    for (const row of rows(w)) expect((row.at(-1) as { stat: string }).stat).toBe('Sum');
  });

  it('graphs failed and timed-out executions of both state machines', () => {
    const machines = stack.ofType('AWS::StepFunctions::StateMachine').map(([id]) => `<Ref:${id}>`);
    expect(machines).toHaveLength(2);
    const w = widget(/^Step Functions executions failed/);
    const graphed = rows(w).map((r) => [r[0], r[1], r[3]]);
    for (const machine of machines) {
      expect(graphed).toContainEqual(['AWS/States', 'ExecutionsFailed', machine]);
      expect(graphed).toContainEqual(['AWS/States', 'ExecutionsTimedOut', machine]);
    }
  });

  it('is a stack output: DashboardUrl opens it in the CloudWatch console', () => {
    const dashboardId = stack.ofType('AWS::CloudWatch::Dashboard')[0][0];
    const output = stack.template.toJSON().Outputs.DashboardUrl;
    const parts = output.Value['Fn::Join'][1] as unknown[];
    expect(parts[0]).toBe('https://');
    expect(parts.at(-2)).toBe('#dashboards:name=');
    expect(parts.at(-1)).toEqual({ Ref: dashboardId });
    expect(JSON.stringify(parts)).toContain('.console.aws.amazon.com/cloudwatch/home?region=');
  });
});
