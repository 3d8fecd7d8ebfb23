// Loudness, pure: ffmpeg arguments that measure it (EBU R128 via the ebur128 filter, RMS via
// volumedetect), parsers for what ffmpeg prints, and the gain that brings a clip to the film's target.
// The adapter (../adapters/loudness.ts) runs them.
import type { LoudnessMode } from './continuity-settings';

/** A clip's integrated loudness (EBU R128, LUFS) and true peak (dBTP). */
export interface Loudness {
  integratedLufs: number;
  truePeakDbtp: number;
}

/** A gain never pushes a clip's true peak above this (EBU R128's streaming ceiling). */
export const MAX_TRUE_PEAK_DBTP = -1;
/** ebur128 prints this when no 400 ms block passes the absolute gate: silence, nothing to measure. */
const R128_ABSOLUTE_GATE_LUFS = -70;
/** volumedetect works on 16-bit samples: digital silence reads about -91 dB. */
const SILENT_RMS_DB = -90;

/** Decodes only the first audio stream; per-frame logging stays below the default log level. */
export function loudnessArgs(file: string): string[] {
  return ['-nostats', '-i', file, '-map', '0:a:0', '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'];
}

/** ffprobe arguments that print the index of the first audio stream, or nothing when there is none. */
export function audioStreamArgs(file: string): string[] {
  return ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=index', '-of', 'csv=p=0', file];
}

// ebur128 and volumedetect print -inf for digital silence.
const num = (text: string) => (text === '-inf' ? -Infinity : Number(text));
const NUMBER = '(-inf|-?\\d+(?:\\.\\d+)?)';

/**
 * Every ebur128 summary in ffmpeg's log, by filter instance (`Parsed_ebur128_0`, or `ebur128@name`
 * when the graph names it). A summary without a true-peak section (peak mode off) has truePeakDbtp NaN.
 */
export function parseEbur128Summaries(stderr: string): Map<string, Loudness> {
  const found = new Map<string, Loudness>();
  const header = /^\[(\S+) @ [^\]]+\] Summary:$/gm;
  const starts = [...stderr.matchAll(header)];
  starts.forEach((match, k) => {
    // The summary is one log call: its lines carry no prefix until the next "[filter @ …]" line.
    const rest = stderr.slice(match.index! + match[0].length, starts[k + 1]?.index ?? stderr.length);
    const body = rest.split(/^\[/m)[0];
    const integrated = new RegExp(`^\\s*I:\\s+${NUMBER} LUFS`, 'm').exec(body);
    if (!integrated) return;
    const peak = new RegExp(`^\\s*Peak:\\s+${NUMBER} dBFS`, 'm').exec(body);
    found.set(match[1], { integratedLufs: num(integrated[1]), truePeakDbtp: peak ? num(peak[1]) : NaN });
  });
  return found;
}

/** Mean (RMS) level in dBFS of every volumedetect instance in ffmpeg's log. */
export function parseVolumeDetect(stderr: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of stderr.matchAll(new RegExp(`^\\[(\\S+) @ [^\\]]+\\] mean_volume: ${NUMBER} dB$`, 'gm'))) {
    found.set(match[1], num(match[2]));
  }
  return found;
}

/** The one summary `loudnessArgs` produces; null when the audio is silent (below the R128 gate). */
export function parseLoudness(stderr: string): Loudness | null {
  const summaries = [...parseEbur128Summaries(stderr).values()];
  if (summaries.length !== 1) throw new Error(`expected one ebur128 summary in ffmpeg's output, found ${summaries.length}`);
  const [summary] = summaries;
  if (!(summary.integratedLufs > R128_ABSOLUTE_GATE_LUFS)) return null;
  if (!Number.isFinite(summary.truePeakDbtp)) throw new Error('ebur128 summary has no true peak (peak=true missing?)');
  return summary;
}

export interface LoudnessGain {
  gainDb: number;
  /** True when the gain to the target would have pushed the true peak above MAX_TRUE_PEAK_DBTP. */
  capped: boolean;
}

/**
 * The single gain that brings a clip to `targetLufs`: 0 when normalisation is off or the clip had
 * nothing to measure; never more than keeps its true peak at or below -1 dBTP.
 */
export function loudnessGainDb(
  measured: Loudness | null,
  opts: { loudness: LoudnessMode; targetLufs: number },
): LoudnessGain {
  if (opts.loudness === 'off' || measured === null) return { gainDb: 0, capped: false };
  const toTarget = opts.targetLufs - measured.integratedLufs;
  const ceiling = MAX_TRUE_PEAK_DBTP - measured.truePeakDbtp;
  const round = (db: number) => Math.round(db * 100) / 100 || 0;
  return toTarget > ceiling ? { gainDb: round(ceiling), capped: true } : { gainDb: round(toTarget), capped: false };
}

/** Seam figures: loudness of the 2 s each side, and the level within ±150 ms against the 2 s around it. */
export interface SeamAudio {
  /** Integrated loudness (LUFS) of the 2 s before / after the seam; null when that side is silent. */
  beforeLufs: number | null;
  afterLufs: number | null;
  /** |after − before| in LU; null when a side is silent. */
  jumpLu: number | null;
  /**
   * RMS level at the seam minus that of the 2 s centred on it (negative = dip); null in silence. The
   * level at the seam is the lower of the RMS within ±150 ms and within ±50 ms: the wide window alone
   * averages a 40 ms fade-out/fade-in gap down to -0.7 dB (see docs/design-notes.md, "Audio seams").
   */
  dipDb: number | null;
}

export const SEAM_WINDOWS = { loudnessSec: 2, dipHalfSec: [0.15, 0.05], surroundHalfSec: 1 } as const;

const t = (s: number) => Number(Math.max(0, s).toFixed(6)).toString();
const names = (k: number) => ({
  before: `ebur128@seam${k}before`,
  after: `ebur128@seam${k}after`,
  dip: `volumedetect@seam${k}dip`,
  dipShort: `volumedetect@seam${k}dipshort`,
  around: `volumedetect@seam${k}around`,
});

/**
 * One audio-only pass over the film: the stream is split into five windows per seam, each measured
 * by a named filter instance whose summary `parseSeamAudio` reads back. The last branch carries the
 * whole stream to the null output, so no window's end can stop the decode early.
 */
export function seamAudioArgs(film: string, seamsSec: number[]): string[] {
  const { loudnessSec: l, dipHalfSec: [d, e], surroundHalfSec: s } = SEAM_WINDOWS;
  const windows = seamsSec.flatMap((at, k) => {
    const n = names(k);
    return [
      `atrim=start=${t(at - l)}:end=${t(at)},${n.before}=framelog=verbose`,
      `atrim=start=${t(at)}:end=${t(at + l)},${n.after}=framelog=verbose`,
      `atrim=start=${t(at - d)}:end=${t(at + d)},${n.dip}`,
      `atrim=start=${t(at - e)}:end=${t(at + e)},${n.dipShort}`,
      `atrim=start=${t(at - s)}:end=${t(at + s)},${n.around}`,
    ];
  });
  const labels = windows.map((_, i) => `[w${i}]`).join('');
  const graph = [`asplit=${windows.length + 1}${labels}`, ...windows.map((w, i) => `[w${i}]${w},anullsink`)].join(';');
  // The passthrough is asplit's last, unlabelled output: it becomes the graph's output.
  return ['-nostats', '-i', film, '-map', '0:a:0', '-af', graph, '-f', 'null', '-'];
}

const round1 = (x: number) => Math.round(x * 10) / 10 || 0;

export function parseSeamAudio(stderr: string, seamCount: number): SeamAudio[] {
  const loudness = parseEbur128Summaries(stderr);
  const rms = parseVolumeDetect(stderr);
  const need = <T>(map: Map<string, T>, name: string): T => {
    const value = map.get(name);
    if (value === undefined) throw new Error(`ffmpeg printed no summary for ${name}`);
    return value;
  };
  return Array.from({ length: seamCount }, (_, k) => {
    const n = names(k);
    const gated = (lufs: number) => (lufs > R128_ABSOLUTE_GATE_LUFS ? lufs : null);
    const beforeLufs = gated(need(loudness, n.before).integratedLufs);
    const afterLufs = gated(need(loudness, n.after).integratedLufs);
    const around = need(rms, n.around);
    const dip = Math.min(need(rms, n.dip), need(rms, n.dipShort));
    return {
      beforeLufs,
      afterLufs,
      jumpLu: beforeLufs === null || afterLufs === null ? null : round1(Math.abs(afterLufs - beforeLufs)),
      dipDb: around > SILENT_RMS_DB ? round1(Math.max(dip, SILENT_RMS_DB) - around) : null,
    };
  });
}
