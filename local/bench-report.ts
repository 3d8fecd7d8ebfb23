// The bench's figures, computed from what a run records (its state history, the emulator's predictions,
// the CPU meter's samples), and the docs/bench.md they make. Pure: no I/O, no clock.
import type { ToolCpuSample } from './tool-cpu';

export interface HistoryEvent {
  type: string;
  state?: string;
  index?: number;
  at: number;
}

/** Seconds spent in each state (summed over Map iterations), from the executor's event log. */
export function stageSeconds(history: HistoryEvent[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const { state, start, end } of stateWindows(history)) totals[state] = (totals[state] ?? 0) + (end - start) / 1000;
  return totals;
}

/** Every [StateEntered, StateExited] interval, in ms. */
export function stateWindows(history: HistoryEvent[], only?: string[]): { state: string; start: number; end: number }[] {
  const open = new Map<string, number>();
  const windows: { state: string; start: number; end: number }[] = [];
  for (const event of history) {
    if (!event.state || (only && !only.includes(event.state))) continue;
    const key = `${event.state}#${event.index ?? ''}`;
    if (event.type === 'StateEntered') open.set(key, event.at);
    if (event.type === 'StateExited' && open.has(key)) {
      windows.push({ state: event.state, start: open.get(key)!, end: event.at });
      open.delete(key);
    }
  }
  return windows;
}

/** Issue 8's "last clip stored → film, sheet and report stored": last StoreClip exit → JoinFilm exit. */
export function finishingSeconds(history: HistoryEvent[]): number {
  const exits = (state: string) => history.filter((e) => e.type === 'StateExited' && e.state === state).map((e) => e.at);
  const stored = exits('StoreClip');
  const joined = exits('JoinFilm');
  if (!stored.length || !joined.length) throw new Error('the history has no StoreClip or JoinFilm exit');
  return (Math.max(...joined) - Math.max(...stored)) / 1000;
}

/** Finishing work: the handlers' ffmpeg/ffprobe children started inside a StoreClip or JoinFilm state. */
export const FINISHING_STATES = ['StoreClip', 'JoinFilm'];

/** Slack for the wrapper's 10 ms /proc/uptime clock. */
const CLOCK_SLACK_MS = 20;

export function finishingCpuSeconds(samples: ToolCpuSample[], history: HistoryEvent[]): number {
  const windows = stateWindows(history, FINISHING_STATES);
  const inside = (s: ToolCpuSample) => windows.some((w) => s.startMs >= w.start - CLOCK_SLACK_MS && s.startMs <= w.end + CLOCK_SLACK_MS);
  return samples.filter((s) => s.owner === 'handler' && inside(s)).reduce((sum, s) => sum + s.cpuSeconds, 0);
}

/** The execution's wall time: its first event to its last (POST and copying outputs out excluded). */
export function executionSeconds(history: HistoryEvent[]): number {
  if (!history.length) throw new Error('the history is empty');
  return (history[history.length - 1].at - history[0].at) / 1000;
}

/** Σ request → completion of the predictions a run waited for, in seconds. */
export function modelSeconds(predictions: { created_at: string; completed_at: string | null }[]): number {
  return predictions.reduce((sum, p) => sum + (p.completed_at ? (Date.parse(p.completed_at) - Date.parse(p.created_at)) / 1000 : 0), 0);
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface StageRow {
  name: string;
  wallSeconds: number[];
  filmSeconds: number;
  stages: Record<string, number>[];
}

export interface FinishingRow {
  name: string;
  scenes: number;
  filmSeconds: number;
  finishingSeconds: number;
  finishingCpuSeconds: number;
  baselineCpuSeconds: number;
}

export interface BenchReport {
  date: string;
  machine: string;
  quick: boolean;
  rounds: number;
  finishingLatency: number;
  finishing: FinishingRow[];
  chainWait: { latency: number; wallSeconds: number; modelSeconds: number; predictions: number } | null;
  stages: StageRow[];
  skipped: string[];
}

const f2 = (n: number) => n.toFixed(2);

function stageTable(rows: StageRow[]): string[] {
  const stage = (row: StageRow, state: string) => f2(median(row.stages.map((s) => s[state] ?? 0)));
  return [
    '| storyboard | wall s | film s | Anchor s | Clip s (Σ) | StoreClip s (Σ) | JoinFilm s |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${f2(median(r.wallSeconds))} | ${f2(r.filmSeconds)} | ${stage(r, 'Anchor')} | ${stage(r, 'Clip')} | ${stage(r, 'StoreClip')} | ${stage(r, 'JoinFilm')} |`),
  ];
}

function targetTable(report: BenchReport): string[] {
  const lat = report.finishingLatency;
  const byScenes = (n: number) => report.finishing.find((r) => r.scenes === n);
  const three = byScenes(3);
  const ten = byScenes(10);
  const wait = report.chainWait;
  const cpuRatio = three ? `${f2(three.finishingCpuSeconds / three.baselineCpuSeconds)} (${f2(three.finishingCpuSeconds)} s ÷ ${f2(three.baselineCpuSeconds)} s)` : 'not measured';
  return [
    '| figure | now | target |',
    '|---|---|---|',
    `| last clip stored → film, sheet and report stored, 3 scenes, \`--emulator-latency ${lat}\` | ${three ? `${f2(three.finishingSeconds)} s` : 'not measured'} | ≤ 2 s |`,
    `| same, 10 scenes of 6 s | ${ten ? `${f2(ten.finishingSeconds)} s` : 'not measured (--quick)'} | ≤ 3 s (flat in film length) |`,
    `| CPU seconds of all finishing work ÷ one bare x264 re-encode of the same clips, 3 scenes | ${cpuRatio} | ≤ 1.2 |`,
    `| wall time of a 3-scene chain ÷ the model time it waited for, \`--emulator-latency ${wait?.latency ?? 30}\` | ${wait ? `${f2(wait.wallSeconds / wait.modelSeconds)} (${f2(wait.wallSeconds)} s ÷ ${f2(wait.modelSeconds)} s)` : 'not measured'} | ≤ 1.05 |`,
  ];
}

export function formatBenchReport(report: BenchReport): string {
  const finishingRows = report.finishing.map(
    (r) => `| ${r.name} | ${f2(r.filmSeconds)} | ${f2(r.finishingSeconds)} | ${f2(r.finishingCpuSeconds)} | ${f2(r.baselineCpuSeconds)} | ${f2(r.finishingCpuSeconds / r.baselineCpuSeconds)} |`,
  );
  return [
    '# Local render benchmark',
    '',
    `Written by \`npm run bench${report.quick ? ' -- --quick' : ''}\` on ${report.date}: ${report.machine}.`,
    '',
    '## Issue 8 figures (1920×1080, `--full-size`)',
    '',
    ...targetTable(report),
    '',
    `Finishing runs (chain, \`--emulator-latency ${report.finishingLatency}\`, one run each):`,
    '',
    '| storyboard | film s | last StoreClip exit → JoinFilm exit s | finishing CPU s | bare re-encode CPU s | ratio |',
    '|---|---|---|---|---|---|',
    ...finishingRows,
    '',
    '- Finishing time is read from the engine\'s event history: StateExited of the last StoreClip to StateExited',
    '  of JoinFilm (the film, contact sheet, drift chart and continuity report are stored inside JoinFilm).',
    '- CPU is per child: FFMPEG_PATH/FFPROBE_PATH point at an sh wrapper that runs the real binary and records',
    '  its own user + system CPU (the shell\'s `times`, i.e. the rusage `wait4` returns) and its owner; the',
    '  emulator\'s renders are tagged and left out. Finishing CPU sums the handlers\' children started inside a',
    '  StoreClip or JoinFilm state. The baseline is one bare `-filter_complex concat` x264 re-encode of the',
    '  same stored clips with the join\'s settings (veryfast, crf 18, yuv420p, AAC 192k), measured the same way.',
    '- The chain ratio divides the execution\'s wall time (its first to its last event) by Σ (created → completed) of every',
    '  prediction it made (anchor and clips), as the emulator reports them.',
    '',
    `## Per-stage times (640×360 emulator output, no latency; ${report.rounds} round(s), medians)`,
    '',
    'Stage columns sum each state\'s time over all scenes.',
    '',
    ...stageTable(report.stages),
    '',
    ...(report.skipped.length ? [`Not run: ${report.skipped.join('; ')}.`, ''] : []),
    'Clip time is the emulator rendering with ffmpeg and the webhook round trip; StoreClip streams the clip',
    'into S3, probes it and extracts the true last frame; JoinFilm re-encodes the film once and writes the',
    'contact sheet and continuity report. On AWS the Clip column is Replicate time (minutes per clip).',
    '',
  ].join('\n');
}
