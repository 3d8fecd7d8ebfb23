// Metrics (CloudWatch EMF through Powertools Metrics) and tracing (X-Ray through Powertools Tracer).
// Both are silent off Lambda: the local CLI prints neither EMF blobs nor X-Ray errors.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { logger } from './logger';
import { METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from '../metrics-catalog';
import type { RunStatus } from '../domain/manifest';

/** Off Lambda (not AWS_EXECUTION_ENV) or with POWERTOOLS_TRACE_ENABLED=false this is a no-op. */
export const tracer = new Tracer({ serviceName: 'longshot' });

export type { MetricName };

export interface MetricValue {
  name: MetricName;
  unit: (typeof MetricUnit)[keyof typeof MetricUnit];
  value: number;
}

export const count = (name: MetricName, value = 1): MetricValue => ({ name, unit: MetricUnit.Count, value });
export const usd = (value: number): MetricValue => ({ name: 'CostUsd', unit: MetricUnit.NoUnit, value });
export const seconds = (name: MetricName, value: number): MetricValue => ({ name, unit: MetricUnit.Seconds, value });

/** The count of a run's ending (a cancel is neither: started − succeeded − failed were canceled or run on). */
export const endingCount = (status: RunStatus): MetricValue[] =>
  status === 'succeeded' ? [count('RunsSucceeded')] : status === 'failed' ? [count('RunsFailed')] : [];

const TRUE = ['1', 'true', 'yes', 'on'];

/**
 * POWERTOOLS_METRICS_DISABLED decides when set; otherwise metrics are published on Lambda only,
 * so the local stack (same handlers, one process, a CLI's terminal) never prints EMF.
 */
export function metricsEnabled(): boolean {
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  if (disabled) return !TRUE.includes(disabled);
  return Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
}

/** Writes one EMF document with `values` (dimension: service). Never throws into the handler. */
export function publishMetrics(values: MetricValue[]): void {
  if (!values.length || !metricsEnabled()) return;
  try {
    // Built per flush: the environment (namespace, disabled) is read when it is set, not at import.
    const metrics = new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
      serviceName: process.env.POWERTOOLS_SERVICE_NAME || METRICS_SERVICE,
    });
    for (const { name, unit, value } of values) metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  } catch (error) {
    logger.warn('metrics not published', { error: (error as Error).message });
  }
}

/** Wraps `fn` in an X-Ray subsegment annotated with `annotations` (runId, step), when tracing is on. */
export async function traced<T>(name: string, annotations: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  if (!tracer.isTracingEnabled()) return fn();
  const parent = tracer.getSegment();
  const segment = parent?.addNewSubsegment(`## ${name}`);
  if (segment) tracer.setSegment(segment);
  try {
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    for (const [key, value] of Object.entries(annotations)) if (value) tracer.putAnnotation(key, value);
    return await fn();
  } catch (error) {
    // Errors are recorded; responses and events are not (they can hold presigned URLs).
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    segment?.close();
    if (parent) tracer.setSegment(parent);
  }
}
