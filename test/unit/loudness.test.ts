// The pure half of loudness: ffmpeg arguments, parsers of ffmpeg's own output (captured from the
// 2018 build), and the gain to the target with its true-peak cap.
import { describe, expect, it } from 'vitest';
import {
  audioStreamArgs,
  loudnessArgs,
  loudnessGainDb,
  parseEbur128Summaries,
  parseLoudness,
  parseSeamAudio,
  parseVolumeDetect,
  seamAudioArgs,
} from '../../functions/domain/loudness';

/** An ebur128 summary as ffmpeg 4.1 prints it: one log call, so only its first line has the prefix. */
const summary = (instance: string, lufs: string, peak?: string) =>
  [
    `[${instance} @ 0x6ab3b40] Summary:`,
    '',
    '  Integrated loudness:',
    `    I:         ${lufs} LUFS`,
    '    Threshold: -41.8 LUFS',
    '',
    '  Loudness range:',
    '    LRA:        20.0 LU',
    '    Threshold: -51.8 LUFS',
    '    LRA low:   -51.8 LUFS',
    '    LRA high:  -31.8 LUFS',
    ...(peak === undefined ? [] : ['', '  True peak:', `    Peak:      ${peak} dBFS`]),
  ].join('\n');

const volumedetect = (instance: string, meanDb: string) =>
  [
    `[${instance} @ 0x20d042c0] n_samples: 192000`,
    `[${instance} @ 0x20d042c0] mean_volume: ${meanDb} dB`,
    `[${instance} @ 0x20d042c0] max_volume: -25.3 dB`,
    `[${instance} @ 0x20d042c0] histogram_25db: 4`,
  ].join('\n');

const MUXER_TAIL = 'size=N/A time=00:00:03.01 bitrate=N/A speed= 167x    \nvideo:0kB audio:283kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown';

describe('ffmpeg arguments', () => {
  it('measures loudness from the first audio stream only, with true peak, without per-frame logging', () => {
    expect(loudnessArgs('clip.mp4')).toEqual([
      '-nostats', '-i', 'clip.mp4', '-map', '0:a:0', '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-',
    ]);
  });

  it('asks ffprobe for the first audio stream only', () => {
    expect(audioStreamArgs('clip.mp4')).toEqual(['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=index', '-of', 'csv=p=0', 'clip.mp4']);
  });

  it('splits the film’s sound into five named windows per seam and passes the whole stream on', () => {
    const args = seamAudioArgs('final.mp4', [3, 5.96]);
    expect(args.slice(0, 6)).toEqual(['-nostats', '-i', 'final.mp4', '-map', '0:a:0', '-af']);
    const graph = args[6].split(';');
    expect(graph[0]).toBe('asplit=11[w0][w1][w2][w3][w4][w5][w6][w7][w8][w9]');
    expect(graph.slice(1, 6)).toEqual([
      '[w0]atrim=start=1:end=3,ebur128@seam0before=framelog=verbose,anullsink',
      '[w1]atrim=start=3:end=5,ebur128@seam0after=framelog=verbose,anullsink',
      '[w2]atrim=start=2.85:end=3.15,volumedetect@seam0dip,anullsink',
      '[w3]atrim=start=2.95:end=3.05,volumedetect@seam0dipshort,anullsink',
      '[w4]atrim=start=2:end=4,volumedetect@seam0around,anullsink',
    ]);
    expect(graph[6]).toBe('[w5]atrim=start=3.96:end=5.96,ebur128@seam1before=framelog=verbose,anullsink');
    expect(graph).toHaveLength(11);
    expect(args.slice(7)).toEqual(['-f', 'null', '-']);
  });

  it('clamps windows that would start before the film', () => {
    const graph = seamAudioArgs('final.mp4', [0.5])[6];
    expect(graph).toContain('atrim=start=0:end=0.5,ebur128@seam0before');
    expect(graph).toContain('atrim=start=0:end=1.5,volumedetect@seam0around');
  });
});

describe('parsing ffmpeg’s output', () => {
  it('reads every ebur128 summary by its filter instance, true peak or not', () => {
    const log = [summary('Parsed_ebur128_0', '-31.8', '-27.6'), summary('ebur128@seam0after', '-35.2'), MUXER_TAIL].join('\n');
    const found = parseEbur128Summaries(log);
    expect(found.get('Parsed_ebur128_0')).toEqual({ integratedLufs: -31.8, truePeakDbtp: -27.6 });
    expect(found.get('ebur128@seam0after')).toEqual({ integratedLufs: -35.2, truePeakDbtp: NaN });
  });

  it('does not read a summary’s figures from the next instance’s lines', () => {
    const log = `[ebur128@a @ 0x1] Summary:\n\n  Integrated loudness:\n[ebur128@b @ 0x2] Summary:\n\n    I:  -20.0 LUFS`;
    expect([...parseEbur128Summaries(log).keys()]).toEqual(['ebur128@b']);
  });

  it('reads the mean volume of every volumedetect instance, silence included', () => {
    const log = [volumedetect('volumedetect@seam0around', '-35.5'), volumedetect('Parsed_volumedetect_0', '-91.0'), MUXER_TAIL].join('\n');
    expect(parseVolumeDetect(log)).toEqual(new Map([['volumedetect@seam0around', -35.5], ['Parsed_volumedetect_0', -91]]));
  });

  it.each([
    ['a tone', summary('Parsed_ebur128_0', '-31.8', '-27.6'), { integratedLufs: -31.8, truePeakDbtp: -27.6 }],
    ['a loud clip, peak above 0 dBFS', summary('Parsed_ebur128_0', '-8.0', '1.3'), { integratedLufs: -8, truePeakDbtp: 1.3 }],
    ['silence (ebur128 prints the -70 LUFS gate and -inf peak)', summary('Parsed_ebur128_0', '-70.0', '-inf'), null],
  ])('parseLoudness: %s', (_what, log, expected) => {
    expect(parseLoudness(`${log}\n${MUXER_TAIL}`)).toEqual(expected);
  });

  it.each([
    ['no summary', MUXER_TAIL, /found 0/],
    ['two summaries', `${summary('Parsed_ebur128_0', '-20.0', '-3.0')}\n${summary('Parsed_ebur128_1', '-20.0', '-3.0')}`, /found 2/],
    ['a summary without true peak', summary('Parsed_ebur128_0', '-20.0'), /no true peak/],
  ])('parseLoudness refuses %s', (_what, log, message) => {
    expect(() => parseLoudness(log)).toThrow(message);
  });

  const seamLog = (before: string, after: string, dip: string, dipShort: string, around: string) =>
    [
      volumedetect('volumedetect@seam0around', around),
      volumedetect('volumedetect@seam0dipshort', dipShort),
      volumedetect('volumedetect@seam0dip', dip),
      summary('ebur128@seam0after', after),
      summary('ebur128@seam0before', before),
    ].join('\n');

  it.each([
    ['a clean seam', seamLog('-31.8', '-35.2', '-35.6', '-35.6', '-35.5'), { beforeLufs: -31.8, afterLufs: -35.2, jumpLu: 3.4, dipDb: -0.1 }],
    ['a louder seam (no dip)', seamLog('-16.0', '-16.2', '-14.0', '-13.9', '-16.0'), { beforeLufs: -16, afterLufs: -16.2, jumpLu: 0.2, dipDb: 2 }],
    ['a short gap the wide window hides', seamLog('-16.0', '-16.0', '-16.8', '-19.3', '-16.0'), { beforeLufs: -16, afterLufs: -16, jumpLu: 0, dipDb: -3.3 }],
    ['silence after the seam', seamLog('-20.0', '-70.0', '-26.0', '-30.0', '-23.0'), { beforeLufs: -20, afterLufs: null, jumpLu: null, dipDb: -7 }],
    ['digital silence throughout', seamLog('-70.0', '-70.0', '-91.0', '-91.0', '-91.0'), { beforeLufs: null, afterLufs: null, jumpLu: null, dipDb: null }],
  ])('parseSeamAudio: %s', (_what, log, expected) => {
    expect(parseSeamAudio(log, 1)).toEqual([expected]);
  });

  it('parseSeamAudio names the window ffmpeg printed nothing for', () => {
    const log = seamLog('-20.0', '-20.0', '-20.0', '-20.0', '-20.0');
    expect(() => parseSeamAudio(log, 2)).toThrow(/ebur128@seam1before/);
    expect(() => parseSeamAudio(log.replace('ebur128@seam0before', 'x'), 1)).toThrow(/ebur128@seam0before/);
    expect(() => parseSeamAudio(log.replaceAll('volumedetect@seam0dipshort', 'x'), 1)).toThrow(/volumedetect@seam0dipshort/);
  });
});

describe('loudnessGainDb', () => {
  const normalize = { loudness: 'normalize', targetLufs: -16 } as const;

  it.each([
    ['a quiet clip is raised to the target', { integratedLufs: -28, truePeakDbtp: -20 }, { gainDb: 12, capped: false }],
    ['a loud clip is lowered to the target', { integratedLufs: -9.5, truePeakDbtp: 0.4 }, { gainDb: -6.5, capped: false }],
    ['a clip on target is left alone', { integratedLufs: -16, truePeakDbtp: -4 }, { gainDb: 0, capped: false }],
    ['the gain stops where the true peak reaches -1 dBTP', { integratedLufs: -35.1, truePeakDbtp: -7.9 }, { gainDb: 6.9, capped: true }],
    ['exactly at the ceiling is not capped', { integratedLufs: -20, truePeakDbtp: -5 }, { gainDb: 4, capped: false }],
    ['a peak already above -1 dBTP is brought down to it', { integratedLufs: -18, truePeakDbtp: 0.5 }, { gainDb: -1.5, capped: true }],
    ['the gain is rounded to 0.01 dB', { integratedLufs: -23.456, truePeakDbtp: -12 }, { gainDb: 7.46, capped: false }],
  ])('%s', (_what, measured, expected) => {
    expect(loudnessGainDb(measured, normalize)).toEqual(expected);
  });

  it.each([
    ['normalisation is off', { integratedLufs: -28, truePeakDbtp: -20 }, { ...normalize, loudness: 'off' as const }],
    ['the clip had nothing to measure', null, normalize],
  ])('no gain when %s', (_what, measured, opts) => {
    expect(loudnessGainDb(measured, opts)).toEqual({ gainDb: 0, capped: false });
  });
});
