// Branches only real AWS reaches, injected at the SDK client (aws-sdk-client-mock): a task token
// that is already closed, an execution name already taken, throttling that outlasts the SDK retries.
import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '../../functions/adapters/config';
import { sendTaskFailure, sendTaskSuccess } from '../../functions/adapters/sfn';
import { startRun } from '../../functions/workflow/runs';
import { apiRequestOnce, type OnceOnly } from '../../functions/domain/idempotency';
import { idempotencyRecordKey, newRunId, runKeys } from '../../functions/domain/run-keys';

const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
afterAll(() => {
  sfn.restore();
  s3.restore();
});
beforeEach(() => {
  sfn.reset();
  s3.reset();
});

const config: RuntimeConfig = {
  bucket: 'longshot-test',
  region: 'eu-west-1',
  stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:longshot',
  webhookUrl: null,
  cancelAfter: '30m',
  presignSeconds: 3600,
};
const meta = { $metadata: { httpStatusCode: 400 } };
const closed = {
  TaskDoesNotExist: () => new TaskDoesNotExist({ message: 'Task does not exist anymore', ...meta }),
  TaskTimedOut: () => new TaskTimedOut({ message: 'Task Timed Out', ...meta }),
  InvalidToken: () => new InvalidToken({ message: 'Invalid Token', ...meta }),
};
/** What the SDK rejects with once its own retries of a throttled call are used up. */
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $retryable: { throttling: true }, ...meta });

describe('task results for a task that has already ended', () => {
  it.each(Object.keys(closed) as (keyof typeof closed)[])('SendTaskSuccess answered %s → already-closed', async (name) => {
    sfn.on(SendTaskSuccessCommand).rejects(closed[name]());
    await expect(sendTaskSuccess(config, 'token-1', { ok: true })).resolves.toBe('already-closed');
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-1', output: '{"ok":true}' });
  });

  it.each(Object.keys(closed) as (keyof typeof closed)[])('SendTaskFailure answered %s → already-closed', async (name) => {
    sfn.on(SendTaskFailureCommand).rejects(closed[name]());
    await expect(sendTaskFailure(config, 'token-1', 'PredictionFailedError', 'scene-1 failed')).resolves.toBe('already-closed');
  });

  it('a task result that is accepted → resumed', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    await expect(sendTaskSuccess(config, 'token-1', {})).resolves.toBe('resumed');
  });
});

describe('throttling after the SDK has retried', () => {
  it.each([
    ['SendTaskSuccess', () => sendTaskSuccess(config, 'token-1', {})],
    ['SendTaskFailure', () => sendTaskFailure(config, 'token-1', 'E', 'c')],
  ] as const)('%s surfaces ThrottlingException by name (never "already closed")', async (_name, call) => {
    sfn.on(SendTaskSuccessCommand).rejects(throttled()).on(SendTaskFailureCommand).rejects(throttled());
    await expect(call()).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('SendTaskFailure stays inside the API limits', () => {
  it('cuts the error to 256 and the cause to 32,000 characters', async () => {
    sfn.on(SendTaskFailureCommand).resolves({});
    await sendTaskFailure(config, 'token-1', 'E'.repeat(300), 'c'.repeat(40_000));
    const [call] = sfn.commandCalls(SendTaskFailureCommand);
    expect(call.args[0].input.error).toHaveLength(256);
    expect(call.args[0].input.cause).toHaveLength(32_000);
  });
});

describe('startRun when the execution name is already taken', () => {
  const storyboard = {
    title: 'Name race',
    clip: { duration: 6, fps: 25, resolution: '1080p', generateAudio: false },
    anchor: false,
    scenes: [{ prompt: 'A red kite over a beach' }],
  };
  const runId = newRunId('Name race');
  const body = (text: string) => ({ transformToString: async () => text }) as never;

  /** Another request with the same Idempotency-Key wrote the record first; no manifest yet. */
  function repeatOf(key: string): OnceOnly {
    const once = apiRequestOnce(key, { storyboard, overrides: {} });
    const record = JSON.stringify({ runId, fingerprint: once.fingerprint, createdAt: '2026-11-27T10:00:00.000Z' });
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }));
    s3.on(GetObjectCommand, { Key: idempotencyRecordKey(once.identity) }).resolves({ Body: body(record), ETag: '"1"' });
    s3.on(GetObjectCommand, { Key: runKeys(runId).manifest }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', ...meta }));
    return once;
  }

  it('ExecutionAlreadyExists from StartExecution → not created, no error (the other request started it)', async () => {
    const once = repeatOf('name-race-1');
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', ...meta }));
    const started = await startRun(config, { storyboard, overrides: {}, once });
    expect(started).toMatchObject({ runId, created: false, status: 'running' });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: runId, stateMachineArn: config.stateMachineArn });
  });

  it('any other StartExecution error is not mistaken for a repeat', async () => {
    const once = repeatOf('name-race-2');
    sfn.on(StartExecutionCommand).rejects(throttled());
    await expect(startRun(config, { storyboard, overrides: {}, once })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
