// Pure picture recipes: which frames the contact sheet shows and where, what its labels say, the
// drift chart's geometry (axes, bars, lines) and that no label text ever enters a filtergraph.
import { describe, expect, it } from 'vitest';
import { driftChartArgs, driftChartLayout, niceAxis, yOf, type DriftScene } from '../../functions/domain/drift-chart';
import {
  filterValue,
  labelText,
  sceneSheetArgs,
  sceneSheetFromRowsArgs,
  sceneSheetLayout,
  sheetRowFilter,
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

describe('contact sheet row of one segment', () => {
  it('is a label-free fragment: select the picks, scale, tile one row', () => {
    expect(sheetRowFilter(film, 120)).toEqual({
      filter: 'select=eq(n\\,12)+eq(n\\,36)+eq(n\\,60)+eq(n\\,84)+eq(n\\,108),scale=250:140,setsar=1,tile=5x1:margin=4:padding=4:color=0x202020',
      offsets: [12, 36, 60, 84, 108],
      width: 1274,
      height: 148,
    });
  });

  it.each([0, 1])('picks the frames the film-based layout shows for scene %i, relative to the scene', (row) => {
    const layout = sceneSheetLayout(film, { scenes, fps: 25 });
    const frames = layout.thumbs.filter((t) => t.row === row).map((t) => t.frame - scenes[row].startFrame);
    expect(sheetRowFilter(film, scenes[row].frames).offsets).toEqual(frames);
  });

  it('tiles only the picks of a short scene and pads to the full row, so the row is done at its last pick', () => {
    const { filter, width, height } = sheetRowFilter(film, 3);
    expect(filter).toMatch(/,tile=3x1:margin=4:padding=4:color=0x202020,pad=1274:148:0:0:color=0x202020$/);
    expect({ width, height }).toEqual({ width: 1274, height: 148 });
  });

  it('sizes thumbnails and the row from thumbsPerScene and width as the sheet does', () => {
    const layout = sceneSheetLayout(film, { scenes, fps: 25, thumbsPerScene: 3, width: 480 });
    const row = sheetRowFilter(film, 120, { thumbsPerScene: 3, width: 480 });
    expect(row.filter).toContain(`scale=${layout.thumbWidth}:${layout.thumbHeight},`);
    expect(row.height).toBe(layout.rowHeight - layout.captionHeight);
  });

  it.each([
    [{ width: 0, height: 576 }, 120, {}, /film\.width must be a whole number from 2 to 16384, got 0/],
    [{ width: 1024, height: 576.5 }, 120, {}, /film\.height must be a whole number/],
    [film, 0, {}, /frames must be a whole number from 1/],
    [film, 2.5, {}, /frames must be a whole number/],
    [film, 120, { thumbsPerScene: 13 }, /thumbsPerScene must be a whole number from 1 to 12, got 13/],
    [film, 120, { width: 100 }, /width must be a whole number from 320 to 8192, got 100/],
  ])('rejects film %o, frames %d, options %o naming the field', (size, frames, opts, message) => {
    expect(() => sheetRowFilter(size, frames, opts)).toThrow(message);
  });
});

describe('contact sheet from rows recipe', () => {
  const files = (n: number) => Array.from({ length: n }, (_, i) => `/scratch/.labels-x/${i}.txt`);
  const named = [{ ...scenes[0], name: NASTY }, scenes[1]];
  const layout = sceneSheetLayout(film, { scenes: named, fps: 25 });
  const args = sceneSheetFromRowsArgs(['r0.png', 'r1.png'], 'sheet.png', layout, files(layout.labels.length), '/f.ttf');
  const graph = args[args.indexOf('-filter_complex') + 1];

  it('reads one image per row and decodes no film', () => {
    expect(args.slice(0, 4)).toEqual(['-i', 'r0.png', '-i', 'r1.png']);
    expect(graph).not.toMatch(/select|scale|tile/);
  });

  it('stamps each time code at its thumbnail’s bottom right, in its own row', () => {
    expect(graph).toMatch(/^\[0:v\]setsar=1,drawtext=[^;]*textfile=\/scratch\/.labels-x\/2.txt:[^;]*:x=248-tw:y=138-th/);
    expect(graph).toContain('textfile=/scratch/.labels-x/6.txt:expansion=none:fontsize=16:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=3:x=1264-tw:y=138-th');
    expect(graph).toMatch(/\[1:v\]setsar=1,drawtext=[^;]*\/7.txt:[^;]*:x=248-tw:y=138-th/);
    expect(graph.split(';')[1].match(/-tw:y=138-th/g)).toHaveLength(3);
  });

  it('adds each row’s caption band and caption, stacks the rows and pads to the layout', () => {
    expect(graph).toContain('pad=iw:ih+22:0:22:color=0x202020,drawtext=fontfile=/f.ttf:textfile=/scratch/.labels-x/1.txt:expansion=none:fontsize=16:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=3:x=6:y=4[r1]');
    expect(graph).toMatch(/\[r0\]\[r1\]vstack=inputs=2,pad=1280:340:0:0:color=0x202020\[v\]$/);
    expect(args.slice(-5)).toEqual(['-frames:v', '1', '-update', '1', 'sheet.png']);
  });

  it('reads every label from its file, never from the graph', () => {
    expect(graph.match(/expansion=none/g)).toHaveLength(layout.labels.length);
    expect(graph).not.toContain('Harbour');
    expect(graph).not.toContain('00:00.12');
  });

  it('needs no stack for a single scene', () => {
    const one = sceneSheetLayout(film, { scenes: [scenes[0]], fps: 25 });
    const [, , , single] = sceneSheetFromRowsArgs(['r0.png'], 's.png', one, files(6), '/f.ttf');
    expect(single).not.toMatch(/vstack|;/);
    expect(single).toMatch(/x=6:y=4,pad=1280:170:0:0:color=0x202020\[v\]$/);
  });

  it.each([
    [['r0.png'], files(10), /rows must list one image per scene \(2\), got 1/],
    [['r0.png', 'r1.png'], files(9), /labelFiles must list one file per label \(10\), got 9/],
  ])('rejects %j rows with mismatched inputs naming the field', (rows, labelFiles, message) => {
    expect(() => sceneSheetFromRowsArgs(rows, 's.png', layout, labelFiles, '/f.ttf')).toThrow(message);
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
