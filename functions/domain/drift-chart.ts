// The drift chart's geometry and recipe: ΔE2000 to the anchor per scene (bars, a line at the limit)
// above loudness per scene (bars from the axis floor, louder = taller, a line at the target), drawn
// by ffmpeg on a white canvas. Texts reach drawtext through files, as in ./picture-recipes.
import { filterValue, labelText, requireInt } from './picture-recipes';

export interface DriftScene {
  step: string;
  name: string;
  deltaE: number | null;
  lufs: number | null;
}

export interface DriftChartOptions {
  scenes: DriftScene[];
  deltaELimit?: number;
  targetLufs: number | null;
  width?: number;
  height?: number;
}

export interface Axis {
  min: number;
  max: number;
  ticks: number[];
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  color: string;
}

/** Text anchored at (x, y): `align` says which point of the text sits there. */
export interface ChartText {
  text: string;
  x: number;
  y: number;
  size: number;
  align: 'left' | 'center' | 'right';
  color: string;
}

export interface Panel {
  axis: Axis;
  plot: { left: number; top: number; right: number; bottom: number };
  /** One per scene; null where the value is not known (drawn as "n/a"). */
  bars: (Box | null)[];
  /** The limit (ΔE) or target (LUFS) line, when there is one. */
  reference: Box | null;
}

export interface DriftChartLayout {
  width: number;
  height: number;
  panels: [Panel, Panel];
  boxes: Box[];
  texts: ChartText[];
}

const INK = '0x333333';
const GRID = '0xdddddd';
const LINE = '0xd62728';
const BAR = { within: '0x4c78a8', over: '0xe45756', loudness: '0x54a24b' } as const;

/** Round numbers (1, 2 or 5 × 10^k apart) spanning lo..hi in about `count` ticks. */
export function niceAxis(lo: number, hi: number, count = 5): Axis {
  const span = hi > lo ? hi - lo : Math.max(1, Math.abs(hi));
  const raw = span / (count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw - 1e-12)!;
  const round = (v: number) => Number(v.toFixed(10)); // 3 × 0.2 is 0.6000000000000001
  const min = round(Math.floor(lo / step + 1e-9) * step);
  const max = round(Math.max(min + step, Math.ceil(hi / step - 1e-9) * step));
  const ticks: number[] = [];
  for (let v = min; v <= max + step / 2; v += step) ticks.push(round(v));
  return { min, max, ticks };
}

/** The y pixel of `value` on a plot whose axis runs from `bottom` (axis.min) up to `top` (axis.max). */
export function yOf(value: number, axis: Axis, plot: { top: number; bottom: number }): number {
  const clamped = Math.min(axis.max, Math.max(axis.min, value));
  return Math.round(plot.bottom - ((clamped - axis.min) / (axis.max - axis.min)) * (plot.bottom - plot.top));
}

const known = (v: number | null): v is number => v !== null && Number.isFinite(v);
const fmt = (v: number) => String(Number(v.toFixed(2)));

interface PanelSpec {
  title: string;
  values: (number | null)[];
  axis: Axis;
  reference: number | null;
  barColor: (v: number) => string;
  top: number;
  bottom: number;
}

function drawPanel(spec: PanelSpec, scenes: DriftScene[], width: number, out: DriftChartLayout): Panel {
  const size = Math.max(10, Math.round(out.height / 45));
  const plot = { left: 64, top: spec.top + size * 2 + 6, right: width - 16, bottom: spec.bottom - 2 * size - 12 };
  const { axis } = spec;
  out.texts.push({ text: spec.title, x: plot.left, y: spec.top + 4, size: size + 2, align: 'left', color: INK });
  for (const tick of axis.ticks) {
    const y = yOf(tick, axis, plot);
    out.boxes.push({ x: plot.left, y, w: plot.right - plot.left, h: 1, color: GRID });
    out.texts.push({ text: fmt(tick), x: plot.left - 6, y: y - Math.round(size / 2), size, align: 'right', color: INK });
  }
  const slot = (plot.right - plot.left) / spec.values.length;
  const barWidth = Math.max(2, Math.round(slot * 0.6));
  // Two lines under each bar: the step (unique) and as much of the name as fits the slot.
  const labelChars = Math.max(3, Math.floor((slot - 8) / (size * 0.62)));
  const bars = spec.values.map((value, i) => {
    const centre = Math.round(plot.left + slot * (i + 0.5));
    const label = (text: string, line: number) =>
      out.texts.push({ text: labelText(text, labelChars), x: centre, y: plot.bottom + 5 + line * (size + 2), size, align: 'center', color: INK });
    const { step } = scenes[i];
    // A slot too narrow for "scene-12" still shows which scene it is: "12".
    label(step.length <= labelChars ? step : (/\d+$/.exec(step)?.[0] ?? step), 0);
    label(scenes[i].name, 1);
    if (!known(value)) {
      out.texts.push({ text: 'n/a', x: centre, y: plot.bottom - size - 4, size, align: 'center', color: INK });
      return null;
    }
    const y = yOf(value, axis, plot);
    const bar = { x: centre - Math.floor(barWidth / 2), y, w: barWidth, h: plot.bottom - y, color: spec.barColor(value) };
    out.texts.push({ text: value.toFixed(1), x: centre, y: y - size - 3, size, align: 'center', color: INK });
    return bar;
  });
  out.boxes.push(...bars.filter((b): b is Box => b !== null && b.h > 0));
  out.boxes.push({ x: plot.left, y: plot.top, w: 1, h: plot.bottom - plot.top + 1, color: INK });
  out.boxes.push({ x: plot.left, y: plot.bottom, w: plot.right - plot.left, h: 1, color: INK });
  const reference = known(spec.reference)
    ? { x: plot.left, y: yOf(spec.reference, axis, plot) - 1, w: plot.right - plot.left, h: 2, color: LINE }
    : null;
  if (reference) out.boxes.push(reference);
  return { axis, plot, bars, reference };
}

function checkChartOptions(opts: DriftChartOptions, width: number, height: number, limit: number): void {
  if (opts.scenes.length === 0) throw new RangeError('scenes must list at least one scene');
  requireInt('width', width, 320, 4096);
  requireInt('height', height, 240, 4096);
  if (!(limit > 0 && Number.isFinite(limit))) throw new RangeError(`deltaELimit must be above 0, got ${limit}`);
  if (opts.targetLufs !== null && !Number.isFinite(opts.targetLufs)) {
    throw new RangeError(`targetLufs must be a number or null, got ${opts.targetLufs}`);
  }
}

/** The chart's geometry: ΔE2000 bars over a 0-based axis on top, loudness bars below (louder = taller). */
export function driftChartLayout(opts: DriftChartOptions): DriftChartLayout {
  const { width = 960, height = 540, deltaELimit: limit = 3, targetLufs } = opts;
  checkChartOptions(opts, width, height, limit);
  const out: DriftChartLayout = { width, height, panels: [] as unknown as [Panel, Panel], boxes: [], texts: [] };
  const titleSize = Math.max(14, Math.round(height / 28));
  out.texts.push({ text: 'Continuity drift per scene', x: Math.round(width / 2), y: 8, size: titleSize, align: 'center', color: INK });
  const top = titleSize + 16;
  const middle = Math.round((top + height) / 2);
  const deltaE = opts.scenes.map((s) => (known(s.deltaE) ? Math.max(0, s.deltaE) : null));
  const lufs = opts.scenes.map((s) => s.lufs);
  const deltaEMax = Math.max(limit, ...deltaE.filter(known));
  const loud = [...lufs, targetLufs].filter(known);
  const [lo, hi] = loud.length ? [Math.min(...loud) - 2, Math.max(...loud) + 2] : [-30, -10];
  out.panels = [
    drawPanel(
      { title: `ΔE2000 to the anchor (limit ${limit})`, values: deltaE, axis: niceAxis(0, deltaEMax * 1.15), reference: limit,
        barColor: (v) => (v > limit ? BAR.over : BAR.within), top, bottom: middle },
      opts.scenes, width, out,
    ),
    drawPanel(
      { title: `Loudness, LUFS${known(targetLufs) ? ` (target ${targetLufs})` : ''}`, values: lufs, axis: niceAxis(lo, hi),
        reference: targetLufs, barColor: () => BAR.loudness, top: middle, bottom: height },
      opts.scenes, width, out,
    ),
  ];
  return out;
}

/** Boxes and texts drawn onto a white canvas; `labelFiles[i]` holds `layout.texts[i].text`. */
export function driftChartArgs(layout: DriftChartLayout, outPng: string, labelFiles: string[], fontFile: string): string[] {
  const boxes = layout.boxes.map((b) => `drawbox=x=${b.x}:y=${b.y}:w=${b.w}:h=${b.h}:color=${b.color}:t=fill`);
  const texts = layout.texts.map((t, i) => {
    const x = t.align === 'left' ? `${t.x}` : t.align === 'right' ? `${t.x}-tw` : `${t.x}-tw/2`;
    return (
      `drawtext=fontfile=${filterValue(fontFile)}:textfile=${filterValue(labelFiles[i])}:expansion=none` +
      `:fontsize=${t.size}:fontcolor=${t.color}:x=${x}:y=${t.y}`
    );
  });
  const graph = [`color=c=white:s=${layout.width}x${layout.height}:r=1:d=1`, 'format=yuv444p', ...boxes, ...texts].join(',');
  return ['-f', 'lavfi', '-i', graph, '-frames:v', '1', '-update', '1', outPng];
}
