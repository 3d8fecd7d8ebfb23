// Frame sampling recipes: which frames, in which order, and decoding that stops after the last.
import { describe, expect, it } from 'vitest';
import { EXACT_CONVERSION, frameOrder, framesAsPngsArgs, gradeImageArgs, sampleFramesArgs } from '../../functions/domain/look-recipes';

describe('frameOrder', () => {
  it('keeps distinct whole non-negative indices, ascending', () => {
    expect(frameOrder([9, 3, 3, -1, 2.5, 0])).toEqual([0, 3, 9]);
  });
});

describe('sampleFramesArgs', () => {
  it('selects the frames, stops after the last, area-scales to the raster in exact rgb24', () => {
    const args = sampleFramesArgs('clip.mp4', [7, 2], 'out.rgb');
    expect(args[args.indexOf('-vf') + 1]).toBe("trim=end_frame=8,select='eq(n\\,2)+eq(n\\,7)',scale=160:90:flags=area+accurate_rnd+full_chroma_int,format=rgb24");
    expect(args.slice(-3)).toEqual(['-f', 'rawvideo', 'out.rgb']);
  });
  it.each([[[]], [[-1]]])('refuses %j', (indices) => expect(() => sampleFramesArgs('c', indices, 'o')).toThrow(/no frames/));
});

describe('framesAsPngsArgs and gradeImageArgs', () => {
  it('convert colours exactly', () => {
    expect(framesAsPngsArgs('film.mp4', [5], 'seam-%d.png').slice(0, 2)).toEqual(['-sws_flags', EXACT_CONVERSION]);
    expect(gradeImageArgs('a.png', 'null', 'b.png').slice(0, 2)).toEqual(['-sws_flags', EXACT_CONVERSION]);
  });
  it('refuses no frames', () => expect(() => framesAsPngsArgs('f', [], 'p')).toThrow(/no frames/));
});
