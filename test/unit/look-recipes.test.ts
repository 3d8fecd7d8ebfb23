// Frame sampling recipes: which frames, in which order, and decoding that stops after the last.
import { describe, expect, it } from 'vitest';
import { frameOrder, gradeImageArgs, sampleFramesArgs } from '../../functions/domain/look-recipes';

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

describe('gradeImageArgs', () => {
  it('applies the grade to the image’s one frame and writes a PNG', () => {
    expect(gradeImageArgs('a.png', 'eq=saturation=0.9', 'b.png')).toEqual(['-i', 'a.png', '-map', '0:v:0', '-vf', 'eq=saturation=0.9', '-frames:v', '1', '-update', '1', 'b.png']);
  });
});
