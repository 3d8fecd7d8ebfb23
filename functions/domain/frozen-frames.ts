// Frozen frames: how much a clip's picture moves from one frame to the next, as ffmpeg measures it,
// and what that says about a clip's static head and about repeated frames at the film's seams.
// Pure: argument arrays in, numbers out; functions/adapters/frame-motion.ts runs ffmpeg.

/**
 * Mean absolute luma difference (8-bit scale, at MOTION_WIDTH) below which a frame counts as a repeat
 * of the one before it. Near-static frames measure < 0.5, moving pictures >= 2 (docs/design-notes.md,
 * "Frozen heads"): 1.0 sits a factor of two from each.
 */
export const FROZEN_FRAME_THRESHOLD = 1.0;

/** Frames are compared at this width, so that encoder noise averages out before the difference. */
export const MOTION_WIDTH = 160;

/** Frames each side of a seam searched for repeated frames. */
export const SEAM_WINDOW = 6;

/** A frame's difference to the frame before it in the same pass. */
export interface FrameDifference {
  /** Index of the later frame in the decoded stream (0-based). */
  frame: number;
  diff: number;
}

/**
 * Frames numbered by their decode order (setpts=N before any pick, so the printed pts is the index
 * in the file, not in the selection), made small and grey, differenced against the previous frame
 * (tblend), averaged (signalstats YAVG) and printed to stdout: one `frame:… pts:N …` line and one
 * `lavfi.signalstats.YAVG=…` line per compared pair.
 */
function differenceChain(picks: string, input = '[0:v:0]'): string {
  return (
    `${input}setpts=N,${picks}scale=${MOTION_WIDTH}:-2,format=gray,tblend=all_mode=difference,` +
    'signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=-'
  );
}

// The frames leaving the graph are thrown away; -vsync vfr drops the ones setpts=N gave equal
// output timestamps without an error line each.
function outputArgs(input: string, filtergraph: string): string[] {
  return [
    '-v', 'error', '-i', input, '-an', '-sn', '-dn',
    '-filter_complex', filtergraph, '-vsync', 'vfr', '-f', 'null', '-',
  ];
}

/** Differences for frames 1..count-1 of `clip`; trim ends the graph, so ffmpeg decodes no further. */
export function headDifferenceArgs(clip: string, count: number): string[] {
  return outputArgs(clip, headDifferenceFilter('[0:v:0]', count));
}

/** The filters of headDifferenceArgs fed from `input`, for a graph that also does other work. */
export function headDifferenceFilter(input: string, count: number): string {
  return differenceChain(`trim=end_frame=${wholeAtLeast(count, 2, 'count')},`, input);
}

/** Closed frame ranges [from, to], sorted and merged where they overlap or touch. */
export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of sorted) {
    const last = merged.at(-1);
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** The frames looked at around each seam: [seam - window, seam + window], clipped at frame 0. */
export function seamWindows(seamFrames: number[], window: number): Array<[number, number]> {
  wholeAtLeast(window, 1, 'window');
  return seamFrames.map((seam, i) => {
    wholeAtLeast(seam, 0, `seamFrames[${i}]`);
    return [Math.max(0, seam - window), seam + window];
  });
}

/**
 * One pass over the film: only the frames near a seam are selected (decoding stops after the last
 * one). tblend then also compares the last frame of one window with the first of the next; those
 * pairs are not neighbours in the film and stillRun never asks for them.
 */
export function seamDifferenceArgs(film: string, windows: Array<[number, number]>): string[] {
  const ranges = mergeRanges(windows);
  if (ranges.length === 0) throw new RangeError('seamDifferenceArgs: no seam windows');
  const end = ranges.at(-1)![1] + 1;
  const between = ranges.map(([from, to]) => `between(n\\,${from}\\,${to})`).join('+');
  return outputArgs(film, differenceChain(`trim=end_frame=${end},select=${between},`));
}

/** Pairs `frame:… pts:N` lines with the YAVG line that follows; anything else is ignored. */
export function parseFrameDifferences(stdout: string): FrameDifference[] {
  const out: FrameDifference[] = [];
  let frame: number | null = null;
  for (const line of stdout.split('\n')) {
    const head = /^frame:\s*\d+\s+pts:\s*(-?\d+)/.exec(line);
    if (head) {
      frame = Number(head[1]);
      continue;
    }
    const value = /^lavfi\.signalstats\.YAVG=(\S+)/.exec(line.trim());
    if (value && frame !== null) {
      const diff = Number(value[1]);
      if (Number.isFinite(diff)) out.push({ frame, diff });
      frame = null;
    }
  }
  return out;
}

/** Differences of frames 1..count-1 in order, stopping at the first frame the output lacks. */
export function headDifferences(measured: FrameDifference[], count: number): number[] {
  const byFrame = new Map(measured.map(({ frame, diff }) => [frame, diff]));
  const diffs: number[] = [];
  for (let frame = 1; frame < count && byFrame.has(frame); frame++) diffs.push(byFrame.get(frame)!);
  return diffs;
}

export interface FrozenHeadOptions {
  /** At most this many frames are reported (continuity.maxFrozenHeadFrames). */
  max: number;
  threshold?: number;
}

/**
 * k: how many of frames 1..k each look like the frame before them (diffs[i] is frame i+1's
 * difference to frame i), at most `max`. Frame 0 is the model's rendition of its input and is not
 * counted: a chained clip trims 1 + k frames, an independent one k.
 */
export function frozenHeadFrames(diffs: number[], { max, threshold = FROZEN_FRAME_THRESHOLD }: FrozenHeadOptions): number {
  wholeAtLeast(max, 0, 'max');
  let k = 0;
  while (k < max && k < diffs.length && diffs[k] < threshold) k++;
  return k;
}

/**
 * The longest run of identical-looking frames in a row within [from, to]: 1 when every frame
 * differs from the one before it, 2 for one repeated frame, and so on. A pair missing from
 * `byFrame` (past the end of the film) breaks a run.
 */
export function stillRun(byFrame: Map<number, number>, [from, to]: [number, number], threshold = FROZEN_FRAME_THRESHOLD): number {
  let longest = 1;
  let run = 1;
  for (let frame = from + 1; frame <= to; frame++) {
    const diff = byFrame.get(frame);
    run = diff !== undefined && diff < threshold ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** For each seam window, the longest still run in it. */
export function stillRunsIn(measured: FrameDifference[], windows: Array<[number, number]>, threshold?: number): number[] {
  const byFrame = new Map(measured.map(({ frame, diff }) => [frame, diff]));
  return windows.map((window) => stillRun(byFrame, window, threshold));
}

function wholeAtLeast(value: number, min: number, name: string): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number >= ${min}; got ${value}`);
  }
  return value;
}

/** Mean absolute difference of two grey frames of the same size: what tblend=difference + YAVG measure. */
export function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`meanAbsoluteDifference: frames of ${a.length} and ${b.length} bytes`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/**
 * The longest run of identical-looking frames in a row across a seam, from the frames each side of it:
 * the outgoing segment's last differences, the difference across the seam, the incoming segment's
 * first. Within SEAM_WINDOW frames each side, as stillRunsIn measures a film.
 */
export function seamStillRun(outgoingTail: number[], across: number, incomingHead: number[], threshold = FROZEN_FRAME_THRESHOLD): number {
  const diffs = [...outgoingTail.slice(-(SEAM_WINDOW - 1)), across, ...incomingHead.slice(0, SEAM_WINDOW)];
  // Numbered as frames 1..n of the window, each against the frame before it.
  return stillRun(new Map(diffs.map((diff, i) => [i + 1, diff])), [0, diffs.length], threshold);
}
