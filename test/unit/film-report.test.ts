// continuity.json from finished segments: where each scene sits, its looks as the segment measured
// them, and each seam's still run, seed SSIM and sound, without any film to decode.
import { describe, expect, it } from 'vitest';
import { reportFromSegments, sceneSpans } from '../../functions/workflow/film-report';
import type { FinishedSegment } from '../../functions/workflow/finish-segment';
import type { StoredClip } from '../../functions/workflow/store-output';
import type { RunPlan } from '../../functions/domain/plan';
import type { Look } from '../../functions/domain/colour';
import { CONTINUITY_DEFAULTS } from '../../functions/domain/continuity-settings';

const look = (l: number): Look => ({ l, a: 5, b: 5, chroma: 10, contrast: 8 });
const grey = (level: number) => Buffer.alloc(160 * 90, level).toString('base64');
const plan = {
  runId: 'r', strategy: 'chain', continuity: CONTINUITY_DEFAULTS, join: { fps: 25 },
  scenes: [{ step: 'scene-1', name: 'summit' }, { step: 'scene-2', name: 'forest' }],
} as unknown as RunPlan;

function segment(index: number, more: Partial<FinishedSegment> = {}): FinishedSegment {
  return {
    index, step: `scene-${index}`, keys: { video: 'v', audio: null, sheetRow: 'r' }, frames: 100, samples: 192_000, extensionSamples: 0,
    width: 160, height: 90, fps: 25, looks: { first: look(50), last: look(52) },
    motion: { head: [5, 5, 5, 5, 5, 5], tail: [5, 5, 5, 5, 5], firstFrame: grey(10), lastFrame: grey(200) },
    ssimSeedToFirstFrame: index > 1 ? 0.91 : null,
    ...more,
  };
}
const clip = (index: number) =>
  ({ index, step: `scene-${index}`, corrections: { headTrimFrames: 0, frozenHeadFrames: 0, grade: null, gainDb: 0, gainCapped: false, loudness: null, onsetLevelling: null, looks: { head: look(50), tail: look(52) } } }) as unknown as StoredClip;

const report = (segments: FinishedSegment[]) =>
  reportFromSegments({ plan, clips: segments.map((s) => clip(s.index)), segments, spans: sceneSpans(plan, segments), anchor: look(50), seamAudio: [null] });

describe('reportFromSegments', () => {
  it('places each scene after the one before, named from the plan', () => {
    expect(sceneSpans(plan, [segment(1), segment(2, { frames: 80 })])).toEqual([
      { step: 'scene-1', name: 'summit', startFrame: 0, frames: 100 },
      { step: 'scene-2', name: 'forest', startFrame: 100, frames: 80 },
    ]);
  });

  it('takes each scene’s looks and the seed SSIM from its segment', () => {
    const { clips, seams } = report([segment(1), segment(2, { looks: { first: look(53), last: look(54) } })]);
    expect(clips.map((c) => [c.first.look.l, c.last.look.l])).toEqual([[50, 52], [53, 54]]);
    expect(seams[0]).toMatchObject({ ssimSeedToFirstFrame: 0.91, stillRun: 1 });
  });

  it('counts a still run across the seam from both segments’ ends: a frozen tail, the same frame, a frozen head', () => {
    const frozenTail = segment(1, { motion: { head: [5, 5, 5, 5, 5, 5], tail: [5, 5, 5, 0.1, 0.1], firstFrame: grey(10), lastFrame: grey(120) } });
    const frozenHead = segment(2, { motion: { head: [0.2, 5, 5, 5, 5, 5], tail: [5, 5, 5, 5, 5], firstFrame: grey(120), lastFrame: grey(30) } });
    expect(report([frozenTail, frozenHead]).seams[0].stillRun).toBe(5);
  });
});
