// correctClip with stand-in measurements: what it asks StoreClip's one decode for, and what it makes
// of the answer. The decode itself is proven on real ffmpeg in clip-frames.test.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctClip, type ClipAnalysis, type CorrectionInput } from '../../functions/workflow/clip-corrections';
import type { ClipFramesRequest } from '../../functions/domain/clip-frames';
import { CONTINUITY_DEFAULTS } from '../../functions/domain/continuity-settings';
import { LOOK_RASTER } from '../../functions/domain/look-recipes';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-clip-corrections-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const grey = (level: number) => ({ ...LOOK_RASTER, pixels: Buffer.alloc(LOOK_RASTER.width * LOOK_RASTER.height * 3, level) });

/** Stand-ins: head differences as given, every frame flat grey, no audio figures. */
function standIn(differences: number[]): ClipAnalysis & { requests: ClipFramesRequest[] } {
  const requests: ClipFramesRequest[] = [];
  return {
    requests,
    async readClipFrames(_clip, request, scratch) {
      requests.push(request);
      const lastFrame = join(scratch, 'last.png');
      await writeFile(lastFrame, 'the last frame');
      return { lastFrame, headDifferences: differences, looks: new Map(request.lookFrames.map((n) => [n, grey(100)])) };
    },
    measureLoudness: async () => null,
    measureOnset: async () => null,
    loudnessGainDb: () => ({ gainDb: 0, capped: false }),
  };
}

function input(index: number, maxFrozenHeadFrames: number): CorrectionInput {
  return {
    plan: {
      strategy: 'chain',
      join: { trimSeedFrame: true, extraTrimFrames: 0, fps: 25 },
      continuity: { ...CONTINUITY_DEFAULTS, colorMatch: 'off', maxFrozenHeadFrames },
    } as CorrectionInput['plan'],
    index,
    clip: join(dir, 'clip.mp4'),
    frames: 250,
    hasAudio: false,
    dir,
  };
}

describe('correctClip', () => {
  it('asks one decode for motion over max + 2 head frames, the frames any trim keeps first, and the last 3', async () => {
    const analysis = standIn([]);
    await correctClip(input(2, 8), analysis);
    expect(analysis.requests).toEqual([
      { frames: 250, headMotionFrames: 10, lookFrames: [...Array.from({ length: 12 }, (_, n) => n), 247, 248, 249] },
    ]);
  });

  it('asks for no motion when frozen heads are not trimmed', async () => {
    const analysis = standIn([0, 0, 0]);
    const { corrections } = await correctClip(input(2, 0), analysis);
    expect(analysis.requests[0].headMotionFrames).toBe(0);
    expect(corrections.frozenHeadFrames).toBe(0);
  });

  it.each([
    [[0.2, 0.3, 3, 3], 2, 3],
    [[3, 0.2], 0, 1],
    [[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 8, 9],
  ])('differences %j: %i frozen frames, a later chained clip trims %i', async (differences, frozen, trim) => {
    const { corrections } = await correctClip(input(2, 8), standIn(differences));
    expect(corrections.frozenHeadFrames).toBe(frozen);
    expect(corrections.headTrimFrames).toBe(trim);
  });

  it('without colour matching the seed is the last frame as decoded', async () => {
    const { seed } = await correctClip(input(2, 8), standIn([]));
    expect(await readFile(seed, 'utf8')).toBe('the last frame');
  });
});
