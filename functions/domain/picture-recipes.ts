// Pictures of a finished run, as ffmpeg recipes: a contact sheet with one row per scene (here) and a
// drift chart (./drift-chart). Every piece of text is read by drawtext from
// a file (textfile=, expansion=none): scene names come from users and never enter the filtergraph.
// The caller writes `labels[i]` to `labelFiles[i]`; only file paths are escaped into the graph.
import { evenFrameIndices } from './ffmpeg-recipes';

/**
 * Escapes a value for an ffmpeg filter option inside a filtergraph: one level for the option parser
 * (':' and quotes) and one for the graph parser (',', ';', brackets). The emulator uses it too.
 */
export function filterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return optionLevel.replace(/[\\',;[\]]/g, (c) => `\\${c}`);
}

/** One line of at most `maxChars` characters (control characters and runs of spaces folded). */
export function labelText(text: string, maxChars: number): string {
  const line = [...text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim()];
  if (line.length <= maxChars) return line.join('');
  return `${line.slice(0, Math.max(0, maxChars - 1)).join('').trimEnd()}…`;
}

/** Position in the film as mm:ss.ff (hh:mm:ss.ff from an hour on); ff counts frames within the second. */
export function timecode(frame: number, fps: number): string {
  const whole = Math.floor((frame + 1e-6) / fps);
  const ff = Math.round(frame - whole * fps);
  const two = (n: number) => String(n).padStart(2, '0');
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor(whole / 60) % 60, whole % 60];
  return `${h > 0 ? `${two(h)}:` : ''}${two(m)}:${two(s)}.${two(ff)}`;
}

export interface SheetScene {
  step: string;
  name: string;
  /** First frame of the scene in the film. */
  startFrame: number;
  frames: number;
}

export interface SheetOptions {
  scenes: SheetScene[];
  fps: number;
  thumbsPerScene?: number;
  width?: number;
}

export interface Thumb {
  row: number;
  /** Frame of the film this thumbnail shows. */
  frame: number;
  x: number;
  y: number;
}

export interface SheetLayout {
  width: number;
  height: number;
  columns: number;
  thumbWidth: number;
  thumbHeight: number;
  rowHeight: number;
  /** Band above each row's thumbnails holding its caption. */
  captionHeight: number;
  fontSize: number;
  thumbs: Thumb[];
  /** Per row: the row's caption (step and scene name); then one time code per thumbnail. */
  labels: string[];
}

export const SHEET_GAP = 4; // px between thumbnails and around each row
const SHEET_BACKGROUND = '0x202020';
const MAX_SCENE_NAME = 40;

/** RangeError naming the field unless value is a whole number in min..max. */
export function requireInt(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

function checkSheetOptions(opts: SheetOptions, columns: number, width: number): void {
  if (opts.scenes.length === 0) throw new RangeError('scenes must list at least one scene');
  if (!(opts.fps > 0 && Number.isFinite(opts.fps))) throw new RangeError(`fps must be above 0, got ${opts.fps}`);
  requireInt('thumbsPerScene', columns, 1, 12);
  requireInt('width', width, 64 * columns, 8192);
  opts.scenes.forEach((scene, i) => {
    requireInt(`scenes[${i}].startFrame`, scene.startFrame, 0, Number.MAX_SAFE_INTEGER);
    requireInt(`scenes[${i}].frames`, scene.frames, 1, Number.MAX_SAFE_INTEGER);
    const previous = opts.scenes[i - 1];
    if (previous && scene.startFrame < previous.startFrame + previous.frames) {
      throw new RangeError(`scenes[${i}].startFrame must come after the end of scenes[${i - 1}]`);
    }
  });
}

/** Thumbnail size for `columns` thumbnails across `width` px, keeping the film's aspect (even sizes for yuv420p). */
function thumbSize(film: { width: number; height: number }, columns: number, width: number) {
  const thumbWidth = Math.floor((width - (columns + 1) * SHEET_GAP) / columns / 2) * 2;
  const thumbHeight = Math.max(2, Math.round((thumbWidth * film.height) / film.width / 2) * 2);
  return { thumbWidth, thumbHeight };
}

/** Where each thumbnail sits and what each label says, for a film of filmWidth×filmHeight. */
export function sceneSheetLayout(film: { width: number; height: number }, opts: SheetOptions): SheetLayout {
  const columns = opts.thumbsPerScene ?? 5;
  const width = opts.width ?? 1280;
  checkSheetOptions(opts, columns, width);
  const { thumbWidth, thumbHeight } = thumbSize(film, columns, width);
  const fontSize = Math.max(10, Math.round(thumbHeight / 9));
  const captionHeight = fontSize + 6;
  const rowHeight = captionHeight + thumbHeight + 2 * SHEET_GAP;
  const captionChars = Math.floor((width - 2 * SHEET_GAP) / (fontSize * 0.62));
  const thumbs: Thumb[] = [];
  const captions = opts.scenes.map((scene, row) => {
    evenFrameIndices(scene.frames, columns).forEach((offset, k) => {
      const x = SHEET_GAP + k * (thumbWidth + SHEET_GAP);
      thumbs.push({ row, frame: scene.startFrame + offset, x, y: row * rowHeight + captionHeight + SHEET_GAP });
    });
    return labelText(`${scene.step} · ${labelText(scene.name, MAX_SCENE_NAME)}`, captionChars);
  });
  const timecodes = thumbs.map((t) => timecode(t.frame, opts.fps));
  const height = opts.scenes.length * rowHeight;
  const labels = [...captions, ...timecodes];
  return { width, height, columns, thumbWidth, thumbHeight, rowHeight, captionHeight, fontSize, thumbs, labels };
}

export interface SheetRow {
  /** Filter-chain fragment, no pad labels: a segment's frames in, one row image out. */
  filter: string;
  /** Frames of the segment (0-based) the row shows, left to right. */
  offsets: number[];
  /** Size of the row image: the sheet's width of thumbnails, without the caption band. */
  width: number;
  height: number;
}

/**
 * One scene's row of the contact sheet, made from the scene's own segment while it is encoded:
 * the thumbnails `sceneSheetLayout` would pick for a scene of `frames` frames, tiled with the same
 * margins, unlabelled (time codes depend on where the scene lands in the film; the sheet stamps them).
 * `select` drops every other frame as it arrives and the tile is full at the last pick, so as one branch
 * of a `split` beside an encoder it buffers nothing and emits exactly one frame, before the clip ends.
 */
export function sheetRowFilter(
  film: { width: number; height: number },
  frames: number,
  opts: { thumbsPerScene?: number; width?: number } = {},
): SheetRow {
  const columns = opts.thumbsPerScene ?? 5;
  const width = opts.width ?? 1280;
  requireInt('film.width', film.width, 2, 16384);
  requireInt('film.height', film.height, 2, 16384);
  requireInt('frames', frames, 1, Number.MAX_SAFE_INTEGER);
  requireInt('thumbsPerScene', columns, 1, 12);
  requireInt('width', width, 64 * columns, 8192);
  const { thumbWidth, thumbHeight } = thumbSize(film, columns, width);
  const offsets = evenFrameIndices(frames, columns);
  const rowWidth = columns * thumbWidth + (columns + 1) * SHEET_GAP;
  const rowHeight = thumbHeight + 2 * SHEET_GAP;
  const chain = [
    `select=${offsets.map((n) => `eq(n\\,${n})`).join('+')}`,
    `scale=${thumbWidth}:${thumbHeight}`,
    'setsar=1',
    // As many tiles as picks: a short scene's row is complete (and emitted) at its last pick, not at EOF.
    `tile=${offsets.length}x1:margin=${SHEET_GAP}:padding=${SHEET_GAP}:color=${SHEET_BACKGROUND}`,
  ];
  if (offsets.length < columns) chain.push(`pad=${rowWidth}:${rowHeight}:0:0:color=${SHEET_BACKGROUND}`);
  return { filter: chain.join(','), offsets, width: rowWidth, height: rowHeight };
}

function textFilter(file: string, fontFile: string, size: number, place: string): string {
  return (
    `drawtext=fontfile=${filterValue(fontFile)}:textfile=${filterValue(file)}:expansion=none` +
    `:fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=3:${place}`
  );
}

/**
 * One decode of the film: select every thumbnail's frame, scale, stamp its time code, then split
 * into one branch per row (caption on the row's first thumbnail, tile) and stack the rows.
 */
export function sceneSheetArgs(
  film: string,
  outPng: string,
  layout: SheetLayout,
  labelFiles: string[],
  fontFile: string,
): string[] {
  const rows = layout.height / layout.rowHeight;
  const { thumbs, fontSize: size } = layout;
  const select = thumbs.map((t) => `eq(n\\,${t.frame})`).join('+');
  const stamps = thumbs.map((_, k) =>
    textFilter(labelFiles[rows + k], fontFile, size, `x=w-tw-6:y=h-th-6:enable=eq(n\\,${k})`),
  );
  const head = [`[0:v]select=${select}`, `scale=${layout.thumbWidth}:${layout.thumbHeight}`, 'setsar=1', ...stamps];
  const tile = `tile=${layout.columns}x1:margin=${SHEET_GAP}:padding=${SHEET_GAP}:color=${SHEET_BACKGROUND}`;
  const band = `pad=iw:ih+${layout.captionHeight}:0:${layout.captionHeight}:color=${SHEET_BACKGROUND}`;
  const branch = (row: number) => {
    const first = thumbs.findIndex((t) => t.row === row);
    const count = thumbs.filter((t) => t.row === row).length;
    const caption = textFilter(labelFiles[row], fontFile, size, `x=${SHEET_GAP + 2}:y=${SHEET_GAP}`);
    return `select=between(n\\,${first}\\,${first + count - 1}),${tile},${band},${caption}`;
  };
  const pad = `pad=${layout.width}:${layout.height}:0:0:color=${SHEET_BACKGROUND}`;
  const graph =
    rows === 1
      ? `${head.join(',')},${branch(0)},${pad}[v]`
      : [
          `${head.join(',')},split=${rows}${Array.from({ length: rows }, (_, r) => `[s${r}]`).join('')}`,
          ...Array.from({ length: rows }, (_, r) => `[s${r}]${branch(r)}[r${r}]`),
          `${Array.from({ length: rows }, (_, r) => `[r${r}]`).join('')}vstack=inputs=${rows},${pad}[v]`,
        ].join(';');
  return [
    '-i', film, '-filter_complex', graph, '-map', '[v]', '-an',
    '-vsync', '0', '-frames:v', '1', '-update', '1', outPng,
  ];
}

/**
 * The sheet from the scenes' row images (`sheetRowFilter`, input i = scene i): stamps each thumbnail's
 * time code at its bottom right, adds each row's caption band and caption, stacks the rows and pads to
 * the layout's size. Pixel for pixel what `sceneSheetArgs` draws from the film, without decoding it.
 */
export function sceneSheetFromRowsArgs(
  rows: string[],
  outPng: string,
  layout: SheetLayout,
  labelFiles: string[],
  fontFile: string,
): string[] {
  const count = layout.height / layout.rowHeight;
  if (rows.length !== count) throw new RangeError(`rows must list one image per scene (${count}), got ${rows.length}`);
  if (labelFiles.length !== layout.labels.length) {
    throw new RangeError(`labelFiles must list one file per label (${layout.labels.length}), got ${labelFiles.length}`);
  }
  const { thumbs, fontSize: size, thumbWidth, thumbHeight } = layout;
  const band = `pad=iw:ih+${layout.captionHeight}:0:${layout.captionHeight}:color=${SHEET_BACKGROUND}`;
  const branch = (row: number) => {
    const stamps = thumbs.flatMap((t, k) => {
      if (t.row !== row) return [];
      const [right, bottom] = [t.x + thumbWidth - 6, SHEET_GAP + thumbHeight - 6];
      return [textFilter(labelFiles[count + k], fontFile, size, `x=${right}-tw:y=${bottom}-th`)];
    });
    const caption = textFilter(labelFiles[row], fontFile, size, `x=${SHEET_GAP + 2}:y=${SHEET_GAP}`);
    return [`[${row}:v]setsar=1`, ...stamps, band, caption].join(',');
  };
  const pad = `pad=${layout.width}:${layout.height}:0:0:color=${SHEET_BACKGROUND}`;
  const graph =
    count === 1
      ? `${branch(0)},${pad}[v]`
      : [
          ...Array.from({ length: count }, (_, r) => `${branch(r)}[r${r}]`),
          `${Array.from({ length: count }, (_, r) => `[r${r}]`).join('')}vstack=inputs=${count},${pad}[v]`,
        ].join(';');
  return [
    ...rows.flatMap((row) => ['-i', row]), '-filter_complex', graph, '-map', '[v]', '-an',
    '-vsync', '0', '-frames:v', '1', '-update', '1', outPng,
  ];
}
