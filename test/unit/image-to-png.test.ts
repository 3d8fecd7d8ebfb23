// Images from outside reach ffmpeg only as the format their magic number says, with that demuxer
// forced: a "PNG" that is really a playlist or a concat list never gets probed as one.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFormatOf, probeImageArgs, toPngArgs } from '../../functions/domain/ffmpeg-recipes';
import { imageToPng } from '../../functions/adapters/media';
import { ffmpegPath } from '../../functions/adapters/binaries';
import { OutputInvalidError } from '../../functions/domain/errors';

describe('imageFormatOf', () => {
  it.each([
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'png'],
    [[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46], 'jpeg'],
    [[...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBP')], 'webp'],
    [[...Buffer.from('#EXTM3U\n#EXT')], null],
    [[...Buffer.from('ffconcat ver')], null],
    [[...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WAVE')], null],
    [[0x89, 0x50, 0x4e, 0x47], null],
    [[], null],
  ])('%j → %s', (bytes, format) => {
    expect(imageFormatOf(Uint8Array.from(bytes))).toBe(format);
  });
});

describe('recipes for outside images', () => {
  it('forces the demuxer of the sniffed format when converting and probing', () => {
    expect(toPngArgs('in', 'jpeg', 'out.png')).toEqual(['-f', 'jpeg_pipe', '-i', 'in', '-map', '0:v:0', '-frames:v', '1', '-update', '1', 'out.png']);
    expect(toPngArgs('in', 'webp', 'o.png').slice(0, 2)).toEqual(['-f', 'webp_pipe']);
    expect(probeImageArgs('in', 'png').slice(0, 4)).toEqual(['-v', 'error', '-f', 'png_pipe']);
    expect(probeImageArgs('in')).not.toContain('-f');
  });
});

describe('imageToPng', () => {
  let dir: string;
  const make = async (name: string, lavfi: string) => {
    const file = join(dir, name);
    await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-y', '-f', 'lavfi', '-i', lavfi, '-frames:v', '1', '-f', name.endsWith('.jpg') ? 'mjpeg' : 'image2', file]);
    return file;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'longshot-image-to-png-test-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('converts a JPEG to a PNG and returns its size', async () => {
    const out = join(dir, 'from-jpeg.png');
    expect(await imageToPng(await make('in.jpg', 'testsrc2=s=160x90'), out, 'anchor.image: x', 8192)).toEqual({ width: 160, height: 90 });
    expect((await readFile(out)).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('refuses an image wider than the limit before decoding it', async () => {
    const wide = await make('wide.png', 'color=c=blue:s=640x8');
    const error = await imageToPng(wide, join(dir, 'wide-out.png'), 'anchor.image: "inbox/wide.png"', 512).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputInvalidError);
    expect((error as Error).message).toBe('anchor.image: "inbox/wide.png" is 640x8; images are at most 512 pixels a side');
  });

  it('refuses a playlist that calls itself a PNG, naming it by what it is for', async () => {
    const fake = join(dir, 'fake.png');
    await writeFile(fake, '#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n');
    const error = await imageToPng(fake, join(dir, 'fake-out.png'), 'anchor.image: "inbox/fake.png"', 8192).catch((e: unknown) => e);
    expect((error as Error).message).toBe('anchor.image: "inbox/fake.png" is not a PNG, JPEG or WebP image');
  });

  it('refuses a file with a PNG signature and nothing decodable after it', async () => {
    const broken = join(dir, 'broken.png');
    await writeFile(broken, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]));
    const error = await imageToPng(broken, join(dir, 'broken-out.png'), 'anchor.image: "inbox/broken.png"', 8192).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputInvalidError);
    expect((error as Error).message).toMatch(/^anchor\.image: "inbox\/broken\.png" is not a readable PNG image|could not be decoded/);
    expect((error as Error).message).not.toContain(dir);
  });
});
