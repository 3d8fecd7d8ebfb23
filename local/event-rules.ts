// The deployed EventBridge rules, as the local stack feeds them: uploads under inbox/ start runs
// (from s3rver's object events), and executions that end outside their failure path (a stop from
// outside, a timeout, Ctrl-C) are recorded by execution-ended (from the local engines' events).
import type { AnyHandler } from './handlers';
import type { Execution, LocalStepFunctions } from './step-functions';
import type { S3Server } from './s3-server';
import { INBOX_PREFIX } from '../functions/domain/run-keys';
import { INTERRUPTED_ERROR, type Interruption } from './stack';

const REGION = 'us-east-1';
/** How long an interrupt waits for interrupted executions to be recorded before it gives up on them. */
const RECORD_DEADLINE_MS = 3000;

export const settledWithin = <T>(promise: Promise<T>, ms: number) =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });

type S3Event = { Records: { eventName: string; eventTime: string; s3: { bucket: { name: string }; object: { key: string; eTag?: string; size?: number } } }[] };

/** The deployed EventBridge rule on inbox/*.json uploads, fed by s3rver's object events. */
export function watchInbox(s3: S3Server['events'], startFromUpload: AnyHandler): Promise<unknown>[] {
  const handled: Promise<unknown>[] = [];
  s3.on('event', (event: S3Event) => {
    for (const record of event.Records ?? []) {
      // Like the deployed rule: every object under inbox/, key as s3rver has it; the handler decides.
      const key = record.s3.object.key;
      if (!record.eventName.startsWith('ObjectCreated') || !key.startsWith(INBOX_PREFIX)) continue;
      // The same EventBridge "Object Created" shape the deployed rule delivers.
      const result = startFromUpload({
        version: '0',
        id: `local-${Date.now()}`,
        'detail-type': 'Object Created',
        source: 'aws.s3',
        time: record.eventTime ?? new Date().toISOString(),
        region: REGION,
        resources: [],
        detail: { bucket: { name: record.s3.bucket.name }, object: { key: record.s3.object.key, etag: record.s3.object.eTag, size: record.s3.object.size } },
      }).catch((error: Error) => ({ error: error.message }));
      handled.push(result);
    }
  });
  return handled;
}

/**
 * The deployed EventBridge rule on Step Functions status changes, for ends the ASL cannot catch
 * (a stop from outside, the execution timeout, an interrupted local stack), on both machines.
 */
export function followExecutionEnds(engines: LocalStepFunctions[], executionEnded: AnyHandler) {
  const all: Promise<unknown>[] = [];
  const byName = new Map<string, Promise<unknown>>();
  let closed = false;
  const onFinished = (execution: Execution) => {
    if (closed || execution.status === 'SUCCEEDED') return;
    const handled = executionEnded({
      version: '0',
      id: `local-${Date.now()}`,
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      time: new Date().toISOString(),
      region: REGION,
      resources: [execution.executionArn],
      detail: { executionArn: execution.executionArn, stateMachineArn: execution.stateMachineArn, name: execution.name, status: execution.status, error: execution.error ?? null, cause: execution.cause ?? null },
    }).catch((error: Error) => ({ error: error.message }));
    all.push(handled);
    byName.set(execution.name, handled);
  };
  for (const engine of engines) engine.on('finished', onFinished);
  return { all, byName, close: () => void (closed = true) };
}

export async function interruptRuns(engine: LocalStepFunctions, compareEngine: LocalStepFunctions, ends: ReturnType<typeof followExecutionEnds>, cause: string): Promise<Interruption> {
  const running = engine.list().filter((e) => e.status === 'RUNNING');
  const compares = compareEngine.list().filter((e) => e.status === 'RUNNING');
  // A stopped compare stops its variants' runs (listed above, so they are awaited and recorded too).
  for (const execution of compares) compareEngine.stopExecution(execution.executionArn, INTERRUPTED_ERROR, cause);
  for (const execution of running) engine.stopExecution(execution.executionArn, INTERRUPTED_ERROR, cause);
  const stopped = [...running, ...compares];
  await Promise.all(stopped.map((e) => e.done));
  const recordings = stopped.map((e) => ends.byName.get(e.name) ?? Promise.resolve());
  await settledWithin(Promise.all(recordings), RECORD_DEADLINE_MS);
  const settled = await Promise.all(recordings.map((r) => settledWithin(r, 0)));
  const names = (from: number, to: number, done: boolean) => stopped.slice(from, to).filter((_, i) => settled[from + i] === done).map((e) => e.name);
  return {
    recorded: names(0, running.length, true),
    unrecorded: names(0, running.length, false),
    compares: { recorded: names(running.length, stopped.length, true), unrecorded: names(running.length, stopped.length, false) },
  };
}
