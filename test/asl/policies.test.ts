// Every Retry and Catch of the state machine, pinned: a changed interval, attempt count, backoff,
// jitter, cap, target or ResultPath fails here. And the prediction windows (webhook wait, polls,
// Cancel-After) that the ASL carries as literals agree with functions/domain/prediction-windows.ts.
import { walkStates } from '../../local/step-functions';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASL_PATH } from '../../functions/catalog';
import {
  CANCEL_AFTER,
  CANCEL_AFTER_SECONDS,
  DEADLINE_GRACE_SECONDS,
  MAX_POLLS,
  POLL_INTERVAL_SECONDS,
  WEBHOOK_WAIT_SECONDS,
  durationSeconds,
  lastPollAfterSeconds,
} from '../../functions/domain/prediction-windows';
import { loadConfig } from '../../functions/adapters/config';

type State = Record<string, any>;
const definition = JSON.parse(readFileSync(ASL_PATH, 'utf8'));
const allStates = (states: Record<string, State>) => [...walkStates(states)] as [string, State][];
const states = Object.fromEntries(allStates(definition.States));

// Lambda's own transient errors: three quick tries with full jitter.
const LAMBDA = {
  ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};
// Replicate's 429s: back off up to two minutes.
const RATE_LIMITED = { ErrorEquals: ['RateLimitedError'], IntervalSeconds: 10, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL' };
const WAIT_TIMED_OUT = ['States.Timeout', 'States.HeartbeatTimeout'];
const REGENERATE = ['PredictionFailedError', 'PredictionTimedOutError'];
const toRecordFailure = (state: string) => ({ ErrorEquals: ['States.ALL'], ResultPath: `$.failure.${state}`, Next: 'RecordFailure' });

const POLICIES: Record<string, { Retry: object[]; Catch: object[] }> = {
  Prepare: { Retry: [LAMBDA], Catch: [toRecordFailure('Prepare')] },
  Anchor: {
    Retry: [LAMBDA, RATE_LIMITED],
    Catch: [
      { ErrorEquals: WAIT_TIMED_OUT, ResultPath: '$.waitTimedOut', Next: 'StartAnchorPolls' },
      { ErrorEquals: REGENERATE, ResultPath: '$.anchorError', Next: 'AnchorRegenerateOrFail' },
      toRecordFailure('Anchor'),
    ],
  },
  PollAnchor: {
    Retry: [LAMBDA, RATE_LIMITED],
    Catch: [{ ErrorEquals: REGENERATE, ResultPath: '$.anchorError', Next: 'AnchorRegenerateOrFail' }, toRecordFailure('PollAnchor')],
  },
  StoreAnchor: { Retry: [LAMBDA], Catch: [toRecordFailure('StoreAnchor')] },
  StoreProvidedAnchor: { Retry: [LAMBDA], Catch: [toRecordFailure('StoreProvidedAnchor')] },
  Scenes: { Retry: [], Catch: [toRecordFailure('Scenes')] },
  // Inside the map: a failed, timed-out or undecodable clip goes round again; anything else fails the map.
  Clip: {
    Retry: [LAMBDA, RATE_LIMITED],
    Catch: [
      { ErrorEquals: WAIT_TIMED_OUT, ResultPath: '$.waitTimedOut', Next: 'StartClipPolls' },
      { ErrorEquals: REGENERATE, ResultPath: '$.lastError', Next: 'RegenerateOrFail' },
    ],
  },
  PollClip: { Retry: [LAMBDA, RATE_LIMITED], Catch: [{ ErrorEquals: REGENERATE, ResultPath: '$.lastError', Next: 'RegenerateOrFail' }] },
  StoreClip: { Retry: [LAMBDA], Catch: [{ ErrorEquals: ['OutputInvalidError', 'PredictionFailedError'], ResultPath: '$.lastError', Next: 'RegenerateOrFail' }] },
  // Strategy keyframes: the same bounded regeneration as a scene, inside the Keyframes map.
  Keyframes: { Retry: [], Catch: [toRecordFailure('Keyframes')] },
  Keyframe: {
    Retry: [LAMBDA, RATE_LIMITED],
    Catch: [
      { ErrorEquals: WAIT_TIMED_OUT, ResultPath: '$.waitTimedOut', Next: 'StartKeyframePolls' },
      { ErrorEquals: REGENERATE, ResultPath: '$.lastError', Next: 'KeyframeRegenerateOrFail' },
    ],
  },
  PollKeyframe: { Retry: [LAMBDA, RATE_LIMITED], Catch: [{ ErrorEquals: REGENERATE, ResultPath: '$.lastError', Next: 'KeyframeRegenerateOrFail' }] },
  StoreKeyframe: {
    Retry: [LAMBDA],
    Catch: [{ ErrorEquals: ['OutputInvalidError', 'PredictionFailedError'], ResultPath: '$.lastError', Next: 'KeyframeRegenerateOrFail' }],
  },
  // A segment that cannot be finished fails its scene's iteration, and Scenes records it.
  FinishPreviousSegment: { Retry: [LAMBDA], Catch: [] },
  FinishOwnSegment: { Retry: [LAMBDA], Catch: [] },
  JoinFilm: { Retry: [LAMBDA], Catch: [toRecordFailure('JoinFilm')] },
  RecordFailure: { Retry: [LAMBDA], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'FailedUnrecorded' }] },
};

describe('Retry and Catch of every state', () => {
  it('the table covers exactly the states that retry or catch', () => {
    const withPolicies = Object.entries(states).filter(([, s]) => s.Retry || s.Catch).map(([name]) => name);
    expect(withPolicies.sort()).toEqual(Object.keys(POLICIES).sort());
  });

  it.each(Object.keys(POLICIES))('%s retries and catches exactly as pinned', (name) => {
    expect(states[name].Retry ?? []).toEqual(POLICIES[name].Retry);
    expect(states[name].Catch ?? []).toEqual(POLICIES[name].Catch);
  });

  it('retries nothing a retry cannot fix: no prediction outcome and no still-running poll is a Task retry', () => {
    const retried = Object.values(states).flatMap((s) => (s.Retry ?? []).flatMap((r: State) => r.ErrorEquals));
    for (const name of ['PredictionFailedError', 'PredictionCanceledError', 'PredictionTimedOutError', 'PredictionStillRunning', 'States.ALL']) {
      expect(retried).not.toContain(name);
    }
  });
});

describe('prediction windows', () => {
  it('the webhook waits are the ones in prediction-windows.ts', () => {
    expect(states.Anchor.TimeoutSeconds).toBe(WEBHOOK_WAIT_SECONDS);
    expect(states.Clip.TimeoutSeconds).toBe(WEBHOOK_WAIT_SECONDS);
    expect(states.Keyframe.TimeoutSeconds).toBe(WEBHOOK_WAIT_SECONDS);
  });

  it.each([
    ['WaitBeforeAnchorPoll', 'AnchorPollDone'],
    ['WaitBeforeClipPoll', 'ClipPollDone'],
    ['WaitBeforeKeyframePoll', 'KeyframePollDone'],
  ])('%s pauses POLL_INTERVAL_SECONDS and %s allows MAX_POLLS polls', (wait, choice) => {
    expect(states[wait]).toMatchObject({ Type: 'Wait', Seconds: POLL_INTERVAL_SECONDS });
    expect(states[choice].Choices[1].NumericLessThan).toBe(MAX_POLLS);
  });

  it('the last poll comes after the Cancel-After deadline plus a grace period, and not a poll later than needed', () => {
    expect(CANCEL_AFTER_SECONDS).toBeGreaterThan(WEBHOOK_WAIT_SECONDS);
    expect(lastPollAfterSeconds()).toBeGreaterThanOrEqual(CANCEL_AFTER_SECONDS + DEADLINE_GRACE_SECONDS);
    expect(lastPollAfterSeconds(MAX_POLLS - 1)).toBeLessThan(CANCEL_AFTER_SECONDS + DEADLINE_GRACE_SECONDS);
  });

  it('three attempts of a scene that always runs into the deadline fit in the execution timeout', () => {
    expect(3 * lastPollAfterSeconds()).toBeLessThan(definition.TimeoutSeconds);
  });

  it('the Cancel-After header Replicate gets is the same number (config default, parsed back)', () => {
    expect(durationSeconds(CANCEL_AFTER)).toBe(CANCEL_AFTER_SECONDS);
    const saved = process.env.PREDICTION_CANCEL_AFTER;
    delete process.env.PREDICTION_CANCEL_AFTER;
    process.env.LONGSHOT_BUCKET ??= 'bucket';
    try {
      expect(loadConfig().cancelAfter).toBe(CANCEL_AFTER);
    } finally {
      if (saved !== undefined) process.env.PREDICTION_CANCEL_AFTER = saved;
    }
  });

  it.each([
    ['30m', 1800],
    ['1800s', 1800],
    ['1h30m', 5400],
    ['90s', 90],
    [' 15m ', 900],
    ['', null],
    ['30', null],
    ['1.5h', null],
    ['15 m', null],
    ['-5s', null],
  ])('durationSeconds(%j) = %j', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });
});
