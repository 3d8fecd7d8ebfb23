// Runs made from an ended run: regenerate (one scene again, maybe with a new prompt) and resume
// (go on after a failure, a cancel or a budget stop). Each is a new run with its own id, whose plan
// names its parent; what the parent already made is reused through the output hashes (reuse.ts),
// so only what is missing or asked for is generated. The parent keeps its one ending.
import { z } from 'zod';
import type { Storyboard } from './storyboard';
import { LIMITS } from './storyboard';
import type { RunStatus } from './manifest';
import { InvalidRequestError, RunStateConflictError } from './errors';

export type RerunKind = 'regenerate' | 'resume';

/** Where a run came from: recorded in its plan and manifest. */
export interface RunOrigin {
  kind: RerunKind;
  parentRunId: string;
  /** regenerate: the scene generated again (1-based). */
  scene?: number;
}

const maxUsd = z.number().positive().max(LIMITS.maxBudgetUsd);

const regenerateBody = z.strictObject({
  scene: z.number().int().positive(),
  prompt: z.string().trim().min(1).max(LIMITS.maxPromptChars).optional(),
  maxUsd: maxUsd.optional(),
  /** As on POST /runs ({url}); checked there (notification.ts). */
  notify: z.unknown().optional(),
});

const resumeBody = z.strictObject({ maxUsd: maxUsd.optional(), notify: z.unknown().optional() });

export type RegenerateRequest = z.output<typeof regenerateBody>;
export type ResumeRequest = z.output<typeof resumeBody>;

const problemsOf = (error: z.ZodError) => error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);

/** POST /runs/{runId}/regenerate's body: {scene, prompt?, maxUsd?}. */
export function readRegenerateRequest(body: unknown): RegenerateRequest {
  const result = regenerateBody.safeParse(body);
  if (!result.success) throw new InvalidRequestError(problemsOf(result.error));
  return result.data;
}

/** POST /runs/{runId}/resume's body: {maxUsd?} (an empty body is fine). */
export function readResumeRequest(body: unknown): ResumeRequest {
  const result = resumeBody.safeParse(body ?? {});
  if (!result.success) throw new InvalidRequestError(problemsOf(result.error));
  return result.data;
}

/** Whether a run in `status` can be regenerated or resumed; throws the 409 that says why not. */
export function assertRerunnable(kind: RerunKind, runId: string, status: RunStatus): void {
  if (status === 'running') {
    throw new RunStateConflictError(`run ${runId} is still running; wait for it to end (or cancel it) before you ${kind} it`);
  }
  if (kind === 'resume' && status === 'succeeded') {
    throw new RunStateConflictError(`run ${runId} succeeded: nothing is missing to resume; regenerate a scene to change it`);
  }
}

const withBudget = (board: Storyboard, usd: number | undefined): Storyboard => (usd === undefined ? board : { ...board, budget: { maxUsd: usd } });

/**
 * The storyboard of a run that makes scene N again. `sceneCount` is the parent plan's: a single
 * shot has one scene whose prompt is every storyboard scene's, so it takes no new prompt.
 */
export function regeneratedStoryboard(parent: Storyboard, sceneCount: number, request: RegenerateRequest): Storyboard {
  if (request.scene > sceneCount) {
    const allowed = sceneCount === 1 ? '1' : `1–${sceneCount}`;
    throw new InvalidRequestError([`scene: run has ${sceneCount} scene${sceneCount === 1 ? '' : 's'}; allowed values: ${allowed} (got ${request.scene})`]);
  }
  let board = withBudget(parent, request.maxUsd);
  if (request.prompt !== undefined) {
    if (parent.strategy === 'single') {
      throw new InvalidRequestError(['prompt: a single-shot run prompts with all its scenes joined; edit the storyboard and render it instead']);
    }
    board = { ...board, scenes: board.scenes.map((s, i) => (i === request.scene - 1 ? { ...s, prompt: request.prompt! } : s)) };
  }
  return board;
}

export const resumedStoryboard = (parent: Storyboard, request: ResumeRequest): Storyboard => withBudget(parent, request.maxUsd);

/** Which scene of a plan is generated again even if its inputs were seen before. */
export const isRegenerated = (origin: RunOrigin | undefined, sceneIndex: number) => origin?.kind === 'regenerate' && origin.scene === sceneIndex;
