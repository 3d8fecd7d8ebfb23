// The contact sheet composed from per-scene rows must be the sheet drawn from the joined film: three
// testsrc2 segments (frame numbers burnt in, so a wrong offset shows) each make their row as one branch
// of a split beside an encoder, as the segment pass will; the film is their stream-copy concat.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { probeImage, probeVideo } from '../../functions/adapters/media';
import { contactSheetFromRows, sceneContactSheet } from '../../functions/adapters/pictures';
import { OutputInvalidError } from '../../functions/domain/errors';
import { sheetRowFilter, type SheetOptions } from '../../functions/domain/picture-recipes';

let dir: string;
const p = (name: string) => join(dir, name);
const FILM = { width: 320, height: 180 };
const FRAMES = [25, 30, 3]; // the last scene is shorter than a row of thumbnails
const options: SheetOptions = {
  fps: 25,
  width: 640,
  thumbsPerScene: 4,
  scenes: FRAMES.map((frames, i) => ({
    step: `scene-${i}`,
    name: ['Harbour: "dawn"', 'Gull, [1]', '%{pts} 100%'][i],
    startFrame: FRAMES.slice(0, i).reduce((a, b) => a + b, 0),
    frames,
  })),
};
let rows: string[];

/** PSNR of two same-size images over RGB, in dB (Infinity when identical). */
async function psnr(a: string, b: string): Promise<number> {
  const { stderr } = await runFfmpeg(['-i', a, '-i', b, '-lavfi', 'psnr', '-f', 'null', '-']);
  const average = /PSNR .*average:(inf|[\d.]+)/.exec(stderr)?.[1];
  if (average === undefined) throw new Error(`no PSNR line in: ${stderr.slice(-300)}`);
  return average === 'inf' ? Infinity : Number(average);
}

/** One segment pass as the join will run it: encode every frame and, from the same decode, the row. */
async function segmentPass(segment: string, frames: number, row: string, encoded: string, before = ''): Promise<void> {
  const { filter } = sheetRowFilter(FILM, frames, options);
  await runFfmpeg([
    '-i', segment, '-filter_complex', `[0:v]split=2[enc][r];[r]${before}${filter}[row]`,
    '-map', '[enc]', '-c:v', 'libx264', '-preset', 'ultrafast', encoded,
    '-map', '[row]', '-frames:v', '1', '-update', '1', row,
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-sheet-rows-'));
  rows = FRAMES.map((_, i) => p(`row-${i}.png`));
  await Promise.all(FRAMES.map((frames, i) => runFfmpeg([
    '-f', 'lavfi', '-i', `testsrc2=s=${FILM.width}x${FILM.height}:r=25,hue=h=${i * 120}`, '-frames:v', String(frames),
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', p(`segment-${i}.mp4`),
  ])));
  await writeFile(p('segments.txt'), FRAMES.map((_, i) => `file '${p(`segment-${i}.mp4`)}'`).join('\n'));
  await runFfmpeg(['-f', 'concat', '-safe', '0', '-i', p('segments.txt'), '-c', 'copy', p('film.mp4')]);
  await Promise.all(FRAMES.map((frames, i) => segmentPass(p(`segment-${i}.mp4`), frames, rows[i], p(`encoded-${i}.mp4`))));
  await sceneContactSheet(p('film.mp4'), p('sheet-film.png'), options);
  await contactSheetFromRows(rows, p('sheet-rows.png'), { ...options, film: FILM });
}, 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('contact sheet from per-scene rows', () => {
  it.each([0, 1, 2])('segment %i: the encoder branch still gets every frame beside the row branch', async (i) => {
    expect((await probeVideo(p(`encoded-${i}.mp4`))).frames).toBe(FRAMES[i]);
  });

  it.each([0, 1, 2])('segment %i: the row is one image of the row size', async (i) => {
    const { width, height } = sheetRowFilter(FILM, FRAMES[i], options);
    expect(await probeImage(rows[i])).toEqual({ width, height });
  });

  it.each([0, 2])('segment %i: the fragment emits exactly one frame, even without a frame limit', async (i) => {
    const { filter } = sheetRowFilter(FILM, FRAMES[i], options);
    const out = join(await mkdtemp(join(dir, 'frames-')), '%02d.png');
    await runFfmpeg(['-i', p(`segment-${i}.mp4`), '-filter_complex', `[0:v]${filter}[row]`, '-map', '[row]', '-vsync', '0', out]);
    expect(await readdir(join(out, '..'))).toEqual(['01.png']);
  });

  it('draws the sheet the film-based recipe draws from the joined film', async () => {
    expect(await probeImage(p('sheet-rows.png'))).toEqual(await probeImage(p('sheet-film.png')));
    expect(await psnr(p('sheet-rows.png'), p('sheet-film.png'))).toBeGreaterThanOrEqual(45);
  });

  it('tells a row taken one frame off from the right one (the comparison sees offsets)', async () => {
    const shifted = [...rows];
    shifted[1] = p('row-1-shifted.png');
    await segmentPass(p('segment-1.mp4'), FRAMES[1], shifted[1], p('encoded-shifted.mp4'), 'trim=start_frame=1,setpts=PTS-STARTPTS,');
    await contactSheetFromRows(shifted, p('sheet-shifted.png'), { ...options, film: FILM });
    expect(await psnr(p('sheet-shifted.png'), p('sheet-film.png'))).toBeLessThan(45);
  });

  it('refuses a row of another layout, naming the file and both sizes', async () => {
    const narrow = sheetRowFilter(FILM, FRAMES[0], { ...options, thumbsPerScene: 3 });
    await runFfmpeg(['-i', p('segment-0.mp4'), '-filter_complex', `[0:v]${narrow.filter}[row]`, '-map', '[row]', '-frames:v', '1', '-update', '1', p('narrow.png')]);
    const attempt = contactSheetFromRows([p('narrow.png'), rows[1], rows[2]], p('never.png'), { ...options, film: FILM });
    await expect(attempt).rejects.toThrow(OutputInvalidError);
    await expect(attempt).rejects.toThrow(/narrow\.png is 640x126; a row of this sheet is 636x94 \(scene-0\)/);
  });

  it('refuses a row count other than the scene count', async () => {
    await expect(contactSheetFromRows(rows.slice(0, 2), p('never.png'), { ...options, film: FILM })).rejects.toThrow(
      /rows must list one image per scene \(3\), got 2/,
    );
  });

  it('leaves no label files behind', async () => {
    expect((await readdir(dir)).filter((name) => name.startsWith('.labels-'))).toEqual([]);
  });
});
