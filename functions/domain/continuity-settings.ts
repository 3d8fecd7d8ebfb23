// The storyboard's `continuity` block: what is corrected at each seam, and its defaults.
// Kept apart from the schema so the workflow and the recipes share one set of names and numbers.

export const COLOR_MATCH_MODES = ['anchor', 'off'] as const;
export type ColorMatchMode = (typeof COLOR_MATCH_MODES)[number];

export const LOUDNESS_MODES = ['normalize', 'off'] as const;
export type LoudnessMode = (typeof LOUDNESS_MODES)[number];

export interface ContinuitySettings {
  /** "anchor": every clip is graded towards the anchor before its last frame seeds the next scene. */
  colorMatch: ColorMatchMode;
  /** Near-static head frames found and trimmed, at most (on top of a chained clip's seed frame). */
  maxFrozenHeadFrames: number;
  /** "normalize": each clip is brought to `targetLufs` (integrated, EBU R128) by one gain. */
  loudness: LoudnessMode;
  targetLufs: number;
  /** Equal-power audio crossfade centred on each seam; 0 = hard cut. */
  crossfadeMs: number;
}

export const CONTINUITY_DEFAULTS: ContinuitySettings = {
  colorMatch: 'anchor',
  maxFrozenHeadFrames: 8,
  loudness: 'normalize',
  // -16 LUFS: the level streaming platforms play web video at; leaves room below -1 dBTP.
  targetLufs: -16,
  crossfadeMs: 120,
};

export const CONTINUITY_LIMITS = {
  maxFrozenHeadFrames: 12,
  minTargetLufs: -30,
  maxTargetLufs: -10,
  maxCrossfadeMs: 300,
} as const;
