// `longshot compare`: POST /compares to the embedded stack (the route a deployed compare takes),
// follow the one parent execution of the compare state machine — its Map runs each variant as a
// child execution of the run state machine — and copy compares/{id}/ and the variants' runs out.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { startLocalStack, type LocalStack, type StackOptions } from './stack';
import { collectOutputs } from './collect-outputs';
import { downloadToFile, listKeys } from '../functions/adapters/s3';
import { compareKeys, type ComparisonRow, type Variant } from '../functions/domain/compare';
import type { Execution, LocalStepFunctions, ProgressEvent } from './step-functions';
import { validateCompare } from '../functions/workflow/compares';
import { InvalidStoryboardError } from '../functions/domain/errors';

export interface CompareOptions {
  storyboard: unknown;
  variants: Variant[];
  outDir?: string;
  stack?: StackOptions;
  /** Compare on an already running stack (tests); it is left running. */
  on?: LocalStack;
  progress?: boolean;
  /** Aborting it (Ctrl-C) stops the compare and its variants' runs, recorded as interrupted. */
  signal?: AbortSignal;
}

export type CompareResult =
  | { outcome: 'invalid'; exitCode: 2; problems: string[] }
  | {
      outcome: 'succeeded' | 'failed' | 'interrupted';
      exitCode: 0 | 1 | 130;
      compareId: string;
      dir: string;
      sideBySide: string | null;
      table: string;
      rows: ComparisonRow[];
      execution: { status: string; error?: string; cause?: string };
    };

export const COMPARE_INTERRUPT_CAUSE = 'longshot compare was stopped (Ctrl-C) while this run was in flight; start it again';

async function postCompare(stack: LocalStack, options: CompareOptions): Promise<{ compareId: string } | { problems: string[] }> {
  const response = await fetch(`${stack.apiUrl}/compares`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ storyboard: options.storyboard, variants: specOf(options) }),
  });
  const body = (await response.json()) as { compareId?: string; problems?: string[]; message?: string };
  if (response.status === 400) return { problems: body.problems ?? [String(body.message)] };
  if (response.status !== 202 || !body.compareId) throw new Error(`POST /compares answered ${response.status}: ${JSON.stringify(body)}`);
  return { compareId: body.compareId };
}

/** One line per state of the parent and of its children (several runs at once: no bar). */
function followProgress(stack: LocalStack, compareId: string): () => void {
  const started = Date.now();
  const labels = new Map<string, string>();
  const line = (who: string, event: ProgressEvent) => {
    const scene = event.index !== undefined ? ` (scene ${event.index + 1})` : '';
    const what = event.type === 'StateFailed' ? `${event.state}${scene}: ${event.error}` : `${event.state}${scene}`;
    process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${who}: ${what}\n`);
  };
  const onParent = (execution: Execution, event: ProgressEvent) => {
    if (execution.name !== compareId || !event.state || !['StateEntered', 'StateFailed'].includes(event.type) || event.state === 'RunVariant') return;
    line('compare', event);
  };
  const onChild = (execution: Execution, event: ProgressEvent) => {
    if (event.type !== 'StateEntered' && event.type !== 'StateFailed') return;
    if (!labels.size) void labelRuns(stack, compareId, labels);
    const label = labels.get(execution.name);
    if (label && event.state && !['Choice', 'Pass', 'Map', 'Parallel', 'Wait'].includes(event.stateType ?? '')) line(label, event);
  };
  const engines: [LocalStepFunctions, typeof onParent][] = [[stack.compareEngine, onParent], [stack.engine, onChild]];
  for (const [engine, listener] of engines) engine.on('progress', listener);
  return () => engines.forEach(([engine, listener]) => engine.off('progress', listener));
}

async function labelRuns(stack: LocalStack, compareId: string, labels: Map<string, string>) {
  const request = await fetch(`${stack.apiUrl}/compares/${compareId}`).then((r) => r.json() as Promise<{ variants?: { runId: string; label: string }[] }>);
  for (const v of request.variants ?? []) labels.set(v.runId, v.label);
}

const aborted = (signal?: AbortSignal) =>
  new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })));

/** Waits for the parent execution; on abort stops it (and so its runs) as interrupted. */
async function follow(stack: LocalStack, compareId: string, options: CompareOptions) {
  const stopProgress = options.progress === false ? () => undefined : followProgress(stack, compareId);
  const execution = stack.compareEngine.list().find((e) => e.name === compareId);
  if (!execution) throw new Error(`compare execution ${compareId} was not started`);
  await Promise.race([execution.done, aborted(options.signal)]);
  stopProgress();
  const interrupted = execution.status === 'RUNNING';
  if (interrupted) await stack.interrupt(COMPARE_INTERRUPT_CAUSE);
  await execution.done;
  return { execution, interrupted };
}

/** compares/{id}/ into DIR/<compareId>/, and each variant's run into DIR/<compareId>/<runId>/. */
async function copyOut(stack: LocalStack, compareId: string, dir: string): Promise<ComparisonRow[]> {
  const { prefix, comparisonJson } = compareKeys(compareId);
  for (const key of await listKeys(stack.config, prefix)) {
    const target = join(dir, key.slice(prefix.length));
    await mkdir(dirname(target), { recursive: true });
    await downloadToFile(stack.config, key, target);
  }
  const request = JSON.parse(await readFile(join(dir, 'request.json'), 'utf8').catch(() => '{"runs":[]}')) as { runs: { runId: string }[] };
  for (const run of request.runs) await collectOutputs(stack.config, run.runId, dir);
  const rows = JSON.parse(await readFile(join(dir, relative(prefix, comparisonJson)), 'utf8').catch(() => '{"variants":[]}')).variants as ComparisonRow[];
  // The films as they lie on this disk, rather than their bucket keys.
  return rows.map((row) => ({ ...row, film: row.film ? join(dir, row.runId, 'final.mp4') : null }));
}

const specOf = (options: CompareOptions) => options.variants.map((v) => `${v.model}:${v.strategy}`);

export async function compare(options: CompareOptions): Promise<CompareResult> {
  // Every variant is validated before anything starts (the API checks again: one set of rules).
  try {
    validateCompare({ storyboard: options.storyboard, variants: specOf(options) });
  } catch (error) {
    if (error instanceof InvalidStoryboardError) return { outcome: 'invalid', exitCode: 2, problems: error.problems };
    throw error;
  }
  const stack = options.on ?? (await startLocalStack(options.stack));
  try {
    const posted = await postCompare(stack, options);
    if ('problems' in posted) return { outcome: 'invalid', exitCode: 2, problems: posted.problems };
    const { compareId } = posted;
    const { execution, interrupted } = await follow(stack, compareId, options);
    const dir = join(resolve(options.outDir ?? 'out'), compareId);
    await mkdir(dir, { recursive: true });
    const rows = await copyOut(stack, compareId, dir);
    const table = await readFile(join(dir, 'comparison.md'), 'utf8').catch(() => '');
    const sideBySide = rows.length ? join(dir, 'side-by-side.mp4') : null;
    const ended = { status: execution.status, error: execution.error, cause: execution.cause };
    if (interrupted) return { outcome: 'interrupted', exitCode: 130, compareId, dir, sideBySide, table, rows, execution: ended };
    const allSucceeded = execution.status === 'SUCCEEDED' && rows.length > 0 && rows.every((r) => r.outcome === 'succeeded');
    return { outcome: allSucceeded ? 'succeeded' : 'failed', exitCode: allSucceeded ? 0 : 1, compareId, dir, sideBySide, table, rows, execution: ended };
  } finally {
    if (!options.on) await stack.stop();
  }
}
