// `longshot render`: start the embedded stack, POST the storyboard to the local API (the same
// route a deployed run takes), follow the execution, and copy the film and records to DIR/<runId>/.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { findPlan } from '../functions/adapters/run-store';
import type { RerunKind } from '../functions/domain/rerun';
import { startLocalStack, type LocalStack, type StackOptions } from './stack';
import { reportProgress } from './progress';
import { collectOutputs } from './collect-outputs';
import { parseStoryboard, type StoryboardOverrides } from '../functions/domain/storyboard';
import { buildPlan, type RunPlan } from '../functions/domain/plan';
import { InvalidStoryboardError } from '../functions/domain/errors';
import type { Manifest } from '../functions/domain/manifest';
import type { ProgressEvent } from './step-functions';

export interface RenderOptions {
  storyboard: unknown;
  outDir?: string;
  overrides?: StoryboardOverrides;
  stack?: StackOptions;
  /** Render on an already running stack (tests render several films on one); it is left running. */
  on?: LocalStack;
  progress?: boolean;
  /** Aborting it (Ctrl-C) stops the run, records it as interrupted and still copies its records out. */
  signal?: AbortSignal;
}

/** regenerate/resume refused: the run is missing, still running, or has nothing to resume. */
export type Refused = { outcome: 'refused'; exitCode: 2; message: string };

export type RerunResult = RenderResult | Refused;

export type RenderResult =
  | { outcome: 'invalid'; exitCode: 2; problems: string[] }
  | {
      outcome: 'succeeded' | 'failed' | 'interrupted';
      exitCode: 0 | 1 | 130;
      runId: string;
      dir: string;
      film: string | null;
      manifest: Manifest;
      files: string[];
      execution: { status: string; error?: string; cause?: string };
      /** The executor's event log: which states ran, retried, failed. */
      history: ProgressEvent[];
      seconds: number;
    };

/** Ctrl-C of `longshot render`: what the run's manifest says about it. */
export const RENDER_INTERRUPT_CAUSE = 'longshot render was stopped (Ctrl-C) while this run was in flight; start it again';

/** Ctrl-C came before anything was started. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

const aborted = (signal?: AbortSignal) =>
  new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })));

type Posted = { runId: string } | { problems: string[] } | { refused: string };

/** POSTs to the local API as a deployed client would; 400 lists problems, 404/409 say why not. */
async function post(stack: LocalStack, path: string, payload: unknown): Promise<Posted> {
  const response = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  const body = (await response.json()) as { runId?: string; problems?: string[]; message?: string; error?: string };
  if (response.status === 400) return { problems: body.problems ?? [String(body.message)] };
  if (response.status === 404 && body.error === 'RunNotFound') return { refused: `run ${body.runId} is not in the local store (${stack.s3Directory})` };
  if (response.status === 409) return { refused: String(body.message) };
  if (response.status !== 202 || !body.runId) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(body)}`);
  return { runId: body.runId };
}

const postRun = (stack: LocalStack, options: RenderOptions) => post(stack, '/runs', { storyboard: options.storyboard, ...options.overrides });

function planOf(runId: string, options: RenderOptions): RunPlan | null {
  try {
    return buildPlan(runId, parseStoryboard(options.storyboard, options.overrides));
  } catch {
    return null;
  }
}

/** The plan as the run's Prepare stored it: for runs whose storyboard is made on the server (regenerate, resume). */
function storedPlan(stack: LocalStack, runId: string): () => RunPlan | null {
  let plan: RunPlan | null = null;
  const listener = (execution: { name: string }, event: ProgressEvent) => {
    if (execution.name !== runId || event.state !== 'Prepare' || event.type !== 'StateExited') return;
    stack.engine.off('progress', listener);
    void findPlan(stack.config, runId).then((found) => (plan = found), () => undefined);
  };
  stack.engine.on('progress', listener);
  return () => plan;
}

/** Waits for the run to end; on abort, stops it as interrupted (recorded by the execution-ended path). */
async function follow(stack: LocalStack, runId: string, options: FollowOptions, plan: () => RunPlan | null) {
  const progress = options.progress === false ? null : reportProgress(stack.engine, runId, plan);
  const execution = stack.engine.list().find((e) => e.name === runId);
  if (!execution) throw new Error(`execution ${runId} was not started`);
  await Promise.race([execution.done, aborted(options.signal)]);
  progress?.stop();
  const interrupted = execution.status === 'RUNNING';
  if (interrupted) await stack.interrupt(RENDER_INTERRUPT_CAUSE);
  await execution.done;
  return { execution, interrupted };
}

/** What render and rerun share: where results go, the stack, progress and Ctrl-C. */
type FollowOptions = Omit<RenderOptions, 'storyboard' | 'overrides'>;

/**
 * Where a local stack keeps its bucket: under the output directory, so runs outlive the process
 * (regenerate and resume find what they made, and reuse it) until the directory is removed.
 */
export const localStoreOf = (outDir: string) => join(resolve(outDir), '.longshot', 'bucket');

/** The stack's bucket and the emulator's takes, kept under the output directory (render, regenerate, resume and dev share them). */
export function keptStack(outDir: string, stack: StackOptions = {}): StackOptions {
  const kept = dirname(localStoreOf(outDir));
  return { s3Directory: localStoreOf(outDir), ...stack, emulator: { takesFile: join(kept, 'emulator-takes.json'), ...stack.emulator } };
}

export async function render(options: RenderOptions): Promise<RenderResult> {
  // Validate before anything starts: an invalid storyboard starts no stack and no run.
  try {
    parseStoryboard(options.storyboard, options.overrides);
  } catch (error) {
    if (error instanceof InvalidStoryboardError) return { outcome: 'invalid', exitCode: 2, problems: error.problems };
    throw error;
  }
  const result = await startAndFollow(options, (stack) => postRun(stack, options), (_stack, runId) => {
    const plan = planOf(runId, options);
    return () => plan;
  });
  // POST /runs answers 202 or 400, never the refusals of regenerate and resume.
  if (result.outcome === 'refused') throw new Error(result.message);
  return result;
}

export interface RerunOptions extends FollowOptions {
  kind: RerunKind;
  parentRunId: string;
  /** regenerate: {scene, prompt?, maxUsd?}; resume: {maxUsd?}. */
  body: Record<string, unknown>;
}

/** `longshot regenerate|resume`: the same routes a deployed client calls, on the local stack's kept bucket. */
export function rerunLocally(options: RerunOptions): Promise<RerunResult> {
  return startAndFollow(options, (stack) => post(stack, `/runs/${options.parentRunId}/${options.kind}`, options.body), storedPlan);
}

async function startAndFollow(
  options: FollowOptions,
  start: (stack: LocalStack) => Promise<Posted>,
  planFor: (stack: LocalStack, runId: string) => () => RunPlan | null,
): Promise<RerunResult> {
  const started = Date.now();
  const outDir = resolve(options.outDir ?? 'out');
  const stack = options.on ?? (await startLocalStack(keptStack(outDir, options.stack)));
  try {
    if (options.signal?.aborted) throw new InterruptedError('interrupted before a run started; nothing is left running');
    const posted = await start(stack);
    if ('problems' in posted) return { outcome: 'invalid', exitCode: 2, problems: posted.problems };
    if ('refused' in posted) return { outcome: 'refused', exitCode: 2, message: posted.refused };
    const { runId } = posted;
    const { execution, interrupted } = await follow(stack, runId, options, planFor(stack, runId));

    const files = await collectOutputs(stack.config, runId, outDir);
    const dir = join(outDir, runId);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const succeeded = execution.status === 'SUCCEEDED';
    return {
      outcome: succeeded ? 'succeeded' : interrupted ? 'interrupted' : 'failed',
      exitCode: succeeded ? 0 : interrupted ? 130 : 1,
      runId,
      dir,
      film: succeeded ? join(dir, 'final.mp4') : null,
      manifest,
      files,
      execution: { status: execution.status, error: execution.error, cause: execution.cause },
      history: execution.history,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (!options.on) await stack.stop();
  }
}
