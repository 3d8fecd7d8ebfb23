// The one-pass recipe's shape (functions/domain/clip-frames.ts); what it yields is proven on real
// ffmpeg in clip-frames.test.ts.
import { describe, expect, it } from 'vitest';
import { clipFramesArgs, SEED_CONVERSION } from '../../functions/domain/clip-frames';
import { headDifferenceFilter } from '../../functions/domain/frozen-frames';
import { lookFramesFilter } from '../../functions/domain/look-recipes';

const FILES = { lastFramePng: 'last.png', looksRaw: 'looks.rgb' };
const graphOf = (args: string[]) => args[args.indexOf('-filter_complex') + 1];

describe('clipFramesArgs', () => {
  it('decodes the first video stream once, for three outputs', () => {
    const args = clipFramesArgs('clip.mp4', { frames: 250, headMotionFrames: 10, lookFrames: [249, 0, 1] }, FILES);
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(graphOf(args)).toMatch(/^\[0:v:0\]split=3\[last\]\[looks\]\[motion\];/);
    expect(args.slice(args.indexOf('-map'))).toEqual([
      '-map', '[lastout]', '-update', '1', 'last.png',
      '-map', '[looksout]', '-f', 'rawvideo', 'looks.rgb',
      '-map', '[motionout]', '-f', 'null', '-',
    ]);
  });

  it('each branch is the recipe it replaces, filter for filter', () => {
    const graph = graphOf(clipFramesArgs('clip.mp4', { frames: 250, headMotionFrames: 10, lookFrames: [249, 0, 1] }, FILES));
    expect(graph).toContain(`[last]select='gte(n\\,249)',scale=flags=${SEED_CONVERSION},format=rgb24[lastout]`);
    expect(graph).toContain(`[looks]${lookFramesFilter([0, 1, 249])}[looksout]`);
    expect(graph).toContain(`${headDifferenceFilter('[motion]', 10)}[motionout]`);
  });

  it.each([0, 1])('measures no motion for headMotionFrames %i', (headMotionFrames) => {
    const args = clipFramesArgs('clip.mp4', { frames: 50, headMotionFrames, lookFrames: [0] }, FILES);
    expect(graphOf(args)).toMatch(/^\[0:v:0\]split=2\[last\]\[looks\];/);
    expect(args).not.toContain('[motionout]');
  });

  it.each([
    [{ frames: 0, headMotionFrames: 0, lookFrames: [0] }, /frames must be a whole number >= 1/],
    [{ frames: 2.5, headMotionFrames: 0, lookFrames: [0] }, /frames must be a whole number >= 1/],
    [{ frames: 10, headMotionFrames: 0, lookFrames: [] }, /lookFrames must name frames 0..9/],
    [{ frames: 10, headMotionFrames: 0, lookFrames: [10] }, /lookFrames must name frames 0..9/],
  ])('refuses %j', (request, message) => {
    expect(() => clipFramesArgs('clip.mp4', request, FILES)).toThrow(message);
  });
});
