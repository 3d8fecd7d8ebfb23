// A run's one ending: what an execution's end implies, and what the Fail state reports.
import { describe, expect, it } from 'vitest';
import { endingOfExecution, failedEnding, failStateOf, runStatusOfExecution, withCanceledPredictions, type RunEnding } from '../../functions/domain/ending';

const at = '2026-11-25T10:50:00.000Z';

describe('endingOfExecution', () => {
  it.each([
    ['ABORTED', 'canceled', 'ExecutionAborted'],
    ['TIMED_OUT', 'failed', 'States.Timeout'],
    ['FAILED', 'failed', 'States.Runtime'],
  ])('%s without an error → %s, %s', (status, expected, error) => {
    expect(endingOfExecution({ status }, at)).toEqual({
      status: expected,
      at,
      by: 'execution-ended',
      failure: { state: 'Execution', error, cause: `the execution ended with status ${status}`, at, canceledPredictions: [] },
    });
  });

  it('keeps the execution’s own error and a readable cause', () => {
    const ending = endingOfExecution({ status: 'FAILED', error: 'RecordFailureFailed', cause: JSON.stringify({ errorMessage: 'S3 down' }) }, at);
    expect(ending).toMatchObject({ status: 'failed', failure: { error: 'RecordFailureFailed', cause: 'S3 down' } });
  });

  it('explains a failure by the input when the input was wrong', () => {
    const ending = endingOfExecution({ status: 'FAILED', error: 'States.Runtime', cause: 'Path expression failed' }, at, 'the execution input must be …');
    expect(ending).toMatchObject({ failure: { error: 'States.Runtime', cause: 'the execution input must be … (Step Functions: Path expression failed)' } });
  });

  it('keeps a stop a stop, whatever the input', () => {
    expect(endingOfExecution({ status: 'ABORTED' }, at, 'bad input')).toMatchObject({ status: 'canceled', failure: { cause: 'the execution ended with status ABORTED' } });
  });

  it.each(['RUNNING', 'SUCCEEDED', 'PENDING_REDRIVE'])('%s ends nothing', (status) => {
    expect(endingOfExecution({ status }, at)).toBeNull();
  });
});

describe('runStatusOfExecution', () => {
  it.each([
    ['RUNNING', 'running'],
    ['SUCCEEDED', 'succeeded'],
    ['ABORTED', 'canceled'],
    ['FAILED', 'failed'],
    ['TIMED_OUT', 'failed'],
  ])('%s → %s', (status, expected) => {
    expect(runStatusOfExecution(status)).toBe(expected);
  });
});

describe('withCanceledPredictions', () => {
  const failed = failedEnding('record-failure', 'failed', { state: 'Scenes', error: 'E', cause: 'c' }, at);

  it('adds new ids once, keeping the status', () => {
    const once = withCanceledPredictions(failed, ['p1', 'p2']);
    expect(withCanceledPredictions(once, ['p2', 'p3'])).toMatchObject({ status: 'failed', failure: { canceledPredictions: ['p1', 'p2', 'p3'] } });
  });

  it('returns the same ending when nothing is new (so nothing is written)', () => {
    const once = withCanceledPredictions(failed, ['p1']);
    expect(withCanceledPredictions(once, ['p1'])).toBe(once);
    expect(withCanceledPredictions(failed, [])).toBe(failed);
  });

  it('leaves a succeeded ending alone', () => {
    const succeeded = { status: 'succeeded', at, by: 'join-film', film: {} } as RunEnding;
    expect(withCanceledPredictions(succeeded, ['p1'])).toBe(succeeded);
  });
});

describe('failStateOf', () => {
  it('reports the recorded failure with its state', () => {
    const ending = failedEnding('record-failure', 'failed', { state: 'Prepare', error: 'InvalidStoryboardError', cause: 'bad' }, at);
    expect(failStateOf(ending)).toEqual({ error: 'InvalidStoryboardError', cause: 'Prepare: bad', state: 'Prepare' });
  });

  it('reports a cancel that came first', () => {
    const ending = failedEnding('cancel-request', 'canceled', { state: 'Canceled', error: 'RunCanceled', cause: 'canceled by DELETE' }, at);
    expect(failStateOf(ending)).toMatchObject({ error: 'RunCanceled', cause: 'Canceled: canceled by DELETE' });
  });

  it('says the run had already succeeded', () => {
    const ending = { status: 'succeeded', at, by: 'join-film', film: { key: 'runs/x/final.mp4' } } as RunEnding;
    expect(failStateOf(ending)).toMatchObject({ error: 'RunEndedError', cause: expect.stringMatching(/already ended as succeeded.*final\.mp4/) });
  });

  it('keeps error and cause within the Fail state limits', () => {
    const ending = failedEnding('record-failure', 'failed', { state: 'S', error: 'E'.repeat(300), cause: 'c'.repeat(40_000) }, at);
    const fail = failStateOf(ending);
    expect(fail.error).toHaveLength(256);
    expect(fail.cause).toHaveLength(32_768);
  });
});
