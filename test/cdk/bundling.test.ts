// One real bundling run (esbuild, no Docker): the media functions carry executable ffmpeg and
// ffprobe, the others do not, and the bundles keep error class names for Retry/Catch.
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/build-app';
import { runTool } from '../../functions/adapters/binaries';
import { FUNCTIONS } from '../../functions/catalog';

let outdir: string;
let assets: Record<string, string>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'longshot-cdk-'));
  const { app, stack } = buildApp({ 'aws:cdk:enable-asset-metadata': true }, outdir);
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
  // aws:asset:path names each function's bundle directory in cdk.out.
  assets = Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && /^[A-Z][A-Za-z]+Function[0-9A-F]{8}$/.test(id) && r.Metadata?.['aws:asset:path'])
      .map(([id, r]) => [id.replace(/Function[0-9A-F]{8}$/, ''), join(outdir, r.Metadata!['aws:asset:path'])]),
  );
}, 180_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Lambda bundles', () => {
  it('put executable ffmpeg and ffprobe into the media bundles only (store-output, finish-segment, join-film, join-comparison)', async () => {
    expect(Object.keys(assets).length).toBe(FUNCTIONS.length);
    for (const [name, dir] of Object.entries(assets)) {
      const media = ['StoreOutput', 'FinishSegment', 'JoinFilm', 'JoinComparison'].includes(name);
      expect(existsSync(join(dir, 'index.mjs')), name).toBe(true);
      expect(existsSync(join(dir, 'bin', 'ffmpeg')), name).toBe(media);
      if (!media) continue;
      for (const tool of ['ffmpeg', 'ffprobe']) {
        accessSync(join(dir, 'bin', tool), constants.X_OK);
        const { stdout } = await runTool(join(dir, 'bin', tool), ['-version']);
        expect(stdout, `${name} ${tool}`).toMatch(new RegExp(`^${tool} version`));
      }
    }
    expect(readdirSync(assets.Api)).not.toContain('node_modules');
  });

  it('keeps handler exports and error class names through minification', async () => {
    process.env.LONGSHOT_BUCKET = 'bundle-test-bucket';
    const lastFrame = await import(join(assets.StoreOutput, 'index.mjs'));
    const runId = '20261125-1042-test-3f9c2a7be41d08c6';
    const failed = { id: 'p-test', status: 'failed', error: 'model error', output: null, createdAt: null, startedAt: null, completedAt: null, predictTimeSec: null };
    const scene = {
      runId, step: 'scene-1', index: 1, name: 'scene 1', prompt: 'a kite', model: 'ltx-2-fast', duration: 6, fps: 25, resolution: '1080p',
      generateAudio: false, seedKey: null, finishAlongside: null, finishOwnSegment: true, clipKey: `runs/${runId}/scenes/1/clip.mp4`, lastFrameKey: `runs/${runId}/seeds/1.png`,
    };
    await expect(
      lastFrame.handler({ runId, step: 'scene-1', kind: 'video', scene, prediction: failed }),
    ).rejects.toMatchObject({ name: 'PredictionFailedError' });
    // The boundary's error keeps its name too (and the bundle carries zod and the Powertools schemas).
    await expect(lastFrame.handler({ runId, step: 'scene-1', kind: 'video', scene: { step: 'scene-1' }, prediction: failed })).rejects.toMatchObject({
      name: 'InvalidEventError',
    });
  });
});
