// The notification's pure parts: which notify.url values are accepted (on AWS and locally), the
// summary sent, its stable id, and which receiver answers are worth another attempt.
import { describe, expect, it } from 'vitest';
import {
  deliveryVerdict,
  DETAIL_TYPES,
  notificationId,
  notifyUrlProblem,
  parseNotify,
  retryDelayMs,
  runSummary,
  webhookPayload,
} from '../../functions/domain/notification';
import { failedEnding, type RunEnding } from '../../functions/domain/ending';
import type { FilmRecord, Manifest } from '../../functions/domain/manifest';
import { InvalidStoryboardError } from '../../functions/domain/errors';

const AWS = { allowLoopback: false };
const LOCAL = { allowLoopback: true };
const RUN = '20261127-1200-notified-0123456789abcdef';

describe('notify.url on AWS', () => {
  it('accepts a public https URL with a path and query', () => {
    expect(notifyUrlProblem('https://hooks.example.com/longshot?token=abc', AWS)).toBeNull();
  });

  it.each([
    ['http://hooks.example.com/x', /must be an https:\/\/ URL/],
    ['https://127.0.0.1/x', /loopback/],
    ['http://127.0.0.1:8080/x', /https:\/\//],
    ['https://[::1]/x', /loopback/],
    ['https://10.1.2.3/x', /private/],
    ['https://192.168.0.10/x', /private/],
    ['https://169.254.169.254/latest', /metadata/],
    ['https://user:pw@hooks.example.com/x', /user name or password/],
    ['https://hooks.example.com/x#frag', /fragment/],
    ['ftp://hooks.example.com/x', /https/],
    ['hooks.example.com/x', /not a URL/],
    [`https://hooks.example.com/${'a'.repeat(2100)}`, /longer than 2048/],
  ])('refuses %s', (url, problem) => {
    expect(notifyUrlProblem(url, AWS)).toMatch(problem);
  });
});

describe('notify.url on the local stack', () => {
  it.each(['http://127.0.0.1:4100/hook', 'http://localhost:4100/hook', 'https://[::1]:4100/hook', 'https://hooks.example.com/x'])('accepts %s', (url) => {
    expect(notifyUrlProblem(url, LOCAL)).toBeNull();
  });

  it.each([
    ['http://hooks.example.com/x', /only for a loopback receiver/],
    ['https://10.1.2.3/x', /private/],
    ['http://169.254.169.254/latest', /metadata/],
  ])('still refuses %s', (url, problem) => {
    expect(notifyUrlProblem(url, LOCAL)).toMatch(problem);
  });
});

describe('parseNotify', () => {
  it.each([undefined, null])('%s: no notification', (value) => {
    expect(parseNotify(value, AWS)).toBeUndefined();
  });

  it('gives the trimmed URL', () => {
    expect(parseNotify({ url: ' https://hooks.example.com/x ' }, AWS)).toEqual({ url: 'https://hooks.example.com/x' });
  });

  it.each([
    ['a string', 'https://hooks.example.com/x', /^notify: must be an object/],
    ['an array', [], /^notify: must be an object/],
    ['no url', {}, /^notify\.url: required/],
    ['a number', { url: 7 }, /^notify\.url: required/],
    ['an extra field', { url: 'https://hooks.example.com/x', secret: 'x' }, /^notify: unknown field "secret"/],
    ['plain http', { url: 'http://hooks.example.com/x' }, /^notify\.url: "http:\/\/hooks\.example\.com\/x" must be an https/],
    ['a long private URL (quoted cut to 100 characters)', { url: `https://10.0.0.1/${'a'.repeat(200)}` }, /^notify\.url: "https:\/\/10\.0\.0\.1\/a{83}…" points at 10\.0\.0\.1/],
    ['an empty url', { url: '  ' }, /^notify\.url: required/],
  ])('refuses %s with a problem naming the field', (_, value, problem) => {
    const error = (() => {
      try {
        parseNotify(value, AWS);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidStoryboardError);
    expect((error as InvalidStoryboardError).problems).toEqual([expect.stringMatching(problem)]);
  });
});

const film = { key: `runs/${RUN}/final.mp4`, durationSec: 12, width: 1920, height: 1080 } as FilmRecord;
const succeeded: RunEnding = { status: 'succeeded', at: '2026-11-27T12:00:00.000Z', by: 'join-film', film };
const failed = failedEnding('record-failure', 'failed', { state: 'Scenes', error: 'PredictionFailedError', cause: 'x'.repeat(5000) }, '2026-11-27T12:00:00.000Z');
const manifest = { title: 'Notified', model: 'ltx-2-fast', strategy: 'chain', cost: { usd: 0.48, basis: 'stored outputs' }, estimate: { usd: 0.5, seconds: 12 } } as unknown as Manifest;

describe('runSummary', () => {
  it('of a success names the film and the cost, and no failure', () => {
    expect(runSummary(RUN, succeeded, manifest)).toMatchObject({
      runId: RUN,
      status: 'succeeded',
      endedAt: succeeded.at,
      endedBy: 'join-film',
      cost: { usd: 0.48 },
      estimate: { usd: 0.5, seconds: 12 },
      film: { key: film.key, durationSec: 12, width: 1920, height: 1080 },
      failure: null,
      statusPath: `/runs/${RUN}`,
    });
  });

  it('of a failure gives state, error and a cause cut to 2000 characters', () => {
    const summary = runSummary(RUN, failed, manifest);
    expect(summary).toMatchObject({ status: 'failed', film: null, failure: { state: 'Scenes', error: 'PredictionFailedError' } });
    expect(summary.failure!.cause).toHaveLength(2000);
  });

  it('without a manifest still says how the run ended', () => {
    expect(runSummary(RUN, failed, null)).toMatchObject({ title: null, cost: { usd: 0 }, estimate: null, status: 'failed' });
  });

  it('goes out as a Standard Webhooks envelope typed by the status', () => {
    const summary = runSummary(RUN, succeeded, manifest);
    expect(webhookPayload(summary)).toEqual({ type: 'run.succeeded', timestamp: succeeded.at, data: summary });
  });

  it.each([
    ['succeeded', 'Run Completed'],
    ['failed', 'Run Failed'],
    ['canceled', 'Run Canceled'],
  ] as const)('an ending %s is the EventBridge detail type %s', (status, type) => {
    expect(DETAIL_TYPES[status]).toBe(type);
  });
});

describe('notificationId', () => {
  it('is the same for the same ending, however often it is computed', () => {
    expect(notificationId(RUN, succeeded)).toBe(notificationId(RUN, { ...succeeded }));
    expect(notificationId(RUN, succeeded)).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it.each([
    ['another run', '20261127-1200-notified-fedcba9876543210', succeeded],
    ['a later ending of the same run (a resume)', RUN, { ...succeeded, at: '2026-11-27T13:00:00.000Z' }],
    ['another status', RUN, { ...succeeded, status: 'failed' as const }],
  ])('differs for %s', (_, runId, ending) => {
    expect(notificationId(runId, ending)).not.toBe(notificationId(RUN, succeeded));
  });
});

describe('deliveryVerdict', () => {
  it.each([200, 201, 202, 204, 299])('%i: delivered', (status) => expect(deliveryVerdict({ status })).toBe('delivered'));
  it.each([500, 502, 503, 504, 429, 408])('%i: another attempt', (status) => expect(deliveryVerdict({ status })).toBe('retry'));
  it.each([400, 401, 403, 404, 410, 413, 301, 302, 307])('%i: final (asking again changes nothing; redirects are never followed)', (status) =>
    expect(deliveryVerdict({ status })).toBe('final'),
  );
  it('no answer at all (network, timeout): another attempt', () => expect(deliveryVerdict({ error: 'ECONNREFUSED' })).toBe('retry'));
});

describe('retryDelayMs', () => {
  it.each([
    [2, 1000],
    [3, 4000],
    [4, 16000],
  ])('before attempt %i waits about %i ms (base 1000)', (attempt, nominal) => {
    expect(retryDelayMs(attempt, 1000, () => 0.5)).toBe(nominal);
    expect(retryDelayMs(attempt, 1000, () => 0)).toBe(nominal * 0.8);
    expect(retryDelayMs(attempt, 1000, () => 1)).toBe(nominal * 1.2);
  });
});
