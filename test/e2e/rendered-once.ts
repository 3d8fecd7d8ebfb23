// One film rendered for a whole e2e test file, on its own local stack: registers the beforeAll that
// renders it and the afterAll that stops the stack and removes the output, and hands back the three.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type StackOptions } from '../../local/stack';
import { render, type RenderResult } from '../../local/render';

export type Rendered = Extract<RenderResult, { runId: string }>;

export interface RenderedOnce {
  stack: LocalStack;
  /** The output directory (the run is under dir/<runId>/); scratch files of the tests may go here too. */
  dir: string;
  result: Rendered;
}

export function renderedOnce(name: string, storyboard: () => Promise<unknown> | unknown, stackOptions: StackOptions = {}): RenderedOnce {
  const run = {} as RenderedOnce;
  beforeAll(async () => {
    run.dir = await mkdtemp(join(tmpdir(), `longshot-e2e-${name}-`));
    run.stack = await startLocalStack(stackOptions);
    const rendered = await render({ storyboard: await storyboard(), outDir: run.dir, on: run.stack, progress: false });
    if (rendered.outcome === 'invalid') throw new Error(rendered.problems.join('; '));
    run.result = rendered;
  }, 120_000);
  afterAll(async () => {
    await run.stack?.stop();
    if (run.dir) await rm(run.dir, { recursive: true, force: true });
  });
  return run;
}
