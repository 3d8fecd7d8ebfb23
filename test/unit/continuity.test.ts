// Head trims: a chained clip drops its seed frame and its frozen frames; others keep one first frame.
import { describe, expect, it } from 'vitest';
import { headTrimFrames } from '../../functions/domain/continuity';

const base = { strategy: 'chain' as const, index: 2, frames: 250, frozenHeadFrames: 0, trimSeedFrame: true, extraTrimFrames: 0 };

describe('headTrimFrames', () => {
  it.each([
    ['chained scene 2, no frozen frames', {}, 1],
    ['chained scene 2, 4 frozen frames', { frozenHeadFrames: 4 }, 5],
    ['chained scene 2, seed frame kept', { trimSeedFrame: false, frozenHeadFrames: 4 }, 4],
    ['chained scene 2, 2 extra', { extraTrimFrames: 2, frozenHeadFrames: 1 }, 4],
    ['scene 1 of a chain keeps its first picture', { index: 1, frozenHeadFrames: 3, extraTrimFrames: 2 }, 3],
    ['independent scene 2: no seed frame to drop', { strategy: 'independent' as const, frozenHeadFrames: 2 }, 2],
    ['single', { strategy: 'single' as const, index: 1, frozenHeadFrames: 6 }, 6],
    ['never the whole clip', { frames: 4, frozenHeadFrames: 6 }, 3],
    ['fractions and negatives are floored at 0', { frozenHeadFrames: -2, extraTrimFrames: 1.7 }, 2],
  ])('%s → %d', (_what, change, expected) => {
    expect(headTrimFrames({ ...base, ...change })).toBe(expected);
  });
});
