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
}

export type RenderResult =
  | { outcome: 'invalid'; exitCode: 2; problems: string[] }
  | {
      outcome: 'succeeded' | 'failed';
      exitCode: 0 | 1;
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
    const response = await fetch(`${stack.apiUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ storyboard: options.storyboard, ...options.overrides }),
    });
    const body = (await response.json()) as { runId?: string; problems?: string[]; message?: string };
    if (response.status === 400) return { outcome: 'invalid', exitCode: 2, problems: body.problems ?? [String(body.message)] };
    if (response.status !== 202 || !body.runId) throw new Error(`POST /runs answered ${response.status}: ${JSON.stringify(body)}`);
    const runId = body.runId;

    let plan: RunPlan | null = null;
    try {
      plan = buildPlan(runId, parseStoryboard(options.storyboard, options.overrides));
    } catch {
      plan = null;
    }
    const progress = options.progress === false ? null : reportProgress(stack.engine, runId, () => plan);
    const execution = stack.engine.list().find((e) => e.name === runId);
    if (!execution) throw new Error(`execution ${runId} was not started`);
    await execution.done;
    progress?.stop();

    const files = await collectOutputs(stack.config, runId, outDir);
    const dir = join(outDir, runId);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const succeeded = execution.status === 'SUCCEEDED';
    return {
      outcome: succeeded ? 'succeeded' : 'failed',
      exitCode: succeeded ? 0 : 1,
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
