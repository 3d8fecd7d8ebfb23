// Every Lambda's entry point: the event is validated at the boundary, the invocation logs through
// its own logger (Lambda context, cold start, runId and step), runs in an X-Ray subsegment, and its
// metrics are published after the use case returns or throws. Handler bodies stay one use case call.
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { logger, withInvocationLogger } from '../adapters/logger';
import { metricsEnabled, publishMetrics, traced, type MetricValue } from '../adapters/observability';
import { InvalidEventError, LongshotError } from '../domain/errors';
import { parseEvent } from './events';

/** Correlation keys every log line and trace of the invocation carries (when the event names them). */
export interface InvocationKeys {
  runId?: string;
  step?: string;
}

export interface Outcome<E, R> {
  event: E;
  result?: R;
  error?: unknown;
  /** Wall time of the use case. */
  seconds: number;
}

export interface HandlerSpec<S extends z.ZodType> {
  /** The catalog name (functions/catalog.ts): logged as `handler`, named in InvalidEventError. */
  name: string;
  schema: S;
  keys?: (event: z.output<S>) => InvocationKeys;
}

/** After the body, so that the body's return type is known when these are typed. */
export interface HandlerHooks<E, R> {
  /** This invocation's metrics, from its outcome (success or error); only called where metrics are on. */
  metrics?: (outcome: Outcome<E, R>) => MetricValue[] | Promise<MetricValue[]>;
  /** HTTP handlers answer a malformed event (a 400) instead of failing the invocation. */
  onInvalidEvent?: (error: InvalidEventError) => R;
}

export function lambdaHandler<S extends z.ZodType, R>(
  spec: HandlerSpec<S>,
  body: (event: z.output<S>, context?: Context) => Promise<R>,
  hooks: HandlerHooks<z.output<S>, R> = {},
): (event: unknown, context?: Context) => Promise<R> {
  return (rawEvent, context) =>
    withInvocationLogger(async (log) => {
      log.appendKeys({ handler: spec.name });
      if (context) log.addContext(context);
      let event: z.output<S>;
      try {
        event = parseEvent(spec.name, spec.schema, rawEvent);
      } catch (error) {
        log.logEventIfEnabled(rawEvent);
        log.warn('invalid event', { problems: (error as InvalidEventError).problems });
        if (hooks.onInvalidEvent) return hooks.onInvalidEvent(error as InvalidEventError);
        throw error;
      }
      const keys = spec.keys?.(event) ?? {};
      log.appendKeys({ ...keys });
      log.logEventIfEnabled(rawEvent); // POWERTOOLS_LOGGER_LOG_EVENT=true; secrets are redacted
      return observe(spec.name, event, keys, () => body(event, context), hooks);
    });
}

async function observe<E, R>(name: string, event: E, keys: InvocationKeys, run: () => Promise<R>, hooks: HandlerHooks<E, R>): Promise<R> {
  const started = performance.now();
  const outcome: Outcome<E, R> = { event, seconds: 0 };
  try {
    outcome.result = await traced(name, { ...keys }, run);
    return outcome.result;
  } catch (error) {
    outcome.error = error;
    // Named errors are outcomes the state machine handles (retry, regenerate, record); others are bugs.
    if (error instanceof LongshotError) logger.warn('invocation failed', { error: { name: error.name, message: error.message } });
    else logger.error('invocation failed', { error: error as Error });
    throw error;
  } finally {
    outcome.seconds = (performance.now() - started) / 1000;
    await flushMetrics(hooks, outcome);
  }
}

async function flushMetrics<E, R>(hooks: HandlerHooks<E, R>, outcome: Outcome<E, R>) {
  // Only where metrics are published: the hooks may read S3 (the manifest's cost).
  if (!hooks.metrics || !metricsEnabled()) return;
  try {
    publishMetrics(await hooks.metrics(outcome));
  } catch (error) {
    logger.warn('metrics not computed', { error: (error as Error).message });
  }
}
