import { describe, expect, it } from 'vitest';
import type { FilmFigures } from '../../functions/domain/continuity-report';

const FIGURES: FilmFigures = {
  lastSceneVsAnchor: { deltaE: 1.234, saturation: 0.052, contrast: -0.031 },
  deltaEPerHop: 0.1, maxSeamDeltaE: 0.876, maxLoudnessJumpLu: 0.44, worstDipDb: -0.21, maxStillRun: 1,
};
import { DEFAULT_VARIANTS, compareKeys, compareEndingOfExecution, comparisonTable, parseVariants, readVariants, sideBySideArgs } from '../../functions/domain/compare';
import { InvalidStoryboardError } from '../../functions/domain/errors';

describe('parseVariants', () => {
  it('reads model:strategy pairs, with fast/pro shorthands', () => {
    expect(parseVariants(DEFAULT_VARIANTS).map((v) => v.label)).toEqual(['ltx-2-fast × chain', 'ltx-2-pro × chain', 'ltx-2-fast × single']);
    expect(parseVariants('pro:independent')).toEqual([{ model: 'ltx-2-pro', strategy: 'independent', label: 'ltx-2-pro × independent' }]);
  });

  it('chain vs keyframes vs single in one experiment, with the fast23/pro23 shorthands', () => {
    expect(parseVariants('fast:chain,fast23:keyframes,pro23:keyframes,fast:single').map((v) => v.label)).toEqual([
      'ltx-2-fast × chain', 'ltx-2.3-fast × keyframes', 'ltx-2.3-pro × keyframes', 'ltx-2-fast × single',
    ]);
  });

  it.each(['fast:keyframes', 'ltx-2-pro:keyframes'])('refuses %s before anything starts, naming the models that can', (spec) => {
    expect(() => parseVariants(spec)).toThrow(/strategy keyframes needs a model that accepts a last frame: ltx-2\.3-fast, ltx-2\.3-pro/);
  });

  it('names the bad part and the allowed values', () => {
    expect(() => parseVariants('ltx-3:chain')).toThrow(/"ltx-3:chain": model must be one of ltx-2-fast, ltx-2-pro, ltx-2.3-fast, ltx-2.3-pro, fast, pro, fast23, pro23/);
    expect(() => parseVariants('fast:zigzag')).toThrow(/"fast:zigzag": strategy must be one of chain, single, independent, keyframes/);
    expect(() => parseVariants('fast:chain,ltx-2-fast:chain')).toThrow(/listed twice/);
    expect(() => parseVariants('a:b,c:d,e:f,g:h,i:j')).toThrow(/1 to 4 variants/);
  });
});

describe('sideBySideArgs', () => {
  const inputs = [
    { path: 'a.mp4', labelFile: 'a.txt', durationSec: 29.92 },
    { path: 'b.mp4', labelFile: 'b.txt', durationSec: 20 },
  ];
  const args = sideBySideArgs(inputs, 'out.mp4', { width: 640, height: 360, fps: 25, fontFile: '/f.ttf' });
  const graph = args[args.indexOf('-filter_complex') + 1];

  it('holds the shorter film’s last frame until the longest ends, and stacks the tiles', () => {
    expect(graph).toContain('[0:v]scale=640:360');
    expect(graph).toContain('tpad=stop_mode=clone:stop_duration=0.000');
    expect(graph).toContain('tpad=stop_mode=clone:stop_duration=9.920');
    expect(graph).toContain('[t0][t1]hstack=inputs=2[v]');
    expect(graph).toContain("textfile='b.txt'");
    expect(graph).toContain('[0:a]apad,atrim=end=29.920[a]');
    expect(args.slice(-1)).toEqual(['out.mp4']);
  });

  it('needs no stack for a single film', () => {
    const one = sideBySideArgs(inputs.slice(0, 1), 'o.mp4', { width: 640, height: 360, fps: 25, fontFile: '/f.ttf' });
    expect(one[one.indexOf('-filter_complex') + 1]).toContain('[t0]null[v]');
  });
});

describe('comparisonTable', () => {
  it('lists every variant with its numbers, dashes where a number does not apply', () => {
    const table = comparisonTable('Winter ad', [
      { label: 'ltx-2-fast × chain', runId: 'r1', outcome: 'succeeded', filmSeconds: 29.92, clips: 3, estimatedUsd: 1.204, meanSeamSsim: 0.98456, continuity: FIGURES, renderSeconds: 10.04, film: 'a' },
      { label: 'ltx-2-fast × single', runId: 'r2', outcome: 'failed', filmSeconds: null, clips: 1, estimatedUsd: 0.804, meanSeamSsim: null, continuity: null, renderSeconds: 3, film: null },
    ]);
    expect(table).toContain('| ltx-2-fast × chain | succeeded | 29.92 | 3 | 1.204 | 1.23 | +5 % | -3 % | 0.88 | 0.4 | -0.2 | 1 | 0.9846 | 10.0 | r1 |');
    expect(table).toContain('| ltx-2-fast × single | failed | — | 1 | 0.804 | — | — | — | — | — | — | — | — | 3.0 | r2 |');
  });
});

describe('readVariants (POST /compares and the compare execution input)', () => {
  it.each([
    ['a spec string', 'fast:chain,pro:single'],
    ['a list of strings', ['fast:chain', 'pro:single']],
    ['a list of objects', [{ model: 'ltx-2-fast', strategy: 'chain' }, { model: 'pro', strategy: 'single' }]],
  ])('takes %s', (_case, value) => {
    expect(readVariants(value).map((v) => v.label)).toEqual(['ltx-2-fast × chain', 'ltx-2-pro × single']);
  });

  it('defaults to DEFAULT_VARIANTS when absent', () => {
    expect(readVariants(undefined)).toEqual(parseVariants(DEFAULT_VARIANTS));
  });

  it.each([
    ['a number', 7, /^variants: give /],
    ['an item of the wrong shape', ['fast:chain', { model: 'pro' }], /^variants: give /],
    ['an item hiding a second variant', ['fast:chain,pro:chain'], /^variants: give /],
    ['an unknown strategy', ['fast:zigzag'], /^variants: "fast:zigzag": strategy must be one of chain, single, independent, keyframes/],
    ['five variants', ['fast:chain', 'pro:chain', 'fast:single', 'pro:single', 'fast:independent'], /^variants: give 1 to 4 variants, got 5/],
    ['null items', [null, 'fast:chain'], /^variants: give /],
    ['an object without a strategy', [{ model: 'ltx-2-fast' }], /^variants: give /],
    ['an object whose strategy is not text', [{ model: 'ltx-2-fast', strategy: 3 }], /^variants: give /],
    ['a list longer than 20', Array.from({ length: 21 }, () => 'fast:chain'), /^variants: give "model/],
    ['a spec over 500 characters', `fast:chain,${'x'.repeat(500)}`, /^variants: give "model/],
  ])('refuses %s with an InvalidStoryboardError naming the field', (_case, value, problem) => {
    try {
      readVariants(value);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidStoryboardError);
      expect((error as InvalidStoryboardError).problems).toEqual([expect.stringMatching(problem)]);
    }
  });
});

describe('compareEndingOfExecution (a compare ended from outside)', () => {
  const at = '2026-11-27T12:00:00.000Z';
  it.each([
    [{ status: 'ABORTED' }, 'canceled', 'ExecutionAborted', 'the execution ended with status ABORTED'],
    [{ status: 'ABORTED', error: 'Interrupted', cause: 'the local stack was stopped' }, 'canceled', 'Interrupted', 'the local stack was stopped'],
    [{ status: 'TIMED_OUT' }, 'failed', 'States.Timeout', 'the execution ended with status TIMED_OUT'],
    [{ status: 'FAILED', error: 'States.Runtime', cause: 'boom' }, 'failed', 'States.Runtime', 'boom'],
  ])('%j → %s (%s)', (execution, status, error, cause) => {
    expect(compareEndingOfExecution(execution, at)).toEqual({ status, at, by: 'execution-ended', failure: { state: 'Execution', error, cause } });
  });

  it.each(['RUNNING', 'SUCCEEDED', 'PENDING_REDRIVE'])('%s ends nothing', (status) => {
    expect(compareEndingOfExecution({ status }, at)).toBeNull();
  });
});

describe('compareKeys', () => {
  const id = '20261127-1200-winter-ad-compare-3f9c2a7be41d08c6';
  it('keeps every object of a compare under compares/<id>/', () => {
    const keys = compareKeys(id);
    expect(keys).toMatchObject({
      prefix: `compares/${id}/`,
      request: `compares/${id}/request.json`,
      ending: `compares/${id}/ending.json`,
      sideBySide: `compares/${id}/side-by-side.mp4`,
      comparisonMd: `compares/${id}/comparison.md`,
      comparisonJson: `compares/${id}/comparison.json`,
      notify: `compares/${id}/notify.json`,
    });
    expect(keys.notification('n1')).toBe(`compares/${id}/notifications/n1.json`);
  });

  it.each(['../runs/x', '', 'compare'])('refuses %j as a compare id', (bad) => expect(() => compareKeys(bad)).toThrow(/not a compare id/));
});
