// Turns the executor's event log into per-scene progress lines (or a bar on a terminal).
import cliProgress from 'cli-progress';
import type { Execution, LocalStepFunctions, ProgressEvent } from './step-functions';
import type { RunPlan } from '../functions/domain/plan';

const LABELS: Record<string, string> = {
  Prepare: 'validating the storyboard',
  Anchor: 'anchor image (SDXL): generating',
  PollAnchor: 'anchor image: no webhook, polling Replicate',
  StoreAnchor: 'anchor image: storing as seed frame 0',
  StoreProvidedAnchor: 'anchor image: storing your image as seed frame 0',
  Keyframe: 'keyframe at the end of this scene (SDXL image-to-image from the anchor): generating',
  PollKeyframe: 'keyframe: no webhook, polling Replicate',
  StoreKeyframe: 'keyframe: storing',
  Clip: 'generating clip',
  PollClip: 'polling Replicate for the clip',
  StoreClip: 'storing clip and extracting its true last frame',
  FinishPreviousSegment: 'finishing its segment (trim, grade, encode) while the next clip generates',
  FinishOwnSegment: 'finishing its segment (trim, grade, encode)',
  JoinFilm: 'assembling the film from the finished segments',
  RecordFailure: 'recording the failure',
};

/** States whose end is a step done on the progress bar. */
const DONE_STATES = ['Prepare', 'StoreAnchor', 'StoreProvidedAnchor', 'StoreKeyframe', 'StoreClip', 'FinishPreviousSegment', 'FinishOwnSegment', 'JoinFilm'];

export interface ProgressReporter {
  stop(): void;
}

/** Follows one execution; `plan` (once known) names scenes. Writes to stderr, keeping stdout for results. */
export function reportProgress(engine: LocalStepFunctions, executionName: string, planOf: () => RunPlan | null): ProgressReporter {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: ' {bar} {value}/{total} steps | {step}', stream: process.stderr, hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let total = 0;
  let done = 0;
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;

  const listener = (execution: Execution, event: ProgressEvent) => {
    if (execution.name !== executionName) return;
    const plan = planOf();
    if (plan && !total) {
      total = (plan.anchor.mode === 'none' ? 0 : 1) + (plan.keyframes?.length ?? 0) + 2 * plan.scenes.length + 2;
      bar?.start(total, done, { step: 'starting' });
    }
    const label = event.state ? LABELS[event.state] : undefined;
    if (!label) return;
    // FinishPreviousSegment runs in scene n's iteration but works on scene n-1.
    const index = event.index !== undefined && event.state === 'FinishPreviousSegment' ? event.index - 1 : event.index;
    const scene = index !== undefined && plan ? plan.scenes[index] : undefined;
    const where = scene ? `scene ${scene.index}/${plan!.scenes.length} "${scene.name}": ` : '';
    let line: string | null = null;
    if (event.type === 'StateEntered') line = `${where}${label}…`;
    if (event.type === 'StateRetried') line = `${where}${label}: retrying`;
    if (event.type === 'StateFailed') line = `${where}${label}: ${event.error}${event.cause ? ` — ${event.cause.slice(0, 300)}` : ''}`;
    if (event.type === 'StateExited' && DONE_STATES.includes(event.state!)) {
      done += 1;
      line = `${where}${label}: done`;
    }
    if (!line) return;
    if (bar) {
      bar.update(Math.min(done, total || done), { step: line.slice(0, 90) });
    } else {
      process.stderr.write(`${stamp()}  ${line}\n`);
    }
  };
  engine.on('progress', listener);
  return {
    stop() {
      engine.off('progress', listener);
      bar?.stop();
    },
  };
}
