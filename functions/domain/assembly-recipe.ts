// The film from its finished segments (segment-recipe.ts): video by stream copy through the concat
// demuxer (every segment has the same encoder parameters and starts on its own IDR frame), sound in
// one short pass over the segments' raw pieces: each piece cut to its seams' crossfade spans, played
// inverted where seam-polarity.ts says so, crossfaded with equal power and encoded to AAC once. The
// same pass writes the mixed sound as WAV too, so the seams' loudness is measured without decoding
// the film.
import { AUDIO_FORMAT, crossfadeChains, JOIN_SAMPLE_RATE, seamSpans, sec, silentChain, type SeamSpan } from './join-audio';

export interface AssemblySegment {
  /** The segment's video (H.264, no audio). */
  video: string;
  /** Its sound piece (raw stereo f32le), or null for a clip without sound. */
  audio: string | null;
  frames: number;
  samples: number;
  /** Samples the piece holds before and after its kept ones. */
  extensionSamples: number;
  invertPolarity?: boolean;
}

export interface AssemblyOptions {
  out: string;
  /** The concat demuxer's list file (its text is concatList). */
  concatList: string;
  /** The mixed sound as WAV, for measuring the seams. */
  measureAudio: string;
  fps: number;
  crossfadeMs: number;
}

export interface AssemblyPlan {
  args: string[];
  concatList: string;
  totalFrames: number;
  spans: SeamSpan[];
  /** Whether any segment has sound (else the film gets a silent track and nothing to measure). */
  hasSound: boolean;
}

/** A path as the concat demuxer's `file` directive quotes it. */
export function concatEntry(path: string): string {
  return `file '${path.replaceAll("'", "'\\''")}'`;
}

/**
 * The span each seam's crossfade takes, checked against what the pieces hold: a piece cut with a
 * shorter crossfade than the film's cannot serve it.
 */
export function assemblySpans(segments: AssemblySegment[], crossfadeMs: number): SeamSpan[] {
  const spans = seamSpans(segments.map((s) => s.samples), crossfadeMs);
  spans.forEach((span, k) => {
    const [out, inc] = [segments[k], segments[k + 1]];
    if ((out.audio && out.extensionSamples < span.tail) || (inc.audio && inc.extensionSamples < span.head)) {
      throw new RangeError(`assemblyPlan: seam ${k + 1} needs ${span.head}+${span.tail} samples of extension; its pieces hold ${out.extensionSamples} and ${inc.extensionSamples}`);
    }
  });
  return spans;
}

/** Piece k cut to exactly what the film takes of it: its seams' extensions and its kept samples. */
function pieceChain(segment: AssemblySegment, input: number, k: number, head: number, tail: number): string {
  const length = head + segment.samples + tail;
  if (!segment.audio) return `anullsrc=r=${JOIN_SAMPLE_RATE}:cl=stereo,atrim=end_sample=${length},${AUDIO_FORMAT}[c${k}]`;
  const start = segment.extensionSamples - head;
  const invert = segment.invertPolarity ? ',pan=stereo|c0=-1*c0|c1=-1*c1' : '';
  return `[${input}:a]atrim=start_sample=${start}:end_sample=${start + length},asetpts=PTS-STARTPTS,${AUDIO_FORMAT}${invert}[c${k}]`;
}

export function assemblyPlan(segments: AssemblySegment[], opts: AssemblyOptions): AssemblyPlan {
  if (segments.length === 0) throw new Error('assemblyPlan: no segments');
  const totalFrames = segments.reduce((sum, s) => sum + s.frames, 0);
  const hasSound = segments.some((s) => s.audio);
  const spans = assemblySpans(segments, hasSound ? opts.crossfadeMs : 0);
  const inputs: string[] = ['-f', 'concat', '-safe', '0', '-i', opts.concatList];
  const chains: string[] = [];
  if (!hasSound) {
    chains.push(silentChain(Math.round((totalFrames / opts.fps) * JOIN_SAMPLE_RATE)));
  } else {
    let input = 1;
    segments.forEach((segment, k) => {
      if (segment.audio) inputs.push('-f', 'f32le', '-ar', String(JOIN_SAMPLE_RATE), '-ac', '2', '-i', segment.audio);
      chains.push(pieceChain(segment, segment.audio ? input++ : -1, k, spans[k - 1]?.head ?? 0, spans[k]?.tail ?? 0));
    });
    chains.push(...crossfadeChains(segments.length, spans, 'mix'), '[mix]asplit=2[a][m]');
  }
  const args = [
    ...inputs,
    '-filter_complex', chains.join(';'),
    '-map', '0:v', '-map', '[a]',
    '-c:v', 'copy',
    '-c:a', 'aac', '-b:a', '192k', '-ar', String(JOIN_SAMPLE_RATE), '-ac', '2',
    '-movflags', '+faststart', opts.out,
    ...(hasSound ? ['-map', '[m]', '-c:a', 'pcm_f32le', opts.measureAudio] : []),
  ];
  return { args, concatList: `${segments.map((s) => concatEntry(s.video)).join('\n')}\n`, totalFrames, spans, hasSound };
}

/** Seconds at which each seam falls in the film. */
export function seamTimes(segments: Pick<AssemblySegment, 'frames'>[], fps: number): number[] {
  let frame = 0;
  return segments.slice(0, -1).map((s) => Number(sec((frame += s.frames) / fps)));
}
