// The pictures drawn by real ffmpeg: a film of three flat-coloured scenes must give a sheet with one
// row per scene, each row showing its own scene; names full of filtergraph syntax must draw as text;
// the drift chart must have the asked size and bars as tall as their values.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath, runFfmpeg } from '../../functions/adapters/binaries';
import { probeImage } from '../../functions/adapters/media';
import { driftChart, sceneContactSheet } from '../../functions/adapters/pictures';
import { driftChartLayout, type DriftChartOptions } from '../../functions/domain/drift-chart';
import { sceneSheetLayout, type SheetOptions } from '../../functions/domain/picture-recipes';

const exec = promisify(execFile);
let dir: string;
const p = (name: string) => join(dir, name);

type Rgb = [number, number, number];

/** The pixels of a w×h rectangle of an image, row by row, as RGB triples. */
async function pixels(image: string, crop: { w: number; h: number; x: number; y: number }): Promise<Rgb[]> {
  const { stdout } = await exec(
    ffmpegPath(),
    ['-hide_banner', '-nostdin', '-i', image, '-vf', `crop=${crop.w}:${crop.h}:${crop.x}:${crop.y}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-'],
    { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
  );
  const out: Rgb[] = [];
  for (let i = 0; i + 2 < stdout.length; i += 3) out.push([stdout[i], stdout[i + 1], stdout[i + 2]]);
  return out;
}

const mean = (all: Rgb[]): Rgb => [0, 1, 2].map((c) => all.reduce((sum, px) => sum + px[c], 0) / all.length) as Rgb;
const near = (a: Rgb, b: Rgb, tolerance = 16) => a.every((v, c) => Math.abs(v - b[c]) <= tolerance);

// 25 + 30 + 15 frames at 25 fps, 160x90: red, green, blue.
const FILM = { width: 160, height: 90 };
const COLOURS: Rgb[] = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
const sheetOptions = (names: string[]): SheetOptions => ({
  fps: 25,
  width: 480,
  thumbsPerScene: 3,
  scenes: [
    { step: 'scene-0', name: names[0], startFrame: 0, frames: 25 },
    { step: 'scene-1', name: names[1], startFrame: 25, frames: 30 },
    { step: 'scene-2', name: names[2], startFrame: 55, frames: 15 },
  ],
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-scene-pictures-'));
  const sources = ['red:d=1', 'lime:d=1.2', 'blue:d=0.6'].map((c) => ['-f', 'lavfi', '-i', `color=c=${c}:s=160x90:r=25`]);
  await runFfmpeg([
    ...sources.flat(), '-filter_complex', '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]', '-map', '[v]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', p('film.mp4'),
  ]);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('scene contact sheet', () => {
  const options = sheetOptions(['Harbour', 'Gull', 'Lighthouse']);
  const layout = sceneSheetLayout(FILM, options);

  beforeAll(async () => {
    await sceneContactSheet(p('film.mp4'), p('sheet.png'), options);
  });

  it('is one row per scene, as wide as asked', async () => {
    expect(await probeImage(p('sheet.png'))).toEqual({ width: 480, height: 3 * layout.rowHeight });
  });

  it.each([0, 1, 2])('row %i shows frames of its own scene only', async (row) => {
    for (const thumb of layout.thumbs.filter((t) => t.row === row)) {
      // The middle third of a thumbnail: clear of its time code (bottom right).
      const centre = { w: layout.thumbWidth / 2, h: Math.round(layout.thumbHeight / 3), x: thumb.x + layout.thumbWidth / 4, y: thumb.y + Math.round(layout.thumbHeight / 3) };
      expect(near(mean(await pixels(p('sheet.png'), centre)), COLOURS[row])).toBe(true);
    }
  });

  it('leaves no label files behind', async () => {
    expect((await readdir(dir)).filter((name) => name.startsWith('.labels-'))).toEqual([]);
  });

  it('refuses scenes that run past the end of the film, naming the frame counts', async () => {
    const long = sheetOptions(['a', 'b', 'c']);
    long.scenes[2].frames = 16;
    await expect(sceneContactSheet(p('film.mp4'), p('too-long.png'), long)).rejects.toThrow(
      /film\.mp4 has 70 frames; the scenes need 71 \(scene-2 ends there\)/,
    );
  });
});

describe('scene names are text, never filtergraph syntax', () => {
  it.each([
    [`It's "quoted"`],
    ['a: colon, a comma; a semicolon'],
    ['[brackets] and \\backslashes\\'],
    ['%{pts} %{eif:n:d} 100%'],
    ['unterminated %{localtime'],
    ['line\nbreak\ttab'],
  ])('draws %j as the row caption', async (name) => {
    const options = sheetOptions([name, name, name]);
    const layout = sceneSheetLayout(FILM, options);
    await sceneContactSheet(p('film.mp4'), p('named.png'), options);
    expect(await probeImage(p('named.png'))).toEqual({ width: 480, height: layout.height });
    // The caption band of the second row holds light (text) pixels on its dark background.
    const band = await pixels(p('named.png'), { w: 200, h: layout.captionHeight, x: 0, y: layout.rowHeight });
    expect(band.filter((px) => px.every((v) => v > 200)).length).toBeGreaterThan(20);
  });
});

describe('drift chart', () => {
  const options: DriftChartOptions = {
    width: 640,
    height: 360,
    targetLufs: -16,
    scenes: [
      { step: 'scene-0', name: `Harbour: "dawn", [1] %{pts}`, deltaE: 1.2, lufs: -14 },
      { step: 'scene-1', name: 'Gull', deltaE: 2.6, lufs: -23 },
      { step: 'scene-2', name: 'Lighthouse', deltaE: null, lufs: null },
    ],
  };
  const layout = driftChartLayout(options);

  /** How many pixels of the bar's colour a one-pixel column through the bar's centre crosses. */
  async function barHeight(panel: 0 | 1, index: number): Promise<number> {
    const { plot, bars } = layout.panels[panel];
    const bar = bars[index]!;
    const column = await pixels(p('chart.png'), { w: 1, h: plot.bottom - plot.top, x: bar.x + bar.w / 2, y: plot.top });
    const colour = [1, 3, 5].map((at) => parseInt(bar.color.slice(at + 1, at + 3), 16)) as Rgb;
    return column.filter((px) => near(px, colour)).length;
  }

  beforeAll(async () => {
    await driftChart(p('chart.png'), options);
  });

  it('has the asked size', async () => {
    expect(await probeImage(p('chart.png'))).toEqual({ width: 640, height: 360 });
  });

  it('draws the larger ΔE as the taller bar, each as tall as its value', async () => {
    const [small, large] = [await barHeight(0, 0), await barHeight(0, 1)];
    expect(large).toBeGreaterThan(small);
    expect(Math.abs(small - layout.panels[0].bars[0]!.h)).toBeLessThanOrEqual(2);
    expect(Math.abs(large - layout.panels[0].bars[1]!.h)).toBeLessThanOrEqual(2);
  });

  it('draws the louder scene as the taller loudness bar', async () => {
    expect(await barHeight(1, 0)).toBeGreaterThan(await barHeight(1, 1));
  });

  it('draws a scene with neither name nor step (an empty label)', async () => {
    await driftChart(p('blank.png'), { targetLufs: null, scenes: [{ step: '', name: '', deltaE: 1, lufs: null }] });
    expect(await probeImage(p('blank.png'))).toEqual({ width: 960, height: 540 });
  });

  it('draws the limit line across the ΔE plot', async () => {
    const { reference, plot } = layout.panels[0];
    const row = await pixels(p('chart.png'), { w: plot.right - plot.left, h: 1, x: plot.left, y: reference!.y });
    expect(row.filter((px) => near(px, [0xd6, 0x27, 0x28], 24)).length).toBeGreaterThan(0.8 * row.length);
  });
});
