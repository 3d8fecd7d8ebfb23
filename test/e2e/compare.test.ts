// `longshot compare`: variants of one storyboard rendered on one stack, side by side, with a table.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../local/compare';
import { parseVariants } from '../../functions/domain/compare';
import { probeVideo } from './film-checks';
import { shortStoryboard } from './short-storyboard';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-e2e-compare-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('compare', () => {
  it('renders each variant, stacks the films side by side and writes the table', async () => {
    const result = await compare({ storyboard: shortStoryboard('Compare me'), variants: parseVariants('fast:chain,fast:single'), outDir: dir, progress: false });
    if (result.outcome === 'invalid') throw new Error(result.problems.join('; '));
    expect(result.exitCode).toBe(0);
    expect(result.rows.map((r) => [r.label, r.outcome, r.clips])).toEqual([
      ['ltx-2-fast × chain', 'succeeded', 2],
      ['ltx-2-fast × single', 'succeeded', 1],
    ]);
    // 2 × 6 s less the seed frame at the seam and at most 8 frozen frames per clip.
    expect(result.rows[0].filmSeconds).toBeLessThanOrEqual(11.96);
    expect(result.rows[0].filmSeconds).toBeGreaterThanOrEqual(12 - 17 / 25);
    // The two 6 s prompts told as one 12 s shot, less its frozen head.
    expect(result.rows[1].filmSeconds).toBeLessThanOrEqual(12);
    expect(result.rows[1].filmSeconds).toBeGreaterThanOrEqual(12 - 8 / 25);
    // Each variant carries its measured continuity: the chain has a seam, the single shot none.
    expect(result.rows[0].continuity?.maxSeamDeltaE).toBeLessThanOrEqual(2);
    expect(result.rows[1].continuity).toMatchObject({ maxSeamDeltaE: null, lastSceneVsAnchor: null });
    const film = await probeVideo(result.sideBySide!);
    expect(film).toMatchObject({ width: 1280, height: 360, videoCodec: 'h264', audioCodec: 'aac' });
    expect(film.videoDurationSec).toBeCloseTo(12, 1);
    const table = await readFile(join(result.dir, 'comparison.md'), 'utf8');
    expect(table).toMatch(/\| ltx-2-fast × single \| succeeded \| 1[12]\.\d\d \| 1 \| /);
    expect(table).toContain('last scene ΔE');
  }, 120_000);

  it('validates every variant before starting anything', async () => {
    const storyboard = { ...shortStoryboard('Too long for pro'), clip: { duration: 12, fps: 25 } };
    const result = await compare({ storyboard, variants: parseVariants('fast:chain,pro:chain'), outDir: join(dir, 'never'), progress: false });
    expect(result).toMatchObject({ outcome: 'invalid', exitCode: 2 });
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect((result as { problems: string[] }).problems).toEqual([expect.stringMatching(/^ltx-2-pro × chain: clip\.duration: 12 s is not accepted by ltx-2-pro/)]);
  });
});
