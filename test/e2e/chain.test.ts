// The product's main command end to end: examples/winter-ad.json through the real ASL on the local
// stack, rendered by the emulator, joined by ffmpeg, checked with ffprobe and ssim.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderedOnce } from './rendered-once';
import { listCallbacks } from '../../functions/adapters/run-store';
import { decodeFirstFrame, decodeLastFrame, probeVideo, ssim, worstFrameStepError } from './film-checks';
import { gradeImage } from '../../functions/adapters/looks';
import { gradeImageFilters } from '../../functions/domain/grade';

const run = renderedOnce('chain', async () => JSON.parse(await readFile('examples/winter-ad.json', 'utf8')));

/** Head frames each scene lost in the film, as store-output recorded them. */
async function headTrims(): Promise<number[]> {
  const manifest = JSON.parse(await readFile(join(run.result.dir, 'manifest.json'), 'utf8'));
  return manifest.steps.slice(1).map((s: { corrections: { headTrimFrames: number } }) => s.corrections.headTrimFrames);
}

describe('render examples/winter-ad.json (chain, ltx-2-fast, 3 × 10 s)', () => {
  it('succeeds and writes the film, manifest, seeds and clips under DIR/<runId>/', () => {
    expect(run.result.execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.result.exitCode).toBe(0);
    expect(run.result.film).toBe(join(run.dir, run.result.runId, 'final.mp4'));
    for (const file of ['final.mp4', 'manifest.json', 'contact-sheet.png', 'drift-chart.png', 'continuity.json', 'seeds/0.png', 'seeds/1.png', 'seeds/2.png', 'scenes/3/clip.mp4']) {
      expect(existsSync(join(run.result.dir, file)), file).toBe(true);
    }
    // Callback records hold task tokens: they never leave the bucket.
    expect(run.result.files.some((f) => f.includes('callbacks'))).toBe(false);
  });

  it('is H.264 + AAC, 3 × 250 frames less each scene’s head trim (seed frame and frozen frames), with continuous timestamps', async () => {
    const film = await probeVideo(run.result.film!);
    const trims = await headTrims();
    expect(trims[0]).toBeLessThanOrEqual(8); // scene 1: frozen frames only
    for (const trim of trims.slice(1)) expect(trim).toBeGreaterThanOrEqual(1); // the repeated seed frame, at least
    const expected = 750 - trims.reduce((a, b) => a + b, 0);
    expect(film.videoCodec).toBe('h264');
    expect(film.audioCodec).toBe('aac');
    expect(film.fps).toBe(25);
    expect(film.frames).toBe(expected);
    expect(film.videoDurationSec).toBeCloseTo(expected / 25, 2);
    const { worst, frames } = await worstFrameStepError(run.result.film!, 25);
    expect(frames).toBe(expected);
    expect(worst).toBeLessThan(0.001); // no gap or repeat at any seam
    expect(Math.abs(film.audioDurationSec! - film.videoDurationSec)).toBeLessThanOrEqual(1 / 25);
  });

  it('seeds scene n+1 with the true last frame of clip n, graded towards the anchor', async () => {
    const manifest = JSON.parse(await readFile(join(run.result.dir, 'manifest.json'), 'utf8'));
    for (const n of [1, 2]) {
      const clip = join(run.result.dir, `scenes/${n}/clip.mp4`);
      const seed = join(run.result.dir, `seeds/${n}.png`);
      const { grade } = manifest.steps[n].corrections;
      expect(grade, `scene-${n} grade`).not.toBeNull();
      // Independently: a full decode's last frame, put through the recorded grade.
      const last = await decodeLastFrame(clip, run.dir, `last-${n}`);
      const expected = join(run.dir, `expected-seed-${n}.png`);
      await gradeImage(last, gradeImageFilters(grade), expected);
      expect(await ssim(expected, seed), `seeds/${n}.png vs graded last frame of clip ${n}`).toBeGreaterThan(0.995);
      // …not its first frame: the model moves and drifts within a clip.
      const first = await decodeFirstFrame(clip, run.dir, `first-${n}`);
      expect(await ssim(first, seed), `seeds/${n}.png vs first frame of clip ${n}`).toBeLessThan(await ssim(expected, seed));
    }
  });

  it('records each scene’s prediction id, timings and keys in manifest.json', async () => {
    const manifest = JSON.parse(await readFile(join(run.result.dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ runId: run.result.runId, status: 'succeeded', scenesTotal: 3, scenesDone: 3, failure: null });
    expect(manifest.steps.map((s: { step: string }) => s.step)).toEqual(['anchor', 'scene-1', 'scene-2', 'scene-3']);
    for (const step of manifest.steps.slice(1)) {
      expect(step).toMatchObject({ kind: 'video', status: 'stored', attempts: 1 });
      expect(step.predictionId).toMatch(/^[a-z0-9]{20,}$/);
      for (const t of ['requestedAt', 'completedAt', 'storedAt']) expect(Date.parse(step[t]), t).not.toBeNaN();
      expect(step.keys.output).toBe(`runs/${run.result.runId}/scenes/${step.step.slice(6)}/clip.mp4`);
      expect(step.media).toMatchObject({ frames: 250, fps: 25, durationSec: 10 });
    }
    const trims = await headTrims();
    expect(manifest.film).toMatchObject({ key: `runs/${run.result.runId}/final.mp4`, frames: 750 - trims.reduce((a, b) => a + b, 0) });
    // Where each scene sits in the film: back to back, each its clip less its head trim.
    expect(manifest.film.scenes).toEqual(
      ['summit at sunrise', 'forest trail', 'triumph'].map((name, i) => ({
        step: `scene-${i + 1}`,
        name,
        startFrame: 250 * i - trims.slice(0, i).reduce((a, b) => a + b, 0),
        frames: 250 - trims[i],
      })),
    );
    const continuity = JSON.parse(await readFile(join(run.result.dir, 'continuity.json'), 'utf8'));
    expect(continuity.seams).toHaveLength(2);
  });

  it('was resumed by signed webhooks, never by polling, and every Task really ran', async () => {
    const entered = run.result.history.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    expect(entered).not.toContain('PollClip');
    expect(entered).not.toContain('PollAnchor');
    expect(entered).not.toContain('RecordFailure');
    // The Node 20 trap: a Task failing with a TypeError hidden by a Catch would still "succeed".
    expect(run.result.history.filter((e) => e.type === 'StateFailed')).toEqual([]);
    for (const task of ['Prepare', 'Anchor', 'StoreAnchor', 'JoinFilm']) {
      expect(run.result.history.filter((e) => e.type === 'StateExited' && e.state === task), task).toHaveLength(1);
    }
    expect(run.result.history.filter((e) => e.type === 'StateExited' && e.state === 'StoreClip')).toHaveLength(3);
    const callbacks = await listCallbacks(run.stack.config, run.result.runId);
    expect(callbacks).toHaveLength(4);
    for (const callback of callbacks) expect(callback.resumedBy, callback.step).toMatch(/^webhook msg_/);
    const deliveries = run.stack.emulator!.webhookDeliveries().filter((d) => callbacks.some((c) => c.predictionId === d.predictionId));
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
  });
});
