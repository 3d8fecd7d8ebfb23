// Stand-in for SDXL: a PNG of the requested size with the prompt written on a gradient whose colours
// come from a hash of prompt+seed, so different prompts/seeds are visibly different and reproducible.
// Given an `image`, a rendition of that image instead (image-to-image).
import { writeFile } from 'node:fs/promises';
import { defaultFontFile } from '../../functions/adapters/binaries';
import { ffmpeg } from './run-tool';
import { filterValue, hashBytes, wrapText } from './util';

export interface ImageRenderRequest {
  prompt: string;
  seed: number | string;
  width: number;
  height: number;
  /** Output PNG path. */
  out: string;
  /** Scratch path for the wrapped prompt (drawtext reads it, so prompts never need escaping). */
  textFile: string;
  signal?: AbortSignal;
}

/** geq expressions for a two-colour diagonal gradient with a soft wave, all tinted by the hash. */
function gradientExpressions(hash: Buffer): { r: string; g: string; b: string } {
  const a = 0.2 + hash[6] / 320;
  const b = 0.2 + hash[7] / 320;
  const freq = (1 + (hash[8] % 5)).toFixed(2);
  const phase = (hash[9] / 40).toFixed(2);
  const u = `((X/W)*${a.toFixed(3)}+(Y/H)*${b.toFixed(3)})/${(a + b).toFixed(3)}`;
  const wave = `24*sin((X/W+Y/H)*${freq}+${phase})`;
  const channel = (from: number, to: number) =>
    `'clip(${from}+(${to - from})*${u}+${wave},0,255)'`;
  // Keep colours mid-range so white text stays readable on every background.
  const c = (i: number) => 30 + Math.round((hash[i] / 255) * 170);
  return { r: channel(c(0), c(3)), g: channel(c(1), c(4)), b: channel(c(2), c(5)) };
}

/** The drawtext filter that writes `textFile` centred in a translucent box. */
function promptTextFilter(textFile: string, width: number, height: number): string {
  const fontSize = Math.max(12, Math.round(Math.min(width, height) / 14));
  return [
    `drawtext=fontfile=${filterValue(defaultFontFile())}`,
    `textfile=${filterValue(textFile)}`,
    'expansion=none',
    `fontsize=${fontSize}`,
    'fontcolor=white',
    `line_spacing=${Math.round(fontSize * 0.3)}`,
    'x=(w-tw)/2',
    'y=(h-th)/2',
    'box=1',
    'boxcolor=black@0.35',
    `boxborderw=${Math.round(fontSize / 2)}`,
  ].join(':');
}

/** Writes the prompt word-wrapped to fit the frame at the font size promptTextFilter uses. */
async function writeWrappedPrompt(prompt: string, width: number, height: number, textFile: string) {
  const fontSize = Math.max(12, Math.round(Math.min(width, height) / 14));
  const charsPerLine = Math.max(8, Math.floor((width * 0.84) / (fontSize * 0.6)));
  const maxLines = Math.max(1, Math.floor((height * 0.8) / (fontSize * 1.35)));
  await writeFile(textFile, wrapText(prompt, charsPerLine, maxLines) || ' ');
}

export interface ImageToImageRequest extends ImageRenderRequest {
  /** The picture to re-render (any image ffmpeg decodes). */
  image: string;
  /** prompt_strength 0–1: how far the rendition departs from the input. */
  strength: number;
}

/**
 * Stand-in for SDXL image-to-image: the input scaled to the requested size, regraded and shifted a
 * little (by a hash of prompt+seed, scaled by the strength) with the prompt written over it: a
 * rendition of the input, recognisably the same picture.
 */
export async function renderImageToImage(req: ImageToImageRequest): Promise<void> {
  const hash = hashBytes(req.prompt, req.seed, 'img2img');
  const s = Math.max(0, Math.min(1, req.strength));
  const signed = (byte: number) => byte / 127.5 - 1;
  const shiftX = Math.round(signed(hash[0]) * s * req.width * 0.02);
  const shiftY = Math.round(signed(hash[1]) * s * req.height * 0.02);
  const margin = Math.ceil(Math.max(req.width, req.height) * 0.02) + 2;
  await writeWrappedPrompt(req.prompt, req.width, req.height, req.textFile);
  const graph = [
    `scale=${req.width}:${req.height}`,
    'setsar=1',
    `pad=${req.width + 2 * margin}:${req.height + 2 * margin}:${margin}:${margin}`,
    `fillborders=left=${margin}:right=${margin}:top=${margin}:bottom=${margin}:mode=mirror`,
    `crop=${req.width}:${req.height}:${margin + shiftX}:${margin + shiftY}`,
    `eq=brightness=${(signed(hash[2]) * s * 0.06).toFixed(4)}:saturation=${(1 + signed(hash[3]) * s * 0.2).toFixed(4)}:contrast=${(1 + signed(hash[4]) * s * 0.1).toFixed(4)}`,
    promptTextFilter(req.textFile, req.width, req.height),
  ].join(',');
  await ffmpeg(['-i', req.image, '-vf', graph, '-frames:v', '1', '-pix_fmt', 'rgb24', req.out], 'ffmpeg (sdxl image-to-image)', req.signal);
}

export async function renderPromptImage(req: ImageRenderRequest): Promise<void> {
  const hash = hashBytes(req.prompt, req.seed);
  const { r, g, b } = gradientExpressions(hash);
  await writeWrappedPrompt(req.prompt, req.width, req.height, req.textFile);
  const graph = [
    `nullsrc=s=${req.width}x${req.height}:d=1`,
    `geq=r=${r}:g=${g}:b=${b}`,
    promptTextFilter(req.textFile, req.width, req.height),
  ].join(',');
  await ffmpeg(['-f', 'lavfi', '-i', graph, '-frames:v', '1', '-pix_fmt', 'rgb24', req.out], 'ffmpeg (sdxl image)', req.signal);
}
