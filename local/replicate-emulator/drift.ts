// How a "realistic" LTX-2 stand-in departs from its input, per generation (facts.md, "Chaining clips"):
// colour creep that compounds when the last frame is fed back, a small cast, a first frame that is a
// regraded, shifted and softened rendition of the input, a few near-static head frames, and audio whose
// loudness and timbre differ per clip. Pure: every number comes from a hash of the generation's inputs.
import { createHash } from 'node:crypto';

export const EMULATOR_DRIFT_MODES = ['realistic', 'none'] as const;
export type EmulatorDrift = (typeof EMULATOR_DRIFT_MODES)[number];

export function isEmulatorDrift(value: unknown): value is EmulatorDrift {
  return EMULATOR_DRIFT_MODES.includes(value as EmulatorDrift);
}

/** What a generation depends on; the same inputs always give the same clip. */
export interface GenerationInputs {
  prompt: string;
  /** Bytes of the input image (the prompt card when there is none). */
  image: Uint8Array;
  duration: number;
  fps: number;
  width: number;
  height: number;
  /** The `seed` input, when the caller gave one. */
  seed?: number;
}

export type NoiseColour = 'white' | 'pink' | 'brown';

export interface Timbre {
  baseHz: number;
  /** Harmonics above the fundamental (0 = pure tone). */
  overtones: number;
  /** Starting phase of each partial, radians: generated sound does not start every partial at 0. */
  phases: number[];
  /** Amplitude of harmonic k is 1/k^rolloff. */
  rolloff: number;
  tremoloHz: number;
  /** 0..1 depth of the amplitude wobble. */
  tremoloDepth: number;
  /** Fade-in from near silence at the start, as LTX sound can (facts.md). */
  attackSec: number;
  noise: NoiseColour;
  /** Amplitude of the noise bed relative to the tone. */
  noiseLevel: number;
}

export interface ClipDrift {
  /** Saturation and contrast multipliers reached at the last frame. */
  saturation: number;
  contrast: number;
  /** Share (0..1) of that creep already present at frame 0; the rest grows linearly to the last frame. */
  atFirstFrame: number;
  /** Luma offset (8-bit levels), present from frame 0. */
  brightness: number;
  /** Chroma offsets (8-bit U/V levels): the colour cast, present from frame 0. */
  cast: { u: number; v: number };
  /** Frame 0 is displaced by this many pixels and blurred with this sigma; both ease out over settleSec. */
  shift: { x: number; y: number };
  blurSigma: number;
  settleSec: number;
  /** Frames after frame 0 that repeat it before motion starts. */
  staticHeadFrames: number;
  /** Integrated loudness relative to NOMINAL_LUFS. */
  loudnessOffsetLu: number;
  timbre: Timbre;
}

/** Where every clip's audio sits before its per-generation offset. */
export const NOMINAL_LUFS = -20;
export const MAX_LOUDNESS_OFFSET_LU = 6;
export const MAX_STATIC_HEAD_FRAMES = 6;

/**
 * Whole U/V levels: ffmpeg's lut rounds fractions away. One level on one axis is ≈1.3 ΔE2000 on a
 * mid-tone picture, one on each ≈2.5.
 */
const CAST_DIRECTIONS: [number, number][] = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]];

/** Unit-interval draws from a hash: draw(i) is byte i scaled to 0..1. */
function draws(hash: Buffer) {
  return (i: number) => hash[i % hash.length] / 255;
}

/** The hash every parameter of one generation derives from. */
export function generationHash(inputs: GenerationInputs): Buffer {
  const image = createHash('sha256').update(inputs.image).digest('hex');
  const { prompt, duration, fps, width, height, seed } = inputs;
  return createHash('sha256')
    .update(JSON.stringify([prompt, image, duration, fps, width, height, seed ?? null]))
    .digest();
}

function timbreFrom(draw: (i: number) => number): Timbre {
  const colours: NoiseColour[] = ['white', 'pink', 'brown'];
  return {
    // Not a round number, random phases and always a noise bed: generated sound is broadband, so two
    // clips' sound tracks are uncorrelated, as real ones are (pure in-phase tones would cancel in a crossfade).
    baseHz: Math.round((110 + draw(20) * 220) * 100) / 100,
    overtones: Math.floor(draw(21) * 5),
    phases: Array.from({ length: 5 }, (_, k) => Math.round(draw(28 + k) * 2 * Math.PI * 1000) / 1000),
    rolloff: 0.8 + draw(22) * 1.4,
    // Slow, shallow tremolo, and sound that fades in from near silence over up to 0.65 s (facts.md:
    // a known seam problem of image-to-video models).
    tremoloHz: 0.2 + draw(23) * 0.8,
    tremoloDepth: draw(24) * 0.2,
    attackSec: 0.05 + draw(25) * 0.6,
    noise: colours[Math.floor(draw(26) * 2.999)],
    noiseLevel: 0.2 + draw(27) * 0.5,
  };
}

/** A simple stand-in: a timbre from the prompt only, at the nominal loudness. */
function plainTimbre(prompt: string): Timbre {
  const draw = draws(createHash('sha256').update(prompt).digest());
  return { ...timbreFrom(draw), noiseLevel: 0, attackSec: 0.01 };
}

const NO_DRIFT = {
  saturation: 1, contrast: 1, brightness: 0, atFirstFrame: 0, cast: { u: 0, v: 0 },
  shift: { x: 0, y: 0 }, blurSigma: 0, settleSec: 0.4, staticHeadFrames: 0, loudnessOffsetLu: 0,
} as const;

/**
 * The departures of one generation. `none` is the plain stand-in: frame 0 is the scaled input, no creep,
 * no static head, one loudness. Ranges per clip (realistic): saturation +5..+9 %, contrast +3..+6 %,
 * brightness ±2..4 levels, a cast of about 1–2.5 ΔE2000, 1–3 px shift, 0–6 static head frames, ±6 LU.
 */
export function clipDrift(mode: EmulatorDrift, inputs: GenerationInputs): ClipDrift {
  if (mode === 'none') return { ...NO_DRIFT, cast: { u: 0, v: 0 }, shift: { x: 0, y: 0 }, timbre: plainTimbre(inputs.prompt) };
  const draw = draws(generationHash(inputs));
  const sign = (i: number) => (draw(i) < 0.5 ? -1 : 1);
  const cast = CAST_DIRECTIONS[Math.floor(draw(6) * 7.999)];
  return {
    saturation: 1.07 + draw(0) * 0.04,
    contrast: 1.04 + draw(1) * 0.03,
    brightness: sign(2) * (2 + Math.floor(draw(3) * 2.999)),
    atFirstFrame: 0.3 + draw(4) * 0.2,
    cast: { u: cast[0], v: cast[1] },
    shift: { x: sign(8) * (1 + Math.floor(draw(9) * 2.999)), y: sign(10) * Math.floor(draw(11) * 2.999) },
    blurSigma: 0.6 + draw(12) * 0.6,
    settleSec: 0.3 + draw(13) * 0.2,
    staticHeadFrames: Math.floor(draw(14) * (MAX_STATIC_HEAD_FRAMES + 0.999)),
    loudnessOffsetLu: round2((draw(15) * 2 - 1) * MAX_LOUDNESS_OFFSET_LU),
    timbre: timbreFrom(draw),
  };
}

function round2(n: number) {
  return Math.round(n * 100) / 100;
}

/** Creep share (0..1) at `t` seconds: `atFirstFrame` until motion starts, 1 at the last frame. */
export function creepShare(drift: ClipDrift, t: number, headSec: number, lastSec: number): number {
  const span = Math.max(lastSec - headSec, 1e-6);
  const progress = Math.min(1, Math.max(0, (t - headSec) / span));
  return drift.atFirstFrame + (1 - drift.atFirstFrame) * progress;
}

/** Gains after `hops` clips chained from last frames, with nothing correcting them: they compound. */
export function compoundedCreep(drifts: Pick<ClipDrift, 'saturation' | 'contrast'>[]) {
  return drifts.reduce(
    (acc, d) => ({ saturation: acc.saturation * d.saturation, contrast: acc.contrast * d.contrast }),
    { saturation: 1, contrast: 1 },
  );
}
