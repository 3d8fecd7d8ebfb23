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
    expect(result.rows[0].filmSeconds).toBeCloseTo(11.96, 2); // 2 × 6 s less one seam frame
    expect(result.rows[1].filmSeconds).toBeCloseTo(12, 2); // the two 6 s prompts told as one 12 s shot
    expect(result.rows[0].meanSeamSsim).toBeGreaterThan(0.95);
    const film = await probeVideo(result.sideBySide!);
    expect(film).toMatchObject({ width: 1280, height: 360, videoCodec: 'h264', audioCodec: 'aac' });
    expect(film.videoDurationSec).toBeCloseTo(12, 1);
    const table = await readFile(join(result.dir, 'comparison.md'), 'utf8');
    expect(table).toContain('| ltx-2-fast × single | succeeded | 12.00 | 1 |');
  }, 120_000);

  it('validates every variant before starting anything', async () => {
    const storyboard = { ...shortStoryboard('Too long for pro'), clip: { duration: 12, fps: 25 } };
    const result = await compare({ storyboard, variants: parseVariants('fast:chain,pro:chain'), outDir: join(dir, 'never'), progress: false });
    expect(result).toMatchObject({ outcome: 'invalid', exitCode: 2 });
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect((result as { problems: string[] }).problems).toEqual([expect.stringMatching(/^ltx-2-pro × chain: clip\.duration: 12 s is not accepted by ltx-2-pro/)]);
  });
});
