// `longshot compare` and POST /compares: one parent execution of the compare state machine whose Map
// runs each variant as a child execution of the run state machine, then the side-by-side film.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../local/compare';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { parseVariants } from '../../functions/domain/compare';
import type { Execution, ProgressEvent } from '../../local/step-functions';
import type { CompareReport } from '../../functions/workflow/compares';
import { probeVideo } from './film-checks';
import { shortStoryboard } from './short-storyboard';
import { nextEvent } from '../support/wait';

let dir: string;
let stack: LocalStack;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-e2e-compare-'));
  stack = await startLocalStack();
});
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const getCompare = async (compareId: string) => {
  const response = await fetch(`${stack.apiUrl}/compares/${compareId}`);
  return { status: response.status, body: (await response.json()) as CompareReport };
};

describe('compare', () => {
  it('runs three variants as the children of one parent execution and puts their films side by side', async () => {
    // Once every variant's run has been started, GET /compares/{id} reports them as running.
    const started = nextEvent<[Execution, ProgressEvent]>(
      stack.compareEngine, 'progress', (_e, event) => event.type === 'StateEntered' && event.state === 'RunVariant' && event.index === 2, 'the third variant to start', 60_000,
    ).then(async ([execution]) => getCompare(execution.name));
    const result = await compare({ storyboard: shortStoryboard('Compare me'), variants: parseVariants('fast:chain,fast:single,fast:independent'), outDir: dir, on: stack, progress: false });
    if (result.outcome === 'invalid') throw new Error(result.problems.join('; '));
    expect(result.exitCode).toBe(0);

    // One parent, whose three children are the variants' runs.
    const [parent] = stack.compareEngine.list();
    expect(stack.compareEngine.list()).toHaveLength(1);
    expect(parent).toMatchObject({ name: result.compareId, status: 'SUCCEEDED' });
    // What the console shows as the compare's output: side-by-side.mp4, each variant's run and film.
    expect(JSON.parse(parent.output!)).toStrictEqual({
      compareId: result.compareId,
      status: 'succeeded',
      sideBySideKey: `compares/${result.compareId}/side-by-side.mp4`,
      variants: result.rows.map((r) => ({ label: r.label, runId: r.runId, outcome: 'succeeded', film: `runs/${r.runId}/final.mp4` })),
    });
    const children = stack.engine.list();
    expect(children.map((c) => c.name).sort()).toEqual(result.rows.map((r) => r.runId).sort());
    for (const child of children) {
      expect(child.status).toBe('SUCCEEDED');
      expect(JSON.parse(child.input).AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID).toBe(parent.executionArn);
    }

    expect(result.rows.map((r) => [r.label, r.outcome, r.clips])).toEqual([
      ['ltx-2-fast × chain', 'succeeded', 2],
      ['ltx-2-fast × single', 'succeeded', 1],
      ['ltx-2-fast × independent', 'succeeded', 2],
    ]);
    // Each variant carries its measured continuity: the chain has a seam, the single shot none.
    expect(result.rows[0].continuity?.maxSeamDeltaE).toBeLessThanOrEqual(2);
    expect(result.rows[1].continuity).toMatchObject({ maxSeamDeltaE: null, lastSceneVsAnchor: null });
    const film = await probeVideo(result.sideBySide!);
    expect(film).toMatchObject({ width: 3 * 640, height: 360, videoCodec: 'h264', audioCodec: 'aac' });
    expect(film.videoDurationSec).toBeCloseTo(Math.max(...result.rows.map((r) => r.filmSeconds!)), 1);
    const table = await readFile(join(result.dir, 'comparison.md'), 'utf8');
    expect(table).toMatch(/\| ltx-2-fast × single \| succeeded \| 1[12]\.\d\d \| 1 \| /);
    expect(JSON.parse(await readFile(join(result.dir, 'comparison.json'), 'utf8')).variants).toHaveLength(3);
    for (const row of result.rows) expect(existsSync(join(result.dir, row.runId, 'final.mp4')), row.label).toBe(true);

    const during = await started;
    expect(during.body).toMatchObject({ compareId: result.compareId, status: 'running' });
    expect(during.body.variants.map((v) => v.runId).sort()).toEqual(children.map((c) => c.name).sort());
    const after = await getCompare(result.compareId);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ status: 'succeeded', ending: { status: 'succeeded', variantsFailed: 0 } });
    expect(after.body.variants.map((v) => [v.status, v.scenesDone === v.scenesTotal])).toEqual([['succeeded', true], ['succeeded', true], ['succeeded', true]]);
    expect(after.body.results?.rows).toHaveLength(3);
    expect((await fetch(after.body.results!.urls.sideBySide)).headers.get('content-type')).toBe('video/mp4');
  }, 240_000);

  it('validates every variant before starting anything', async () => {
    const storyboard = { ...shortStoryboard('Too long for pro'), clip: { duration: 12, fps: 25 } };
    const result = await compare({ storyboard, variants: parseVariants('fast:chain,pro:chain'), outDir: join(dir, 'never'), progress: false });
    expect(result).toMatchObject({ outcome: 'invalid', exitCode: 2 });
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect((result as { problems: string[] }).problems).toEqual([expect.stringMatching(/^ltx-2-pro × chain: clip\.duration: 12 s is not accepted by ltx-2-pro/)]);
  });

  it.each([
    ['a bad variant', { storyboard: shortStoryboard('Bad variant'), variants: ['fast:zigzag'] }, /^variants: "fast:zigzag": strategy must be one of/],
    ['variants of the wrong shape', { storyboard: shortStoryboard('Bad shape'), variants: 7 }, /^variants: give /],
    ['no storyboard', { variants: ['fast:chain'] }, /^storyboard: required/],
    ['a storyboard a variant refuses', { storyboard: { ...shortStoryboard('Pro refuses'), clip: { duration: 12, fps: 25 } }, variants: ['pro:chain'] }, /^ltx-2-pro × chain: clip\.duration/],
  ])('POST /compares with %s answers 400 naming the field and starts nothing', async (_case, body, problem) => {
    const before = stack.compareEngine.list().length;
    const response = await fetch(`${stack.apiUrl}/compares`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { problems: string[] }).problems).toEqual([expect.stringMatching(problem)]);
    expect(stack.compareEngine.list()).toHaveLength(before);
  });

  it('GET /compares/{id} answers 404 for a compare that does not exist and 400 for a malformed id', async () => {
    expect((await getCompare('20261125-1042-nothing-compare-3f9c2a7be41d08c6')).status).toBe(404);
    expect((await getCompare('not-an-id')).status).toBe(400);
  });
});
