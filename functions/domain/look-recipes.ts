// ffmpeg recipes for colour measurement: chosen frames, shrunk to a small rgb24 raster. Small on
// purpose: means, chroma and spread barely change, and every figure costs one short decode.

/** Size every measured frame is scaled to (area average), so figures compare across resolutions. */
export const LOOK_RASTER = { width: 160, height: 90 } as const;

/**
 * swscale flags for RGB⇄Y'CbCr conversions that do not shift colours: without full_chroma_int the
 * default YUV→RGB path reads about 1.2 code values darker, which chained clips would compound.
 */
export const EXACT_CONVERSION = 'bicubic+accurate_rnd+full_chroma_int';

/** Distinct frame indices in ascending order: the order ffmpeg's select emits them. */
export function frameOrder(indices: number[]): number[] {
  return [...new Set(indices.filter((n) => Number.isInteger(n) && n >= 0))].sort((a, b) => a - b);
}

/** The frames at `indices` of `input` (a clip or an image) as raw rgb24 at LOOK_RASTER size. */
export function sampleFramesArgs(input: string, indices: number[], outRaw: string): string[] {
  const order = frameOrder(indices);
  if (order.length === 0) throw new Error('sampleFramesArgs: no frames asked for');
  return [
    '-i', input, '-map', '0:v:0', '-an', '-sn',
    '-vf', lookFramesFilter(order),
    '-vsync', '0', '-f', 'rawvideo', outRaw,
  ];
}

/** The filters of sampleFramesArgs for frames `order` (see frameOrder), for a graph that also does other work. */
export function lookFramesFilter(order: number[]): string {
  if (order.length === 0) throw new Error('lookFramesFilter: no frames asked for');
  const select = order.map((n) => `eq(n\\,${n})`).join('+');
  // Decoding stops after the last frame asked for.
  return `trim=end_frame=${order.at(-1)! + 1},select='${select}',scale=${LOOK_RASTER.width}:${LOOK_RASTER.height}:flags=area+accurate_rnd+full_chroma_int,format=rgb24`;
}

/**
 * An image graded by `filters` (see grade.ts), written as PNG. The filters convert rgb24 ⇄ yuv444p,
 * which gives byte-identical pixels with any swscale flags (checked on seeds), so none are set.
 */
export function gradeImageArgs(inPng: string, filters: string, outPng: string): string[] {
  return ['-i', inPng, '-map', '0:v:0', '-vf', filters, '-frames:v', '1', '-update', '1', outPng];
}

