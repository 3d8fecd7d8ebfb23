// Pure picture recipes: which frames the contact sheet shows and where, what its labels say, the
// drift chart's geometry (axes, bars, lines) and that no label text ever enters a filtergraph.
import { describe, expect, it } from 'vitest';
import { driftChartArgs, driftChartLayout, niceAxis, yOf, type DriftScene } from '../../functions/domain/drift-chart';
import {
  filterValue,
  labelText,
  sceneSheetArgs,
  sceneSheetLayout,
  timecode,
  type SheetScene,
} from '../../functions/domain/picture-recipes';

const film = { width: 1024, height: 576 };
const scenes: SheetScene[] = [
  { step: 'scene-0', name: 'Harbour at dawn', startFrame: 0, frames: 120 },
  { step: 'scene-1', name: 'Gull', startFrame: 120, frames: 3 },
];
const NASTY = `It's "a": test, [x]; %{pts} 50% \\ end`;

describe('text helpers', () => {
  it('escapes a value for both the option and the graph parser', () => {
    expect(filterValue(`/tmp/a:b'c,d[e];f\\g`)).toBe(`/tmp/a\\\\:b\\\\\\'c\\,d\\[e\\]\\;f\\\\\\\\g`);
  });

  it.each([
    ['folds line breaks, tabs and control characters into single spaces', ' a\n\tb\u0000c  ', 10, 'a b c'],
    ['keeps a short text as it is', 'Harbour', 7, 'Harbour'],
    ['cuts a long text to the cap, ending in an ellipsis', 'Harbour at dawn', 8, 'Harbour…'],
    ['counts characters, not UTF-16 units', '🌊🌊🌊🌊', 3, '🌊🌊…'],
  ])('labelText %s', (_, text, max, expected) => {
    expect(labelText(text, max)).toBe(expected);
  });

  it.each([
    [0, 25, '00:00.00'],
    [24, 25, '00:00.24'],
    [25, 25, '00:01.00'],
    [1512, 25, '01:00.12'],
    [90_000 + 3 * 25, 25, '01:00:03.00'],
    [59, 30000 / 1001, '00:01.29'],
    [60, 30000 / 1001, '00:02.00'],
  ])('timecode of frame %d at %d fps is %s (ff = frames within the second)', (frame, fps, expected) => {
    expect(timecode(frame, fps)).toBe(expected);
  });
});

describe('scene contact sheet layout', () => {
  const layout = sceneSheetLayout(film, { scenes, fps: 25 });

  it('fits thumbsPerScene columns of even-width thumbnails with the film’s aspect into the width', () => {
    expect(layout).toMatchObject({ width: 1280, columns: 5, thumbWidth: 250, thumbHeight: 140, fontSize: 16 });
  });

  it('spaces each row’s thumbnails evenly within the scene’s own frames, never repeating one', () => {
    expect(layout.thumbs.filter((t) => t.row === 0).map((t) => t.frame)).toEqual([12, 36, 60, 84, 108]);
    expect(layout.thumbs.filter((t) => t.row === 1).map((t) => t.frame)).toEqual([120, 121, 122]);
  });

  it('stacks one row per scene, a caption band above its thumbnails, placed left to right', () => {
    expect(layout).toMatchObject({ captionHeight: 22, rowHeight: 170, height: 340 });
    expect(layout.thumbs.slice(0, 2)).toEqual([
      { row: 0, frame: 12, x: 4, y: 26 },
      { row: 0, frame: 36, x: 258, y: 26 },
    ]);
    expect(layout.thumbs[5]).toEqual({ row: 1, frame: 120, x: 4, y: 196 });
  });

  it('labels rows with step and name, then every thumbnail with its time code', () => {
    expect(layout.labels).toEqual([
      'scene-0 · Harbour at dawn', 'scene-1 · Gull',
      '00:00.12', '00:01.11', '00:02.10', '00:03.09', '00:04.08', '00:04.20', '00:04.21', '00:04.22',
    ]);
  });

  it.each([
    ['to 40 characters', { width: 1280 }, `scene-0 · ${'x'.repeat(39)}…`],
    ['to what fits across a narrow sheet', { width: 100, thumbsPerScene: 1 }, 'scene-0 · xxx…'],
  ])('caps a long scene name %s', (_, size, caption) => {
    const long = sceneSheetLayout(film, { scenes: [{ ...scenes[0], name: 'x'.repeat(200) }], fps: 25, ...size });
    expect(long.labels[0]).toBe(caption);
  });

  it.each([
    [{ scenes: [] }, /scenes must list at least one scene/],
    [{ fps: 0 }, /fps must be above 0/],
    [{ thumbsPerScene: 0 }, /thumbsPerScene must be a whole number from 1 to 12, got 0/],
    [{ thumbsPerScene: 2.5 }, /thumbsPerScene must be a whole number/],
    [{ width: 100 }, /width must be a whole number from 320 to 8192, got 100/],
    [{ scenes: [{ ...scenes[0], frames: 0 }] }, /scenes\[0\]\.frames must be a whole number from 1/],
    [{ scenes: [{ ...scenes[0], startFrame: -1 }] }, /scenes\[0\]\.startFrame must be a whole number from 0/],
    [{ scenes: [scenes[0], { ...scenes[1], startFrame: 119 }] }, /scenes\[1\]\.startFrame must come after the end of scenes\[0\]/],
  ])('rejects %o naming the field', (change, message) => {
    expect(() => sceneSheetLayout(film, { scenes, fps: 25, ...change })).toThrow(message);
  });
});

describe('scene contact sheet recipe', () => {
  const files = (n: number) => Array.from({ length: n }, (_, i) => `/scratch/.labels-x/${i}.txt`);

  it('decodes once, splits into one tiled branch per row and stacks the rows', () => {
    const named = [{ ...scenes[0], name: NASTY }, scenes[1]];
    const layout = sceneSheetLayout(film, { scenes: named, fps: 25 });
    const args = sceneSheetArgs('film.mp4', 'sheet.png', layout, files(layout.labels.length), '/fonts/Deja Vu.ttf');
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    const graph = args[args.indexOf('-filter_complex') + 1];
    expect(graph).toContain('select=eq(n\\,12)+eq(n\\,36)+eq(n\\,60)+eq(n\\,84)+eq(n\\,108)+eq(n\\,120)+eq(n\\,121)+eq(n\\,122),scale=250:140');
    expect(graph).toContain('split=2[s0][s1]');
    expect(graph).toContain('[s1]select=between(n\\,5\\,7),');
    expect(graph).toContain('[r0][r1]vstack=inputs=2,pad=1280:340:0:0');
    expect(graph.match(/expansion=none/g)).toHaveLength(layout.labels.length);
    expect(graph).toContain('textfile=/scratch/.labels-x/9.txt:expansion=none');
    expect(graph).not.toContain('Harbour');
    expect(graph).not.toContain('00:00.12');
  });

  it('needs no split or stack for a single scene', () => {
    const layout = sceneSheetLayout(film, { scenes: [scenes[0]], fps: 25 });
    const graph = sceneSheetArgs('f.mp4', 's.png', layout, files(6), '/f.ttf')[3];
    expect(graph).not.toMatch(/split|vstack/);
    expect(graph).toMatch(/tile=5x1:margin=4:padding=4:color=0x202020,pad=iw:ih\+22:0:22:color=0x202020,drawtext=.*textfile=\/scratch\/.labels-x\/0.txt:.*:x=6:y=4,pad=1280:170:0:0:color=0x202020\[v\]$/);
  });
});

describe('drift chart geometry', () => {
  const chartScenes: DriftScene[] = [
    { step: 'scene-0', name: 'Harbour', deltaE: 1, lufs: -14 },
    { step: 'scene-1', name: 'Gull', deltaE: 2, lufs: -23 },
    { step: 'scene-2', name: ' ', deltaE: null, lufs: null },
  ];
  const chart = driftChartLayout({ scenes: chartScenes, targetLufs: -16 });
  const [deltaE, loudness] = chart.panels;

  it.each([
    [0, 3.45, { min: 0, max: 4, ticks: [0, 1, 2, 3, 4] }],
    [-25, -12, { min: -25, max: -10, ticks: [-25, -20, -15, -10] }],
    [0, 0.5, { min: 0, max: 0.6, ticks: [0, 0.2, 0.4, 0.6] }],
    [0, 0, { min: 0, max: 0.5, ticks: [0, 0.5] }],
    [-40, -40, { min: -40, max: -30, ticks: [-40, -30] }],
  ])('niceAxis(%d, %d) runs on round numbers', (lo, hi, axis) => {
    expect(niceAxis(lo, hi)).toEqual(axis);
  });

  it('maps values onto the plot, clamping those outside the axis', () => {
    const axis = { min: -25, max: -10, ticks: [] };
    const plot = { top: 100, bottom: 250 };
    expect([-25, -10, -16, -40, 0].map((v) => yOf(v, axis, plot))).toEqual([250, 100, 160, 250, 100]);
  });

  it('scales ΔE from 0 to a round number above the limit and the largest value', () => {
    expect(deltaE.axis).toEqual({ min: 0, max: 4, ticks: [0, 1, 2, 3, 4] });
    expect(deltaE.plot).toEqual({ left: 64, top: 65, right: 944, bottom: 252 });
  });

  it('draws ΔE bars from the floor, height proportional to the value, centred in equal slots', () => {
    expect(deltaE.bars).toEqual([
      { x: 123, y: 205, w: 176, h: 47, color: '0x4c78a8' },
      { x: 416, y: 159, w: 176, h: 93, color: '0x4c78a8' },
      null,
    ]);
    expect(deltaE.reference).toEqual({ x: 64, y: 111, w: 880, h: 2, color: '0xd62728' });
  });

  it('colours a ΔE above the limit and stretches the axis to show it', () => {
    const over = driftChartLayout({ scenes: [{ ...chartScenes[0], deltaE: 7.2 }], targetLufs: null }).panels[0];
    expect(over.axis.max).toBe(10);
    expect(over.bars[0]?.color).toBe('0xe45756');
  });

  it('scales negative LUFS around the values and the target, louder bars taller', () => {
    expect(loudness.axis).toEqual({ min: -25, max: -10, ticks: [-25, -20, -15, -10] });
    expect(loudness.plot).toEqual({ left: 64, top: 318, right: 944, bottom: 504 });
    expect(loudness.bars.map((b) => b && { y: b.y, h: b.h })).toEqual([{ y: 368, h: 136 }, { y: 479, h: 25 }, null]);
    expect(loudness.reference?.y).toBe(391);
  });

  it('writes n/a where a value is missing or not finite', () => {
    const silent = driftChartLayout({ scenes: [{ ...chartScenes[0], lufs: -Infinity }], targetLufs: -16 });
    expect(silent.panels[1].bars).toEqual([null]);
    expect(silent.texts.filter((t) => t.text === 'n/a')).toHaveLength(1);
    expect(chart.texts.filter((t) => t.text === 'n/a')).toHaveLength(2);
  });

  it('labels ticks, values, scenes and titles', () => {
    const texts = chart.texts.map((t) => t.text);
    expect(texts).toEqual(expect.arrayContaining([
      'Continuity drift per scene', 'ΔE2000 to the anchor (limit 3)', 'Loudness, LUFS (target -16)',
      '0', '4', '-25', '-10', '1.0', '2.0', '-14.0', '-23.0', 'Harbour', 'Gull',
    ]));
    expect(chart.texts.find((t) => t.text === '-25')).toMatchObject({ x: 58, y: 498, align: 'right' });
  });

  it('labels each bar with its step (its number when narrow), and its name below as far as it fits', () => {
    // 4 slots of 60 px in a 320 px chart: 6 characters of 12 px text.
    const four = Array.from({ length: 4 }, () => ({ ...chartScenes[0], name: 'Harbour at dawn' }));
    const narrow = driftChartLayout({ scenes: four, targetLufs: null, width: 320 });
    const { bottom } = narrow.panels[0].plot;
    const under = narrow.texts.filter((t) => t.x === 94 && t.y > bottom && t.y < bottom + 30);
    expect(under).toEqual([
      { text: '0', x: 94, y: bottom + 5, size: 12, align: 'center', color: '0x333333' },
      { text: 'Harbo…', x: 94, y: bottom + 19, size: 12, align: 'center', color: '0x333333' },
    ]);
    const unnumbered = driftChartLayout({ scenes: four.map((sc) => ({ ...sc, step: 'opening' })), targetLufs: null, width: 320 });
    expect(unnumbered.texts.find((t) => t.x === 94 && t.y === bottom + 5)?.text).toBe('openi…');
  });

  it('draws no target line and a default LUFS axis when there is no loudness at all', () => {
    const quiet = driftChartLayout({ scenes: [{ ...chartScenes[0], lufs: null }], targetLufs: null });
    expect(quiet.panels[1]).toMatchObject({ axis: { min: -30, max: -10 }, reference: null });
    expect(quiet.texts.map((t) => t.text)).toContain('Loudness, LUFS');
  });

  it.each([
    [{ scenes: [] }, /scenes must list at least one scene/],
    [{ width: 100 }, /width must be a whole number from 320 to 4096, got 100/],
    [{ height: 5000 }, /height must be a whole number from 240 to 4096, got 5000/],
    [{ deltaELimit: 0 }, /deltaELimit must be above 0, got 0/],
    [{ targetLufs: Number.NaN }, /targetLufs must be a number or null, got NaN/],
  ])('rejects %o naming the field', (change, message) => {
    expect(() => driftChartLayout({ scenes: chartScenes, targetLufs: -16, ...change })).toThrow(message);
  });
});

describe('drift chart recipe', () => {
  it('draws every box and reads every text from its file, aligned by its anchor', () => {
    const chart = driftChartLayout({ scenes: [{ step: 'scene-0', name: NASTY, deltaE: 1, lufs: -16 }], targetLufs: -16, width: 640, height: 360 });
    const files = chart.texts.map((_, i) => `/s/${i}.txt`);
    const [, , , graph] = driftChartArgs(chart, 'chart.png', files, '/f.ttf');
    expect(graph.startsWith('color=c=white:s=640x360:r=1:d=1,format=yuv444p,drawbox=')).toBe(true);
    expect(graph.match(/drawbox=/g)).toHaveLength(chart.boxes.length);
    expect(graph.match(/textfile=\/s\/\d+\.txt:expansion=none/g)).toHaveLength(chart.texts.length);
    expect(graph).toContain(`textfile=/s/0.txt:expansion=none:fontsize=14:fontcolor=0x333333:x=320-tw/2:y=8`);
    expect(graph).toMatch(/x=58-tw:/);
    expect(graph).not.toContain('%{pts}');
  });
});
