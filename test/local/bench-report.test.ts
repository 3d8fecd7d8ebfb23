// The bench's figures from a run's records, and the report they make (no run, no clock).
import { describe, expect, it } from 'vitest';
import {
  executionSeconds, finishingCpuSeconds, finishingSeconds, formatBenchReport, modelSeconds, stageSeconds,
  type BenchReport, type HistoryEvent,
} from '../../local/bench-report';
import type { ToolCpuSample } from '../../local/tool-cpu';

const enter = (state: string, at: number, index?: number): HistoryEvent => ({ type: 'StateEntered', state, at, index });
const exit = (state: string, at: number, index?: number): HistoryEvent => ({ type: 'StateExited', state, at, index });

// Two scenes run side by side; scene 1 is stored last, at 9 s; the film is stored at 12.5 s.
const history: HistoryEvent[] = [
  enter('StoreAnchor', 0), exit('StoreAnchor', 500),
  enter('StoreClip', 4_000, 0), enter('StoreClip', 8_000, 1), exit('StoreClip', 5_000, 0), exit('StoreClip', 9_000, 1),
  enter('JoinFilm', 9_100), exit('JoinFilm', 12_500),
];

const sample = (owner: string, startMs: number, cpuSeconds: number): ToolCpuSample =>
  ({ owner, tool: 'ffmpeg', startMs, endMs: startMs + 100, cpuSeconds });

describe('bench figures', () => {
  it('times finishing from the last StoreClip exit to the JoinFilm exit', () => {
    expect(finishingSeconds(history)).toBe(3.5);
  });

  it('times the execution from its first event to its last', () => {
    expect(executionSeconds([{ type: 'ExecutionStarted', at: 1_000 }, ...history, { type: 'ExecutionSucceeded', at: 12_600 }])).toBe(11.6);
  });

  it('sums each state over Map iterations', () => {
    expect(stageSeconds(history)).toEqual({ StoreAnchor: 0.5, StoreClip: 2, JoinFilm: 3.4 });
  });

  it('counts only the handlers’ children started inside StoreClip or JoinFilm as finishing CPU', () => {
    const samples = [
      sample('handler', 100, 0.3), // StoreAnchor
      sample('handler', 4_200, 1), // StoreClip 0
      sample('emulator', 8_500, 5), // a render overlapping StoreClip 1
      sample('handler', 8_100, 2), // StoreClip 1
      sample('handler', 10_000, 4), // JoinFilm
      sample('handler', 13_000, 9), // after the run
    ];
    expect(finishingCpuSeconds(samples, history)).toBe(7);
  });

  it('sums request → completion of every prediction, ignoring unfinished ones', () => {
    expect(modelSeconds([
      { created_at: '2026-11-27T10:00:00.000Z', completed_at: '2026-11-27T10:00:30.500Z' },
      { created_at: '2026-11-27T10:00:31.000Z', completed_at: '2026-11-27T10:01:01.000Z' },
      { created_at: '2026-11-27T10:01:02.000Z', completed_at: null },
    ])).toBe(60.5);
  });
});

const report: BenchReport = {
  date: '2026-11-27',
  machine: '2 × test cpu, 8 GiB, Node v20.0.0',
  quick: false,
  rounds: 2,
  finishingLatency: 8,
  finishing: [
    { name: 'winter-ad (chain, 3 × 10 s)', scenes: 3, filmSeconds: 29.92, finishingSeconds: 19.04, finishingCpuSeconds: 36, baselineCpuSeconds: 20 },
    { name: 'winter-ten (chain, 10 × 6 s)', scenes: 10, filmSeconds: 59.8, finishingSeconds: 41.5, finishingCpuSeconds: 70, baselineCpuSeconds: 40 },
  ],
  chainWait: { latency: 30, wallSeconds: 150, modelSeconds: 120, predictions: 4 },
  stages: [{ name: 'winter-ad (chain, 3 × 10 s)', wallSeconds: [10, 12, 11], filmSeconds: 29.92, stages: [{ Anchor: 1, Clip: 3, StoreClip: 1, JoinFilm: 3 }, { Anchor: 2, Clip: 4, StoreClip: 2, JoinFilm: 4 }, { Anchor: 3, Clip: 5, StoreClip: 3, JoinFilm: 5 }] }],
  skipped: ['keyframes (no such strategy yet)'],
};

describe('bench report', () => {
  it('writes the issue 8 figures with the baseline it measured', () => {
    const text = formatBenchReport(report);
    expect(text).toContain('| last clip stored → film, sheet and report stored, 3 scenes, `--emulator-latency 8` | 19.04 s | ≤ 2 s |');
    expect(text).toContain('| same, 10 scenes of 6 s | 41.50 s | ≤ 3 s (flat in film length) |');
    expect(text).toContain('| 1.80 (36.00 s ÷ 20.00 s) | ≤ 1.2 |');
    expect(text).toContain('`--emulator-latency 30` | 1.25 (150.00 s ÷ 120.00 s) | ≤ 1.05 |');
  });

  it('keeps the per-stage table with medians and the JoinFilm column', () => {
    const text = formatBenchReport(report);
    expect(text).toContain('| storyboard | wall s | film s | Anchor s | Clip s (Σ) | StoreClip s (Σ) | JoinFilm s |');
    expect(text).toContain('| winter-ad (chain, 3 × 10 s) | 11.00 | 29.92 | 2.00 | 4.00 | 2.00 | 4.00 |');
    expect(text).not.toMatch(/Concat/);
    expect(text).toContain('Not run: keyframes (no such strategy yet).');
  });

  it('says which figures a quick run left out', () => {
    const text = formatBenchReport({ ...report, quick: true, finishing: report.finishing.slice(0, 1) });
    expect(text).toContain('`npm run bench -- --quick`');
    expect(text).toContain('| same, 10 scenes of 6 s | not measured (--quick) |');
  });
});
