// What we send to Replicate and how we read its predictions; plus the error names Step Functions matches.
import { describe, expect, it } from 'vitest';
import * as errors from '../../functions/domain/errors';
import { buildPlan } from '../../functions/domain/plan';
import {
  TERMINAL_STATUSES,
  anchorRequest,
  clipRequest,
  isTerminal,
  outputUrl,
  predictionError,
  toPredictionResult,
  webhookUrl,
  withWebhook,
  type PredictionResult,
} from '../../functions/domain/replicate-inputs';
import { parseStoryboard } from '../../functions/domain/storyboard';
import { SDXL } from '../../functions/domain/models';

const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
const planOf = (raw: Record<string, unknown>) =>
  buildPlan(runId, parseStoryboard({ title: 'Winter', scenes: [{ prompt: 'snowy ridge' }, { prompt: 'forest' }], ...raw }));
const result = (extra: Partial<PredictionResult>): PredictionResult => ({
  id: 'p1',
  status: 'succeeded',
  output: null,
  error: null,
  createdAt: null,
  startedAt: null,
  completedAt: null,
  predictTimeSec: null,
  ...extra,
});

describe('anchorRequest', () => {
  it('asks the pinned SDXL version for one image of the anchor prompt and size', () => {
    expect(anchorRequest(planOf({}).anchor)).toEqual({
      version: SDXL.version,
      input: { prompt: 'snowy ridge', width: 1344, height: 768, num_outputs: 1 },
    });
  });

  it('passes negative prompt and seed (including seed 0) only when set', () => {
    const request = anchorRequest(planOf({ anchor: { prompt: 'x', seed: 0, negativePrompt: 'blurry' } }).anchor);
    expect(request.input).toMatchObject({ prompt: 'x', seed: 0, negative_prompt: 'blurry' });
    expect('model' in request).toBe(false);
  });
});

describe('clipRequest', () => {
  it('posts to the official model with the scene’s settings and the seed image', () => {
    const scene = planOf({ model: 'ltx-2-pro', clip: { fps: 50, resolution: '2160p', generateAudio: false } }).scenes[1];
    expect(clipRequest(scene, 'https://s3.example/seed.png?sig=1')).toEqual({
      model: 'lightricks/ltx-2-pro',
      input: { prompt: 'forest', image: 'https://s3.example/seed.png?sig=1', duration: 10, fps: 50, resolution: '2160p', generate_audio: false },
    });
  });

  it('sends no image key for text-to-video', () => {
    const request = clipRequest(planOf({ anchor: false }).scenes[0], null);
    expect(request.input).not.toHaveProperty('image');
    expect(request).toMatchObject({ model: 'lightricks/ltx-2-fast', input: { prompt: 'snowy ridge', generate_audio: true } });
  });
});

describe('withWebhook / webhookUrl', () => {
  it('adds the webhook and a completed-only filter', () => {
    const request = clipRequest(planOf({}).scenes[0], null);
    const hooked = withWebhook(request, 'https://api.example/hook?run=r&step=s');
    expect(hooked).toMatchObject({ webhook: 'https://api.example/hook?run=r&step=s', webhook_events_filter: ['completed'] });
    expect(request).not.toHaveProperty('webhook'); // original untouched
  });

  it('leaves the request alone without a URL', () => {
    const request = anchorRequest(planOf({}).anchor);
    expect(withWebhook(request, null)).toBe(request);
    expect(withWebhook(request, '')).toBe(request);
  });

  it('carries run and step as query parameters, keeping the base’s own', () => {
    const url = new URL(webhookUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod/webhook?v=2', runId, 'scene-3'));
    expect(url.origin + url.pathname).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod/webhook');
    expect(url.searchParams.get('v')).toBe('2');
    expect(url.searchParams.get('run')).toBe(runId);
    expect(url.searchParams.get('step')).toBe('scene-3');
    expect([...url.searchParams.keys()].sort()).toEqual(['run', 'step', 'v']);
  });

  it('replaces run/step already in the base and encodes values', () => {
    const url = new URL(webhookUrl('http://localhost:3000/hook?run=old&step=old', 'a&b=c', 'x y'));
    expect(url.searchParams.getAll('run')).toEqual(['a&b=c']);
    expect(url.searchParams.getAll('step')).toEqual(['x y']);
  });

  it('throws on a base that is not a URL', () => {
    expect(() => webhookUrl('not a url', runId, 'anchor')).toThrow();
  });
});

describe('toPredictionResult', () => {
  it('keeps the fields the state machine needs, camel-cased, and drops logs', () => {
    const r = toPredictionResult({
      id: 'abc',
      status: 'succeeded',
      output: ['https://replicate.delivery/a.png'],
      error: null,
      created_at: '2026-01-01T00:00:00Z',
      started_at: '2026-01-01T00:00:01Z',
      completed_at: '2026-01-01T00:00:09Z',
      metrics: { predict_time: 8.2 },
      logs: 'x'.repeat(100_000),
    } as never);
    expect(r).toEqual({
      id: 'abc',
      status: 'succeeded',
      output: ['https://replicate.delivery/a.png'],
      error: null,
      createdAt: '2026-01-01T00:00:00Z',
      startedAt: '2026-01-01T00:00:01Z',
      completedAt: '2026-01-01T00:00:09Z',
      predictTimeSec: 8.2,
    });
  });

  it('fills nulls for absent fields', () => {
    expect(toPredictionResult({ id: 'a', status: 'starting', metrics: null })).toEqual(result({ id: 'a', status: 'starting' }));
  });

  it('stringifies and caps the error at 2000 characters', () => {
    expect(toPredictionResult({ id: 'a', status: 'failed', error: 'x'.repeat(5000) }).error).toHaveLength(2000);
    expect(toPredictionResult({ id: 'a', status: 'failed', error: 'CUDA out of memory' }).error).toBe('CUDA out of memory');
  });
});

describe('isTerminal', () => {
  it('is true only for finished statuses', () => {
    expect(TERMINAL_STATUSES).toEqual(['succeeded', 'failed', 'canceled', 'aborted']);
    for (const s of TERMINAL_STATUSES) expect(isTerminal(s)).toBe(true);
    for (const s of ['starting', 'processing', 'queued', '']) expect(isTerminal(s)).toBe(false);
  });
});

describe('predictionError', () => {
  it('is null for success', () => {
    expect(predictionError('scene-1', result({}))).toBeNull();
  });

  it('maps canceled to PredictionCanceledError (no retry)', () => {
    const e = predictionError('scene-2', result({ id: 'x9', status: 'canceled' }));
    expect(e).toBeInstanceOf(errors.PredictionCanceledError);
    expect(e?.name).toBe('PredictionCanceledError');
    expect(e?.message).toBe('scene-2: prediction x9 was canceled');
  });

  it('maps failed and aborted to PredictionFailedError with the model’s message', () => {
    const failed = predictionError('anchor', result({ id: 'x9', status: 'failed', error: 'NSFW' }));
    expect(failed).toBeInstanceOf(errors.PredictionFailedError);
    expect(failed?.message).toBe('anchor: prediction x9 failed: NSFW');
    const aborted = predictionError('scene-1', result({ id: 'x9', status: 'aborted' }));
    expect(aborted?.name).toBe('PredictionFailedError');
    expect(aborted?.message).toBe('scene-1: prediction x9 aborted: no error message');
  });

  describe('with the Cancel-After deadline (1800 s)', () => {
    const ended = (status: string, seconds: number) =>
      result({ id: 'x9', status, createdAt: '2026-11-25T10:00:00.000Z', completedAt: new Date(Date.parse('2026-11-25T10:00:00.000Z') + seconds * 1000).toISOString() });

    it.each([
      ['canceled', 1800, 'PredictionTimedOutError'],
      ['canceled', 1801.5, 'PredictionTimedOutError'],
      ['aborted', 1800, 'PredictionTimedOutError'],
      ['canceled', 1799.5, 'PredictionTimedOutError'],
      ['canceled', 1798, 'PredictionCanceledError'],
      ['canceled', 40, 'PredictionCanceledError'],
      ['aborted', 40, 'PredictionFailedError'],
      ['failed', 1900, 'PredictionFailedError'],
    ])('%s after %s s → %s', (status, seconds, name) => {
      expect(predictionError('scene-1', ended(status, seconds), 1800)?.name).toBe(name);
    });

    it('names the deadline in the message', () => {
      expect(predictionError('anchor', ended('canceled', 1800), 1800)?.message).toBe(
        'anchor: prediction x9 canceled by Replicate at its Cancel-After deadline (1800 s)',
      );
    });

    it('without timestamps, or without a deadline, a cancel is the run’s', () => {
      expect(predictionError('scene-1', result({ status: 'canceled', createdAt: null, completedAt: null }), 1800)?.name).toBe('PredictionCanceledError');
      expect(predictionError('scene-1', ended('canceled', 5000))?.name).toBe('PredictionCanceledError');
    });

    it('a success is a success whenever it ended', () => {
      expect(predictionError('scene-1', ended('succeeded', 5000), 1800)).toBeNull();
    });
  });

  it('maps anything unfinished to PredictionStillRunning', () => {
    for (const status of ['starting', 'processing']) {
      const e = predictionError('scene-1', result({ status }));
      expect(e?.name).toBe('PredictionStillRunning');
      expect(e?.message).toContain(`still ${status}`);
    }
  });
});

describe('outputUrl', () => {
  it('takes the first image of SDXL’s array and LTX-2’s single URL', () => {
    expect(outputUrl('anchor', result({ output: ['https://r.delivery/0.png', 'https://r.delivery/1.png'] }))).toBe('https://r.delivery/0.png');
    expect(outputUrl('scene-1', result({ output: 'https://r.delivery/v.mp4' }))).toBe('https://r.delivery/v.mp4');
    expect(outputUrl('scene-1', result({ output: 'http://localhost:4000/v.mp4' }))).toBe('http://localhost:4000/v.mp4');
  });

  it.each([null, [], [null], '', 'data:image/png;base64,AAAA', 'file:///tmp/a.mp4', 'file:///tmp/https://a.mp4', { url: 'https://x' }, 42])(
    'fails with PredictionFailedError for output %j',
    (output) => {
      const call = () => outputUrl('anchor', result({ id: 'p7', output }));
      expect(call).toThrow(errors.PredictionFailedError);
      expect(call).toThrow('anchor: prediction p7 succeeded without an output URL');
    },
  );
});

describe('errors.ts', () => {
  const classes = Object.entries(errors).filter(([, value]) => typeof value === 'function') as [string, new (...args: any[]) => Error][];

  it('exports every error class', () => {
    expect(classes.map(([name]) => name).sort()).toEqual(
      [
        'BudgetExceeded',
        'ConcurrentUpdateError',
        'ConfigError',
        'IdempotencyConflictError',
        'InvalidEventError',
        'InvalidRequestError',
        'InvalidStoryboardError',
        'LongshotError',
        'MediaToolError',
        'MissingObjectError',
        'NotificationUndeliveredError',
        'NothingToCompareError',
        'OutputInvalidError',
        'PredictionCanceledError',
        'PredictionFailedError',
        'PredictionStillRunning',
        'PredictionTimedOutError',
        'RateLimitedError',
        'ReplicateRequestError',
        'RunEndedError',
        'RunStateConflictError',
        'WebhookRejectedError',
      ].sort(),
    );
  });

  it.each(classes.map(([name]) => name))('%s: name equals the class name (Step Functions matches on it)', (exported) => {
    const Class = (errors as unknown as Record<string, new (...args: any[]) => Error>)[exported];
    const args: Record<string, unknown[]> = { InvalidStoryboardError: [['a: b']], InvalidRequestError: [['a: b']], InvalidEventError: ['clip', ['scene: required']] };
    const instance = new Class(...(args[exported] ?? ['boom']));
    expect(instance.name).toBe(exported);
    expect(instance).toBeInstanceOf(errors.LongshotError);
    expect(instance).toBeInstanceOf(Error);
    expect(String(instance).startsWith(`${exported}: `)).toBe(true);
  });

  it('keeps the cause and lists storyboard problems in the message', () => {
    const cause = new Error('socket hang up');
    expect(new errors.MediaToolError('ffmpeg failed', { cause }).cause).toBe(cause);
    const invalid = new errors.InvalidStoryboardError(['title: must not be empty', 'scenes: needs at least one scene']);
    expect(invalid.problems).toHaveLength(2);
    expect(invalid.message).toBe('Invalid storyboard:\n- title: must not be empty\n- scenes: needs at least one scene');
  });
});
