// The bench's figures from a run's records, and the report they make (no run, no clock).
import { describe, expect, it } from 'vitest';
import {
  executionSeconds, finishingCpuSeconds, finishingParts, finishingSeconds, formatBenchReport, keyframesModelSeconds, modelSeconds, runCost, stageSeconds, stateTransitions,
  type BenchReport, type HistoryEvent,
} from '../../local/bench-report';
import type { ToolCpuSample } from '../../local/tool-cpu';

const enter = (state: string, at: number, index?: number): HistoryEvent => ({ type: 'StateEntered', state, at, index });
const exit = (state: string, at: number, index?: number): HistoryEvent => ({ type: 'StateExited', state, at, index });

// Two scenes run side by side; scene 1 is stored last, at 9 s, its segment finished at 10.5 s; the film is stored at 12.5 s.
const history: HistoryEvent[] = [
  enter('StoreAnchor', 0), exit('StoreAnchor', 500),
  enter('StoreClip', 4_000, 0), enter('StoreClip', 8_000, 1), exit('StoreClip', 5_000, 0), exit('StoreClip', 9_000, 1),
  enter('FinishOwnSegment', 5_000, 0), exit('FinishOwnSegment', 6_000, 0), enter('FinishOwnSegment', 9_000, 1), exit('FinishOwnSegment', 10_500, 1),
  enter('JoinFilm', 10_600), exit('JoinFilm', 12_500),
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
    expect(stageSeconds(history)).toEqual({ StoreAnchor: 0.5, StoreClip: 2, FinishOwnSegment: 2.5, JoinFilm: 1.9 });
  });

  it('splits finishing into the last segment finished and the assembly', () => {
    expect(finishingParts(history)).toEqual({ lastSegmentSeconds: 1.5, assemblySeconds: 1.9 });
  });

  it('takes keyframes model time as anchor + keyframe batch (side by side) + the slowest clip', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s)).toISOString();
    const p = (model: string, from: number, to: number) => ({ model, created_at: at(from), completed_at: at(to) });
    expect(keyframesModelSeconds([
      p('stability-ai/sdxl', 0, 10), p('stability-ai/sdxl', 11, 20), p('stability-ai/sdxl', 12, 25),
      p('lightricks/ltx-2.3-fast', 26, 50), p('lightricks/ltx-2.3-fast', 26, 56),
    ])).toEqual({ anchor: 10, keyframeBatch: 14, slowestClip: 30 });
  });

  it('counts only the handlers’ children started inside StoreClip, a segment finishing or JoinFilm as finishing CPU', () => {
    const samples = [
      sample('handler', 100, 0.3), // StoreAnchor
      sample('handler', 4_200, 1), // StoreClip 0
      sample('emulator', 8_500, 5), // a render overlapping StoreClip 1
      sample('handler', 8_100, 2), // StoreClip 1
      sample('handler', 9_500, 3), // FinishOwnSegment 1
      sample('handler', 11_000, 4), // JoinFilm
      sample('handler', 13_000, 9), // after the run
    ];
    expect(finishingCpuSeconds(samples, history)).toBe(10);
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
    { name: 'winter-ad (chain, 3 × 10 s)', scenes: 3, cost: { functions: [{ fn: 'finish-segment', invocations: 3, seconds: 21, maxSeconds: 8, memoryMb: 4096, ephemeralMb: 2048, gbSeconds: 84, usd: 0.0014 }], transitions: 80, transitionsUsd: 0.002, lambdaUsd: 0.0014, totalUsd: 0.0034 }, largestMb: { clip: 20, segment: 18, audioPiece: 4, film: 55, joinTmp: 130 }, filmSeconds: 29.92, finishingSeconds: 19.04, lastSegmentSeconds: 15, assemblySeconds: 4, finishingCpuSeconds: 36, baselineCpuSeconds: 20 },
    { name: 'winter-ten (chain, 10 × 6 s)', scenes: 10, cost: { functions: [{ fn: 'finish-segment', invocations: 3, seconds: 21, maxSeconds: 8, memoryMb: 4096, ephemeralMb: 2048, gbSeconds: 84, usd: 0.0014 }], transitions: 80, transitionsUsd: 0.002, lambdaUsd: 0.0014, totalUsd: 0.0034 }, largestMb: { clip: 20, segment: 18, audioPiece: 4, film: 110, joinTmp: 260 }, filmSeconds: 59.8, finishingSeconds: 41.5, lastSegmentSeconds: 30, assemblySeconds: 11, finishingCpuSeconds: 70, baselineCpuSeconds: 40 },
  ],
  chainWait: { latency: 30, wallSeconds: 150, modelSeconds: 120, predictions: 4 },
  keyframesWait: { latency: 30, scenes: 6, wallSeconds: 104, model: { anchor: 30, keyframeBatch: 31, slowestClip: 32 } },
  stages: [
    {
      name: 'winter-ad (chain, 3 × 10 s)', wallSeconds: [10, 12, 11], filmSeconds: 29.92,
      stages: [
        { Anchor: 1, Clip: 3, StoreClip: 1, FinishPreviousSegment: 1, FinishOwnSegment: 0.5, JoinFilm: 3 },
        { Anchor: 2, Clip: 4, StoreClip: 2, FinishPreviousSegment: 2, FinishOwnSegment: 0.5, JoinFilm: 4 },
        { Anchor: 3, Clip: 5, StoreClip: 3, FinishPreviousSegment: 3, FinishOwnSegment: 0.5, JoinFilm: 5 },
      ],
    },
  ],
  skipped: ['keyframes (no such strategy yet)'],
};

describe('runCost', () => {
  const sizing = (fn: string) => (fn === 'finish-segment' ? { memoryMb: 4096, ephemeralMb: 2048, arch: 'x86_64' as const } : { memoryMb: 512, ephemeralMb: 512, arch: 'arm64' as const });

  it('bills GB-s at each function’s memory and architecture, /tmp above 512 MB, requests and state transitions', () => {
    const cost = runCost([{ fn: 'finish-segment', ms: 2000 }, { fn: 'finish-segment', ms: 1000 }, { fn: 'clip', ms: 100.2 }], 1000, sizing);
    const segment = cost.functions.find((f) => f.fn === 'finish-segment')!;
    expect(segment).toMatchObject({ invocations: 2, seconds: 3, maxSeconds: 2, gbSeconds: 12 });
    expect(segment.usd).toBeCloseTo(12 * 0.0000166667 + 3 * 1.5 * 0.0000000309 + 2 * 0.2e-6, 12);
    // Durations are billed rounded up to the millisecond.
    expect(cost.functions.find((f) => f.fn === 'clip')!.seconds).toBe(0.101);
    expect(cost.transitionsUsd).toBeCloseTo(0.025, 10);
    expect(cost.totalUsd).toBeCloseTo(cost.lambdaUsd + 0.025, 10);
  });

  it('counts every state entered as a transition', () => {
    expect(stateTransitions(history)).toBe(6);
  });
});

describe('bench report', () => {
  it('writes the issue 8 figures with the baseline it measured', () => {
    const text = formatBenchReport(report);
    expect(text).toContain('| last clip stored → film, sheet and report stored, 3 scenes, `--emulator-latency 8` | 19.04 s | ≤ 2 s |');
    expect(text).toContain('| same, 10 scenes of 6 s | 41.50 s | ≤ 3 s (flat in film length) |');
    expect(text).toContain('| 1.80 (36.00 s ÷ 20.00 s) | ≤ 1.2 |');
    expect(text).toContain('`--emulator-latency 30` | 1.25 (150.00 s ÷ 120.00 s) | ≤ 1.05 |');
    expect(text).toContain('| 6-scene keyframes film ÷ (anchor + keyframe batch + slowest clip), `--emulator-latency 30` | 1.12 (104.00 s ÷ (30.00 + 31.00 + 32.00) s) | ≤ 1.3 |');
    expect(text).toContain('| winter-ad (chain, 3 × 10 s) | 29.92 | 19.04 | 15.00 | 4.00 | 36.00 | 20.00 | 1.80 |');
  });

  it('keeps the per-stage table with medians and the JoinFilm column', () => {
    const text = formatBenchReport(report);
    expect(text).toContain('| storyboard | wall s | film s | Anchor s | Clip s (Σ) | StoreClip s (Σ) | FinishSegment s (Σ) | JoinFilm s |');
    expect(text).toContain('| winter-ad (chain, 3 × 10 s) | 11.00 | 29.92 | 2.00 | 4.00 | 2.00 | 2.50 | 4.00 |');
    expect(text).not.toMatch(/Concat/);
    expect(text).toContain('Not run: keyframes (no such strategy yet).');
  });

  it('prices one film per function and in state transitions', () => {
    const text = formatBenchReport(report);
    expect(text).toContain('| finish-segment | 3 | 21.00 | 8.00 | 4096 | 84.00 | $0.00140 |');
    expect(text).toContain('| Step Functions | 80 state transitions | | | | | $0.00200 |');
    expect(text).toContain('| **one film** | | | | | | **$0.00340** |');
  });

  it('gives each media function’s sizing with the figures of the run', () => {
    const text = formatBenchReport(report);
    expect(text).toContain('- **finish-segment** (4,096 MB, /tmp 2,048 MB): one x264 encode of a clip, longest 8.00 s here;');
    expect(text).toContain('/tmp holds every segment and sound piece, the film and the mix: 260.00 MB for the 10-scene film here.');
  });

  it('says which figures a quick run left out', () => {
    const text = formatBenchReport({ ...report, quick: true, finishing: report.finishing.slice(0, 1) });
    expect(text).toContain('`npm run bench -- --quick`');
    expect(text).toContain('| same, 10 scenes of 6 s | not measured (--quick) |');
  });
});
