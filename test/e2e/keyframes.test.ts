// Strategy keyframes end to end: the anchor, one SDXL image-to-image keyframe per scene end (all at
// once), then every scene at once pinned between the keyframes around it, joined into one film.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderedOnce } from './rendered-once';
import { decodeFirstFrame, decodeLastFrame, probeVideo, ssim, worstFrameStepError } from './film-checks';

const storyboard = {
  title: 'Lighthouse keyframes',
  strategy: 'keyframes',
  model: 'ltx-2.3-fast',
  clip: { duration: 6, fps: 25 },
  scenes: [
    { name: 'dusk', prompt: 'A lighthouse at dusk, waves rolling in' },
    { name: 'beam', prompt: 'The lighthouse beam sweeps over the dark sea' },
    { name: 'night', prompt: 'Stars above the lighthouse, the sea calm' },
  ],
};

// No drift: frame 0 is the scaled input, so both ends of every clip can be checked against the keyframes.
const run = renderedOnce('keyframes', () => storyboard, { emulator: { drift: 'none' } });

const predictionsOf = (kind: 'image' | 'video') => {
  const ids = run.result.manifest.steps.filter((s) => s.kind === kind && s.step !== 'anchor').map((s) => s.predictionId);
  return run.stack.emulator!.predictions().filter((p) => ids.includes(p.id));
};
const entered = (state: string) => run.result.history.filter((e) => e.type === 'StateEntered' && e.state === state).map((e) => e.at);
const firstExit = (state: string) => Math.min(...run.result.history.filter((e) => e.type === 'StateExited' && e.state === state).map((e) => e.at));
const keyframeFile = (n: number) => join(run.result.dir, n === 0 ? 'seeds/0.png' : `keyframes/${n}.png`);

describe('render a 3-scene keyframes storyboard (ltx-2.3-fast, 3 × 6 s)', () => {
  it('succeeds with the anchor, three keyframes and three clips stored, steps in order', () => {
    expect(run.result.exitCode).toBe(0);
    for (const file of ['final.mp4', 'anchor.png', 'keyframes/1.png', 'keyframes/2.png', 'keyframes/3.png', 'scenes/3/clip.mp4']) {
      expect(existsSync(join(run.result.dir, file)), file).toBe(true);
    }
    expect(run.result.manifest.steps.map((s) => s.step)).toEqual(['anchor', 'keyframe-1', 'keyframe-2', 'keyframe-3', 'scene-1', 'scene-2', 'scene-3']);
  });

  it('makes every keyframe from the stored anchor with one seed, all at once, before any scene starts', () => {
    const inputs = predictionsOf('image').map((p) => p.input);
    expect(inputs).toHaveLength(3);
    for (const input of inputs) expect(new URL(input.image as string).pathname).toMatch(/\/seeds\/0\.png$/);
    expect(new Set(inputs.map((i) => i.seed)).size).toBe(1);
    expect(entered('Keyframe')).toHaveLength(3);
    expect(Math.max(...entered('Keyframe'))).toBeLessThan(firstExit('StoreKeyframe'));
    const keyframesDone = Math.max(...run.result.history.filter((e) => e.type === 'StateExited' && e.state === 'StoreKeyframe').map((e) => e.at));
    expect(Math.min(...entered('Clip'))).toBeGreaterThanOrEqual(keyframesDone);
  });

  it('runs the scenes in parallel, scene n given keyframe n-1 as image and keyframe n as last_frame_image', () => {
    const inputs = predictionsOf('video').map((p) => p.input);
    const path = (url: unknown) => new URL(url as string).pathname;
    expect(inputs.map((i) => [path(i.image).replace(/.*\/runs\/[^/]+\//, ''), path(i.last_frame_image).replace(/.*\/runs\/[^/]+\//, '')]).sort()).toEqual([
      ['keyframes/1.png', 'keyframes/2.png'],
      ['keyframes/2.png', 'keyframes/3.png'],
      ['seeds/0.png', 'keyframes/1.png'],
    ]);
    expect(entered('Clip')).toHaveLength(3);
    expect(Math.max(...entered('Clip'))).toBeLessThan(firstExit('StoreClip'));
  });

  it.each([1, 2, 3])('clip %i starts on keyframe n-1 and ends exactly on keyframe n', async (n) => {
    const clip = join(run.result.dir, `scenes/${n}/clip.mp4`);
    const first = await decodeFirstFrame(clip, run.dir, `first-${n}`);
    const last = await decodeLastFrame(clip, run.dir, `last-${n}`);
    expect(await ssim(first, keyframeFile(n - 1)), `first frame of clip ${n} vs keyframe ${n - 1}`).toBeGreaterThan(0.97);
    expect(await ssim(last, keyframeFile(n)), `last frame of clip ${n} vs keyframe ${n}`).toBeGreaterThan(0.97);
  });

  it('joins without dropping a seed frame (only frozen heads), graded, with continuous timestamps and sound', async () => {
    const film = await probeVideo(run.result.film!);
    const corrections = run.result.manifest.steps.flatMap((s) => (s.corrections ? [s.corrections] : []));
    expect(corrections).toHaveLength(3);
    for (const c of corrections) expect(c.headTrimFrames).toBe(c.frozenHeadFrames);
    for (const c of corrections) expect(c.grade).not.toBeNull();
    expect(film.frames).toBe(450 - corrections.reduce((sum, c) => sum + c.headTrimFrames, 0));
    expect((await worstFrameStepError(run.result.film!, 25)).worst).toBeLessThan(0.001);
    expect(Math.abs(film.audioDurationSec! - film.videoDurationSec)).toBeLessThanOrEqual(1 / 25);
  });

  it('measures every seam like a chain’s: the stored end frame of scene n against scene n+1’s first frame in the film', async () => {
    const report = JSON.parse(await readFile(join(run.result.dir, 'continuity.json'), 'utf8'));
    const seams = report.seams.map((s: { ssimSeedToFirstFrame: number | null }) => s.ssimSeedToFirstFrame);
    expect(seams).toHaveLength(2);
    for (const value of seams) expect(value).toBeGreaterThan(0.9);
  });
});
