// The pure half of frozen-frame detection: what ffmpeg is asked, how its output is read, and what
// the differences say about a clip's head and a seam. Real ffmpeg runs in frame-motion.test.ts.
import { describe, expect, it } from 'vitest';
import {
  FROZEN_FRAME_THRESHOLD,
  frozenHeadFrames,
  headDifferenceArgs,
  headDifferences,
  meanAbsoluteDifference,
  mergeRanges,
  parseFrameDifferences,
  seamStillRun,
  seamDifferenceArgs,
  seamWindows,
  stillRun,
  stillRunsIn,
} from '../../functions/domain/frozen-frames';

const filtergraph = (args: string[]) => args[args.indexOf('-filter_complex') + 1];

// What ffmpeg 4.1's metadata=mode=print writes, one pair of lines per compared frame.
const PRINTED = [
  'frame:0    pts:1       pts_time:7.8125e-05',
  'lavfi.signalstats.YAVG=0.00819444',
  'frame:1    pts:2       pts_time:0.00015625',
  'lavfi.signalstats.YAVG=0.3',
  'frame:2    pts:3       pts_time:0.000234375',
  'lavfi.signalstats.YAVG=2.40521',
  '',
].join('\n');

describe('parseFrameDifferences', () => {
  it('pairs each frame line with the YAVG line after it, the pts being the frame index', () => {
    expect(parseFrameDifferences(PRINTED)).toEqual([
      { frame: 1, diff: 0.00819444 },
      { frame: 2, diff: 0.3 },
      { frame: 3, diff: 2.40521 },
    ]);
  });

  it.each([
    ['no output at all', ''],
    ['a YAVG line with no frame line before it', 'lavfi.signalstats.YAVG=1.5\n'],
    ['a frame line whose value is not a number', 'frame:0 pts:1 pts_time:0\nlavfi.signalstats.YAVG=nan\n'],
    ['other keys and log lines', 'frame:0 pts:1 pts_time:0\nlavfi.signalstats.YMIN=16\n[Parsed_x] warning\n'],
  ])('reads nothing from %s', (_name, stdout) => {
    expect(parseFrameDifferences(stdout)).toEqual([]);
  });

  it('takes one value per frame line: a second YAVG line is not paired with the same frame', () => {
    const stdout = 'frame:0 pts:5 pts_time:0\nlavfi.signalstats.YAVG=0.5\nlavfi.signalstats.YAVG=9\n';
    expect(parseFrameDifferences(stdout)).toEqual([{ frame: 5, diff: 0.5 }]);
  });

  it('reads Windows line ends and a value that follows a line it does not know', () => {
    const stdout = 'frame:4 pts:9 pts_time:0\r\nsomething else\r\nlavfi.signalstats.YAVG=1e-3\r\n';
    expect(parseFrameDifferences(stdout)).toEqual([{ frame: 9, diff: 0.001 }]);
  });
});

describe('headDifferences', () => {
  const measured = [1, 2, 3, 4].map((frame) => ({ frame, diff: frame / 10 }));

  it('gives frames 1..count-1 in order', () => {
    expect(headDifferences([...measured].reverse(), 4)).toEqual([0.1, 0.2, 0.3]);
  });

  it('stops where the clip ran out of frames', () => {
    expect(headDifferences(measured, 10)).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(headDifferences(measured.filter((m) => m.frame !== 2), 5)).toEqual([0.1]);
  });
});

describe('frozenHeadFrames', () => {
  const still = 0.3;
  const moving = 2.5;

  it.each([
    [0, [moving, moving, moving]],
    [1, [still, moving, moving]],
    [3, [still, still, still, moving]],
    [6, [still, still, still, still, still, still, moving, moving]],
  ])('finds %i leading near-static frames', (k, diffs) => {
    expect(frozenHeadFrames(diffs, { max: 8 })).toBe(k);
  });

  it.each([
    [6, 3, 3],
    [6, 0, 0],
    [3, 3, 3],
    [2, 5, 2],
  ])('%i frozen frames with max %i: %i', (frozen, max, expected) => {
    const diffs = [...Array(frozen).fill(still), moving, moving];
    expect(frozenHeadFrames(diffs, { max })).toBe(expected);
  });

  it('counts only the head: a still frame after a moving one is not frozen', () => {
    expect(frozenHeadFrames([moving, still, still], { max: 8 })).toBe(0);
  });

  it('stops at the end of a clip that never moves', () => {
    expect(frozenHeadFrames([still, still], { max: 8 })).toBe(2);
  });

  it('uses the default threshold of 1.0, strictly below', () => {
    expect(FROZEN_FRAME_THRESHOLD).toBe(1);
    expect(frozenHeadFrames([0.99, 1.0], { max: 8 })).toBe(1);
  });

  it('takes a threshold', () => {
    expect(frozenHeadFrames([1.5, 1.5, 3], { max: 8, threshold: 2 })).toBe(2);
  });

  it.each([-1, 1.5, Number.NaN])('rejects max %s, naming it', (max) => {
    expect(() => frozenHeadFrames([], { max })).toThrow(/max must be a whole number >= 0/);
  });
});

describe('stillRun', () => {
  // Frames 10..20: frames 12 and 13 repeat frame 11 (run of 3), frame 18 repeats 17 (run of 2).
  const byFrame = new Map<number, number>(
    Array.from({ length: 11 }, (_, i) => [10 + i, [12, 13, 18].includes(10 + i) ? 0.2 : 3] as [number, number]),
  );

  it.each([
    ['the whole range', [10, 20], 3],
    ['a range holding only the later repeat', [15, 20], 2],
    ['a range that cuts the run short', [12, 16], 2],
    ['a range with no repeat', [14, 17], 1],
    ['a single frame', [12, 12], 1],
  ] as const)('%s', (_name, range, expected) => {
    expect(stillRun(byFrame, [...range], FROZEN_FRAME_THRESHOLD)).toBe(expected);
  });

  it('breaks a run at a frame it has no difference for (past the end of the film)', () => {
    const gap = new Map([[1, 0.1], [2, 0.1], [4, 0.1]]);
    expect(stillRun(gap, [0, 6])).toBe(3);
  });

  it('gives one run per window', () => {
    const measured = [...byFrame].map(([frame, diff]) => ({ frame, diff }));
    expect(stillRunsIn(measured, [[10, 14], [16, 20], [30, 36]])).toEqual([3, 2, 1]);
  });
});

describe('meanAbsoluteDifference', () => {
  it('is the mean of |a - b| over the pixels', () => {
    expect(meanAbsoluteDifference(Uint8Array.from([10, 20, 30, 40]), Uint8Array.from([12, 20, 25, 40]))).toBe(1.75);
  });

  it.each([
    ['of different sizes', 4, 3],
    ['without pixels', 0, 0],
  ])('refuses frames %s', (_what, a, b) => {
    expect(() => meanAbsoluteDifference(new Uint8Array(a), new Uint8Array(b))).toThrow(/bytes/);
  });
});

describe('seamStillRun', () => {
  const moving = [5, 5, 5, 5, 5];
  it.each([
    ['every frame moves', moving, 5, [5, 5, 5, 5, 5, 5], 1],
    ['the seam repeats the outgoing frame once', moving, 0.2, [5, 5, 5, 5, 5, 5], 2],
    ['a still tail runs on across the seam into a still head', [5, 5, 5, 0.1, 0.1], 0.3, [0.4, 5, 5, 5, 5, 5], 5],
    ['a still head after a cut', moving, 9, [0.1, 0.1, 5, 5, 5, 5], 3],
  ])('%s: %s', (_what, tail, across, head, run) => {
    expect(seamStillRun(tail, across, head)).toBe(run);
  });

  it('a difference of exactly the threshold is motion, not a repeat', () => {
    expect(seamStillRun([5], FROZEN_FRAME_THRESHOLD, [5])).toBe(1);
  });

  it('looks no further than SEAM_WINDOW frames either side', () => {
    const still = Array(20).fill(0);
    expect(seamStillRun(still, 0, still)).toBe(1 + 5 + 1 + 6);
  });
});

describe('seam windows and ranges', () => {
  it('looks ±window frames around each seam, never before frame 0', () => {
    expect(seamWindows([25, 3], 6)).toEqual([[19, 31], [0, 9]]);
  });

  it.each([
    [[-1], 6, /seamFrames\[0\] must be a whole number >= 0/],
    [[10, 2.5], 6, /seamFrames\[1\] must be a whole number >= 0/],
    [[10], 0, /window must be a whole number >= 1/],
  ])('rejects seams %j with window %i, naming the field', (seams, window, message) => {
    expect(() => seamWindows(seams, window)).toThrow(message);
  });

  it('merges ranges that overlap or touch and sorts them', () => {
    expect(mergeRanges([[40, 52], [10, 22], [20, 30], [31, 33], [60, 61]])).toEqual([[10, 33], [40, 52], [60, 61]]);
  });
});

describe('ffmpeg arguments', () => {
  it('the head pass numbers frames before trimming to count, at 160 px in grey', () => {
    const args = headDifferenceArgs('clip.mp4', 10);
    expect(args.slice(0, 4)).toEqual(['-v', 'error', '-i', 'clip.mp4']);
    expect(args.slice(-3)).toEqual(['-f', 'null', '-']);
    expect(filtergraph(args)).toBe(
      '[0:v:0]setpts=N,trim=end_frame=10,scale=160:-2,format=gray,tblend=all_mode=difference,' +
        'signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=-',
    );
  });

  it.each([1, 0, 2.5])('the head pass rejects count %s', (count) => {
    expect(() => headDifferenceArgs('clip.mp4', count)).toThrow(/count must be a whole number >= 2/);
  });

  it('the seam pass selects the merged windows and stops after the last', () => {
    const graph = filtergraph(seamDifferenceArgs('film.mp4', [[46, 58], [19, 31], [25, 37]]));
    expect(graph).toMatch(/^\[0:v:0\]setpts=N,trim=end_frame=59,select=between\(n\\,19\\,37\)\+between\(n\\,46\\,58\),scale=160:-2,/);
  });

  it('the seam pass needs a window', () => {
    expect(() => seamDifferenceArgs('film.mp4', [])).toThrow(/no seam windows/);
  });
});
