// `longshot render`: start the embedded stack, POST the storyboard to the local API (the same
// route a deployed run takes), follow the execution, and copy the film and records to DIR/<runId>/.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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

async function postRun(stack: LocalStack, options: RenderOptions): Promise<{ runId: string } | { problems: string[] }> {
  const response = await fetch(`${stack.apiUrl}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ storyboard: options.storyboard, ...options.overrides }),
  });
  const body = (await response.json()) as { runId?: string; problems?: string[]; message?: string };
  if (response.status === 400) return { problems: body.problems ?? [String(body.message)] };
  if (response.status !== 202 || !body.runId) throw new Error(`POST /runs answered ${response.status}: ${JSON.stringify(body)}`);
  return { runId: body.runId };
}

function planOf(runId: string, options: RenderOptions): RunPlan | null {
  try {
    return buildPlan(runId, parseStoryboard(options.storyboard, options.overrides));
  } catch {
    return null;
  }
}

/** Waits for the run to end; on abort, stops it as interrupted (recorded by the execution-ended path). */
async function follow(stack: LocalStack, runId: string, options: RenderOptions) {
  const plan = planOf(runId, options);
  const progress = options.progress === false ? null : reportProgress(stack.engine, runId, () => plan);
  const execution = stack.engine.list().find((e) => e.name === runId);
  if (!execution) throw new Error(`execution ${runId} was not started`);
  await Promise.race([execution.done, aborted(options.signal)]);
  progress?.stop();
  const interrupted = execution.status === 'RUNNING';
  if (interrupted) await stack.interrupt(RENDER_INTERRUPT_CAUSE);
  await execution.done;
  return { execution, interrupted };
}

export async function render(options: RenderOptions): Promise<RenderResult> {
  // Validate before anything starts: an invalid storyboard starts no stack and no run.
  try {
    parseStoryboard(options.storyboard, options.overrides);
  } catch (error) {
    if (error instanceof InvalidStoryboardError) return { outcome: 'invalid', exitCode: 2, problems: error.problems };
    throw error;
  }
  const started = Date.now();
  const outDir = resolve(options.outDir ?? 'out');
  const stack = options.on ?? (await startLocalStack(options.stack));
  try {
    if (options.signal?.aborted) throw new InterruptedError('interrupted before a run started; nothing is left running');
    const posted = await postRun(stack, options);
    if ('problems' in posted) return { outcome: 'invalid', exitCode: 2, problems: posted.problems };
    const { runId } = posted;
    const { execution, interrupted } = await follow(stack, runId, options);

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
