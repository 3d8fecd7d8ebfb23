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

/** Finishing work: the handlers' ffmpeg/ffprobe children started while a clip was stored, its segment finished or the film assembled. */
export const FINISHING_STATES = ['StoreClip', 'FinishPreviousSegment', 'FinishOwnSegment', 'JoinFilm'];

/** Where the finishing time goes: the last segment finished after the last clip was stored, then the assembly. */
export function finishingParts(history: HistoryEvent[]): { lastSegmentSeconds: number; assemblySeconds: number } {
  const last = (state: string) => stateWindows(history, [state]).sort((a, b) => b.end - a.end)[0];
  const segment = last('FinishOwnSegment');
  const assembly = last('JoinFilm');
  return { lastSegmentSeconds: segment ? (segment.end - segment.start) / 1000 : 0, assemblySeconds: assembly ? (assembly.end - assembly.start) / 1000 : 0 };
}

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


type Timed = { created_at: string; completed_at: string | null };
/** Request → completion of one prediction, in seconds (0 while unfinished). */
const took = (p: Timed) => (p.completed_at ? (Date.parse(p.completed_at) - Date.parse(p.created_at)) / 1000 : 0);

/**
 * Strategy keyframes' model time: the anchor, the keyframe batch (first keyframe requested → last
 * completed: they run side by side) and the slowest clip (clips run side by side too).
 */
export function keyframesModelSeconds(predictions: (Timed & { model: string })[]): { anchor: number; keyframeBatch: number; slowestClip: number } {
  const images = predictions.filter((p) => /sdxl/i.test(p.model)).sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  const [anchor, ...keyframes] = images;
  const clips = predictions.filter((p) => !/sdxl/i.test(p.model));
  const first = Math.min(...keyframes.map((p) => Date.parse(p.created_at)));
  const last = Math.max(...keyframes.map((p) => Date.parse(p.completed_at ?? p.created_at)));
  return {
    anchor: anchor ? took(anchor) : 0,
    keyframeBatch: keyframes.length ? (last - first) / 1000 : 0,
    slowestClip: Math.max(0, ...clips.map(took)),
  };
}

/** Σ request → completion of the predictions a run waited for, in seconds. */
export function modelSeconds(predictions: Timed[]): number {
  return predictions.reduce((sum, p) => sum + took(p), 0);
}

/** One handler invocation as the bench timed it. */
export interface Invocation {
  fn: string;
  ms: number;
}

export interface Pricing {
  /** USD per GB-second of Lambda duration, by architecture. */
  lambdaGbSecond: { x86_64: number; arm64: number };
  lambdaRequest: number;
  /** USD per GB-second of /tmp above the free 512 MB. */
  ephemeralGbSecond: number;
  /** USD per Step Functions Standard state transition. */
  stateTransition: number;
}

/** AWS list prices, us-east-1 (Lambda and Step Functions pricing pages). */
export const US_EAST_1: Pricing = {
  lambdaGbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 },
  lambdaRequest: 0.2 / 1e6,
  ephemeralGbSecond: 0.0000000309,
  stateTransition: 0.025 / 1000,
};

export interface FunctionCost {
  fn: string;
  invocations: number;
  seconds: number;
  maxSeconds: number;
  memoryMb: number;
  ephemeralMb: number;
  gbSeconds: number;
  usd: number;
}

export interface RunCost {
  functions: FunctionCost[];
  transitions: number;
  transitionsUsd: number;
  lambdaUsd: number;
  totalUsd: number;
}

/**
 * What one run costs on AWS besides Replicate: Lambda duration (GB-s at each function's memory and
 * architecture, /tmp above 512 MB) and requests, plus Step Functions Standard state transitions.
 */
export function runCost(
  invocations: Invocation[],
  transitions: number,
  sizing: (fn: string) => { memoryMb: number; ephemeralMb: number; arch: 'x86_64' | 'arm64' },
  prices: Pricing = US_EAST_1,
): RunCost {
  const names = [...new Set(invocations.map((i) => i.fn))].sort();
  const functions = names.map((fn) => {
    const mine = invocations.filter((i) => i.fn === fn);
    const { memoryMb, ephemeralMb, arch } = sizing(fn);
    // Lambda bills each invocation's duration rounded up to the millisecond.
    const seconds = mine.reduce((sum, i) => sum + Math.ceil(i.ms) / 1000, 0);
    const gbSeconds = (seconds * memoryMb) / 1024;
    const usd =
      gbSeconds * prices.lambdaGbSecond[arch] +
      ((seconds * Math.max(0, ephemeralMb - 512)) / 1024) * prices.ephemeralGbSecond +
      mine.length * prices.lambdaRequest;
    return { fn, invocations: mine.length, seconds, maxSeconds: Math.max(...mine.map((i) => i.ms / 1000)), memoryMb, ephemeralMb, gbSeconds, usd };
  });
  const lambdaUsd = functions.reduce((sum, f) => sum + f.usd, 0);
  const transitionsUsd = transitions * prices.stateTransition;
  return { functions, transitions, transitionsUsd, lambdaUsd, totalUsd: lambdaUsd + transitionsUsd };
}

/** Step Functions bills each state entered (Map iterations and Parallel branches included). */
export const stateTransitions = (history: HistoryEvent[]) => history.filter((e) => e.type === 'StateEntered').length;

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
  lastSegmentSeconds: number;
  assemblySeconds: number;
  /** The run's AWS cost (Lambda and Step Functions), from its handlers' times and its state transitions. */
  cost: RunCost;
  /** Largest file of each kind, MB; joinTmp: everything JoinFilm holds at once. */
  largestMb: { clip: number; segment: number; audioPiece: number; film: number; joinTmp: number };
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
  keyframesWait: { latency: number; scenes: number; wallSeconds: number; model: ReturnType<typeof keyframesModelSeconds> } | null;
  stages: StageRow[];
  skipped: string[];
}

const f2 = (n: number) => n.toFixed(2);

function stageTable(rows: StageRow[]): string[] {
  const stage = (row: StageRow, state: string) => f2(median(row.stages.map((s) => s[state] ?? 0)));
  return [
    '| storyboard | wall s | film s | Anchor s | Clip s (Σ) | StoreClip s (Σ) | FinishSegment s (Σ) | JoinFilm s |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${f2(median(r.wallSeconds))} | ${f2(r.filmSeconds)} | ${stage(r, 'Anchor')} | ${stage(r, 'Clip')} | ${stage(r, 'StoreClip')} | ` +
        `${f2(median(r.stages.map((s) => (s.FinishPreviousSegment ?? 0) + (s.FinishOwnSegment ?? 0))))} | ${stage(r, 'JoinFilm')} |`,
    ),
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
    keyframesLine(report),
  ];
}

function keyframesLine(report: BenchReport): string {
  const k = report.keyframesWait;
  if (!k) return '| keyframes film ÷ (anchor + keyframe batch + slowest clip) | not measured | ≤ 1.3 |';
  const model = k.model.anchor + k.model.keyframeBatch + k.model.slowestClip;
  return (
    `| ${k.scenes}-scene keyframes film ÷ (anchor + keyframe batch + slowest clip), \`--emulator-latency ${k.latency}\` | ` +
    `${f2(k.wallSeconds / model)} (${f2(k.wallSeconds)} s ÷ (${f2(k.model.anchor)} + ${f2(k.model.keyframeBatch)} + ${f2(k.model.slowestClip)}) s) | ≤ 1.3 |`
  );
}

const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;

/** The AWS cost of the first finishing run's film, per function, and what sizes each function's /tmp. */
function costSection(report: BenchReport): string[] {
  const row = report.finishing[0];
  if (!row) return [];
  const { cost, largestMb: mb } = row;
  const ten = report.finishing.find((r) => r.scenes === 10);
  return [
    `## AWS cost of one film, and Lambda sizing`,
    '',
    `${row.name} at 1920×1080: every handler invocation timed on this machine, priced at each function's deployed`,
    'memory, /tmp and architecture (cdk/sizing.ts) with us-east-1 list prices (Lambda x86_64 $0.0000166667 and arm64',
    '$0.0000133334 per GB-s, $0.20 per million requests, /tmp above 512 MB $0.0000000309 per GB-s; Step Functions',
    'Standard $0.025 per 1,000 state transitions). Replicate is not included. Lambda gives one vCPU per 1,769 MB, so',
    'the 4,096 MB media functions get about 2.3 vCPUs, a little more than this machine\'s 2 cores.',
    '',
    '| function | invocations | Σ s | longest s | memory MB | GB-s | USD |',
    '|---|---|---|---|---|---|---|',
    ...cost.functions.map((f) => `| ${f.fn} | ${f.invocations} | ${f2(f.seconds)} | ${f2(f.maxSeconds)} | ${f.memoryMb} | ${f2(f.gbSeconds)} | ${usd(f.usd)} |`),
    `| Step Functions | ${cost.transitions} state transitions | | | | | ${usd(cost.transitionsUsd)} |`,
    `| **one film** | | | | | | **${usd(cost.totalUsd)}** |`,
    '',
    `Largest files of that film: clip ${f2(mb.clip)} MB, finished segment ${f2(mb.segment)} MB, sound piece ${f2(mb.audioPiece)} MB,` +
      ` film ${f2(mb.film)} MB${ten ? `; the 10-scene film is ${f2(ten.largestMb.film)} MB and costs ${usd(ten.cost.totalUsd)}` : ''}.`,
    '',
    ...sizingReasons(report),
    '',
  ];
}

const longest = (row: FinishingRow, fn: string) => row.cost.functions.find((f) => f.fn === fn)?.maxSeconds ?? 0;
const thousands = (n: number) => n.toLocaleString('en-US');

/** "**fn** (4,096 MB, /tmp 2,048 MB)" as deployed. */
function deployed(row: FinishingRow, fn: string): string {
  const f = row.cost.functions.find((c) => c.fn === fn);
  return f ? `**${fn}** (${thousands(f.memoryMb)} MB, /tmp ${thousands(f.ephemeralMb)} MB)` : `**${fn}**`;
}

/** Why each media function has the memory and /tmp it has, from this run's figures. */
function sizingReasons(report: BenchReport): string[] {
  const [row] = report.finishing;
  const ten = report.finishing.find((r) => r.scenes === 10) ?? row;
  const mb = row.largestMb;
  return [
    'Sizing of the media functions (x86_64; memory buys vCPUs, ffmpeg itself peaks at a few hundred MB):',
    '',
    `- ${deployed(row, 'store-output')}: on a chain's critical path, since the next scene waits for its seed;` +
      ` longest ${f2(longest(row, 'store-output'))} s here. /tmp holds the clip (up to the 1 GB download cap; ${f2(mb.clip)} MB here) and two PNG frames.`,
    `- ${deployed(row, 'finish-segment')}: one x264 encode of a clip, longest ${f2(longest(row, 'finish-segment'))} s here;` +
      ` it overlaps the next clip's generation except for the last clip, so its speed is the finishing time. /tmp holds the clip` +
      ` and its segment (${f2(mb.segment)} MB here, about the clip's size) and sound piece (${f2(mb.audioPiece)} MB).`,
    `- ${deployed(row, 'join-film')}: stream copy and one audio pass, longest ${f2(longest(row, 'join-film'))} s here` +
      ` (${f2(longest(ten, 'join-film'))} s for 10 scenes); it is the rest of the finishing time, so it keeps the vCPUs.` +
      ` /tmp holds every segment and sound piece, the film and the mix: ${f2(ten.largestMb.joinTmp)} MB for the 10-scene film here.`,
  ];
}

export function formatBenchReport(report: BenchReport): string {
  const finishingRows = report.finishing.map(
    (r) =>
      `| ${r.name} | ${f2(r.filmSeconds)} | ${f2(r.finishingSeconds)} | ${f2(r.lastSegmentSeconds)} | ${f2(r.assemblySeconds)} | ` +
      `${f2(r.finishingCpuSeconds)} | ${f2(r.baselineCpuSeconds)} | ${f2(r.finishingCpuSeconds / r.baselineCpuSeconds)} |`,
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
    '| storyboard | film s | last StoreClip exit → JoinFilm exit s | of which: last segment s | assembly s | finishing CPU s | bare re-encode CPU s | ratio |',
    '|---|---|---|---|---|---|---|---|',
    ...finishingRows,
    '',
    '- Finishing time is read from the engine\'s event history: StateExited of the last StoreClip to StateExited',
    '  of JoinFilm (the film, contact sheet, drift chart and continuity report are stored inside JoinFilm).',
    '- CPU is per child: FFMPEG_PATH/FFPROBE_PATH point at an sh wrapper that runs the real binary and records',
    '  its own user + system CPU (the shell\'s `times`, i.e. the rusage `wait4` returns) and its owner; the',
    '  emulator\'s renders are tagged and left out. Finishing CPU sums the handlers\' children started inside a',
    '  StoreClip, FinishPreviousSegment, FinishOwnSegment or JoinFilm state. The baseline is one bare `-filter_complex concat` x264 re-encode of the',
    '  same stored clips with the join\'s settings (veryfast, crf 18, yuv420p, AAC 192k), measured the same way.',
    '- The chain ratio divides the execution\'s wall time (its first to its last event) by Σ (created → completed) of every',
    '  prediction it made (anchor and clips), as the emulator reports them.',
    '',
    ...costSection(report),
    `## Per-stage times (640×360 emulator output, no latency; ${report.rounds} round(s), medians)`,
    '',
    'Stage columns sum each state\'s time over all scenes.',
    '',
    ...stageTable(report.stages),
    '',
    ...(report.skipped.length ? [`Not run: ${report.skipped.join('; ')}.`, ''] : []),
    'Clip time is the emulator rendering with ffmpeg and the webhook round trip; StoreClip stores the clip,',
    'decides its corrections and stores the graded true last frame as the next seed; FinishSegment encodes',
    'each clip\'s finished segment and measures it (in a chain, beside the next clip\'s generation); JoinFilm',
    'assembles the segments by stream copy with one audio pass and writes the contact sheet and continuity',
    'report. On AWS the Clip column is Replicate time (minutes per clip).',
    '',
  ].join('\n');
}
