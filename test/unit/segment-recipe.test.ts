// The finished segment's recipes as strings: what one pass encodes and writes, where the tail's IDR
// frame goes, which frames the ends measurement decodes, and how assembly cuts and joins the pieces.
import { describe, expect, it } from 'vitest';
import { extensionSamples, segmentEndsPlan, segmentFrames, segmentPlan, SEGMENT_VIDEO_CODEC, type SegmentClip } from '../../functions/domain/segment-recipe';
import { assemblyPlan, assemblySpans, concatEntry, seamTimes, type AssemblySegment } from '../../functions/domain/assembly-recipe';

const clip = (more: Partial<SegmentClip> = {}): SegmentClip => ({ path: 'clip.mp4', trimStartFrames: 0, frames: 250, fps: 25, videoStartSec: 0, hasAudio: true, ...more });
const opts = { fps: 25, width: 1920, height: 1080, crossfadeMs: 120, outputs: { video: 'seg.mp4', audio: 'seg.f32' } };
const graphOf = (args: string[]) => args[args.indexOf('-filter_complex') + 1];

describe('segmentPlan', () => {
  it('trims the head, restarts the clock, puts the clip on the film’s rate and size, then grades', () => {
    const graph = graphOf(segmentPlan(clip({ trimStartFrames: 3, videoFilters: 'eq=saturation=0.9' }), opts).args);
    expect(graph).toMatch(/^\[0:v\]trim=start_frame=3,setpts=PTS-STARTPTS,fps=25,trim=end_frame=247,eq=saturation=0\.9,scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:/);
  });

  it('encodes with the film’s one set of parameters, a GOP every 2 s', () => {
    const plan = segmentPlan(clip(), opts);
    expect(plan.tailStart).toBe(244);
    const video = plan.args.indexOf('seg.mp4');
    expect(plan.args.slice(video - SEGMENT_VIDEO_CODEC.length - 3, video)).toEqual([...SEGMENT_VIDEO_CODEC, '-g', '50', '-an']);
  });

  it('writes the sound piece with half the longest crossfade at each end, gain and levelling inside', () => {
    const plan = segmentPlan(clip({ trimStartFrames: 2, gainDb: -3, levelling: [[0, 6], [0.2, 0]] }), opts);
    expect(plan.extensionSamples).toBe(2880);
    expect(plan.samples).toBe(248 * 1920);
    expect(graphOf(plan.args)).toContain('volume=-3dB');
    expect(plan.args.slice(-7)).toEqual(['-map', '[piece]', '-c:a', 'pcm_f32le', '-f', 'f32le', 'seg.f32']);
  });

  it('takes the piece’s head extension from the trimmed head after the onset guard, where it is long enough', () => {
    // 3 trimmed frames = 120 ms; after the 50 ms guard, 70 ms of real sound covers the 60 ms extension.
    expect(graphOf(segmentPlan(clip({ trimStartFrames: 3 }), opts).args)).toContain('[0:a]atrim=start=0.06,');
  });

  it('a clip without sound writes no piece', () => {
    const plan = segmentPlan(clip({ hasAudio: false }), opts);
    expect(plan.extensionSamples).toBe(0);
    expect(plan.args).not.toContain('seg.f32');
  });

  it('adds the contact-sheet row as one more branch of the same pass, told the segment’s length', () => {
    const asked: number[] = [];
    const plan = segmentPlan(clip({ trimStartFrames: 1 }), { ...opts, outputs: { ...opts.outputs, sheetRow: { out: 'row.png', filter: (n) => (asked.push(n), 'select=eq(n\\,0)') } } });
    expect(asked).toEqual([249]);
    expect(graphOf(plan.args)).toContain('split=2[senc][srow]');
    const row = plan.args.indexOf('row.png');
    expect(plan.args.slice(row - 7, row + 1)).toEqual(['-map', '[row]', '-vsync', '0', '-frames:v', '1', '-update', '1', 'row.png'].slice(-8));
  });

  it.each([
    ['same rate: exactly the kept frames', clip({ trimStartFrames: 2 }), 2, 248],
    ['another rate: the rounded resample', clip({ fps: 50, frames: 100 }), 0, 50],
  ])('%s', (_what, c, trim, frames) => expect(segmentFrames(c, trim, 25)).toBe(frames));

  it('refuses a trim that leaves no frame', () => {
    expect(() => segmentPlan(clip({ frames: 3, trimStartFrames: 3 }), opts)).toThrow(/cannot trim 3/);
  });

  it.each([[120, 2880], [121, 2904], [0, 0]])('extension for %s ms: %s samples', (ms, samples) => expect(extensionSamples(ms)).toBe(samples));
});

describe('segmentEndsPlan', () => {
  const files = { headLooks: 'h.rgb', headMotion: 'h.gray', tailLooks: 't.rgb', tailMotion: 't.gray' };

  it('decodes the head’s first 7 frames and, seeking to just before the tail’s IDR frame, the last 6', () => {
    const plan = segmentEndsPlan('seg.mp4', 250, 25, 244, files);
    expect(plan).toMatchObject({ headFrames: 7, tailFrames: 6, lookFrames: 3 });
    expect(plan.args.slice(0, 11)).toEqual(['-v', 'error', '-t', (7.5 / 25).toFixed(6), '-i', 'seg.mp4', '-ss', (243.75 / 25).toFixed(6), '-i', 'seg.mp4', '-an']);
    const graph = graphOf(plan.args);
    expect(graph).toContain('[0:v:0]trim=end_frame=7,');
    expect(graph).toContain("[tl]trim=end_frame=6,select='eq(n\\,3)+eq(n\\,4)+eq(n\\,5)'");
    expect(graph).not.toContain('[first]');
  });

  it('writes the first frame converted exactly when asked', () => {
    const plan = segmentEndsPlan('seg.mp4', 250, 25, 244, { ...files, firstFrame: 'first.png' });
    expect(graphOf(plan.args)).toContain('[hf]trim=end_frame=1,scale=flags=bicubic+accurate_rnd+full_chroma_int,format=rgb24[first]');
    expect(plan.args.slice(-7)).toEqual(['-map', '[first]', '-frames:v', '1', '-update', '1', 'first.png']);
  });

  it('a short segment is read whole from both inputs, without seeking', () => {
    const plan = segmentEndsPlan('seg.mp4', 4, 25, 0, { ...files, firstFrame: 'first.png' });
    expect(plan).toMatchObject({ headFrames: 4, tailFrames: 4, lookFrames: 3 });
    expect(plan.args.slice(0, 9)).toEqual(['-v', 'error', '-t', (4.5 / 25).toFixed(6), '-i', 'seg.mp4', '-i', 'seg.mp4', '-an']);
    expect(plan.args.slice(-5)).toEqual(['-frames:v', '1', '-update', '1', 'first.png']);
  });
});

describe('assemblyPlan', () => {
  const segment = (k: number, more: Partial<AssemblySegment> = {}): AssemblySegment => ({
    video: `seg-${k}.mp4`, audio: `seg-${k}.f32`, frames: 250, samples: 480_000, extensionSamples: 2880, ...more,
  });
  const assembly = { out: 'final.mp4', concatList: 'list.txt', measureAudio: 'mix.wav', fps: 25, crossfadeMs: 120 };

  it('copies the video through the concat demuxer and encodes the sound once, writing the mix for measuring too', () => {
    const plan = assemblyPlan([segment(0), segment(1)], assembly);
    expect(plan.args.slice(0, 6)).toEqual(['-f', 'concat', '-safe', '0', '-i', 'list.txt']);
    expect(plan.args).toEqual(expect.arrayContaining(['-c:v', 'copy']));
    expect(plan.args.slice(-5)).toEqual(['-map', '[m]', '-c:a', 'pcm_f32le', 'mix.wav']);
    expect(plan.concatList).toBe("file 'seg-0.mp4'\nfile 'seg-1.mp4'\n");
    expect(plan.totalFrames).toBe(500);
  });

  it('cuts each piece to its seams’ halves of the crossfade and joins them with equal power', () => {
    const graph = graphOf(assemblyPlan([segment(0), segment(1), segment(2)], assembly).args);
    expect(graph).toContain('[1:a]atrim=start_sample=2880:end_sample=485760,');
    expect(graph).toContain('[2:a]atrim=start_sample=0:end_sample=485760,');
    expect(graph).toContain('[3:a]atrim=start_sample=0:end_sample=482880,');
    expect(graph).toContain('[c0][c1]acrossfade=ns=5760:o=1:c1=qsin:c2=qsin[x1]');
    expect(graph).toContain('[x1][c2]acrossfade=ns=5760:o=1:c1=qsin:c2=qsin[mix]');
  });

  it('plays an inverted piece with both channels negated', () => {
    const graph = graphOf(assemblyPlan([segment(0), segment(1, { invertPolarity: true })], assembly).args);
    expect(graph).toMatch(/\[2:a\][^;]*pan=stereo\|c0=-1\*c0\|c1=-1\*c1\[c1\]/);
    expect(graph).not.toMatch(/\[1:a\][^;]*pan=/);
  });

  it('silence stands in for a segment without sound, at its extended length', () => {
    const graph = graphOf(assemblyPlan([segment(0), segment(1, { audio: null, extensionSamples: 0 }), segment(2)], assembly).args);
    expect(graph).toContain(`anullsrc=r=48000:cl=stereo,atrim=end_sample=${2880 + 480_000 + 2880},`);
  });

  it('a film without any sound gets a silent track of its length and no mix to measure', () => {
    const plan = assemblyPlan([segment(0, { audio: null }), segment(1, { audio: null })], assembly);
    expect(plan.hasSound).toBe(false);
    expect(graphOf(plan.args)).toBe('anullsrc=r=48000:cl=stereo,atrim=end_sample=960000[a]');
    expect(plan.args).not.toContain('mix.wav');
  });

  it.each([
    ['outgoing', [segment(0, { extensionSamples: 100 }), segment(1)]],
    ['incoming', [segment(0), segment(1, { extensionSamples: 100 })]],
  ])('refuses %s pieces cut for a shorter crossfade than the film’s', (_side, segments) => {
    expect(() => assemblySpans(segments, 120)).toThrow(/seam 1 needs 2880\+2880 samples/);
  });

  it('maps the copied video and the encoded sound, stereo at the film’s rate, for streaming', () => {
    const { args } = assemblyPlan([segment(0)], assembly);
    const graph = args.indexOf('-filter_complex');
    expect(args.slice(graph + 2, graph + 18)).toEqual([
      '-map', '0:v', '-map', '[a]', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '192k', '-ar', '48000', '-ac', '2', '-movflags', '+faststart',
    ]);
  });

  it('refuses a film of no segments', () => {
    expect(() => assemblyPlan([], assembly)).toThrow(/no segments/);
  });

  it('quotes paths for the concat demuxer', () => {
    expect(concatEntry("/tmp/it's.mp4")).toBe("file '/tmp/it'\\''s.mp4'");
  });

  it('places each seam at its frame’s time', () => {
    expect(seamTimes([{ frames: 250 }, { frames: 247 }, { frames: 100 }], 25)).toEqual([10, 19.88]);
  });
});
