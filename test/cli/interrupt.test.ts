// Ctrl-C of the real command with a run in flight: it exits within 5 s, the run's manifest says it
// was interrupted, its predictions are canceled and no temp directory is left behind.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, until, type CliProcess } from './spawn-cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-interrupt-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Three scenes generated in parallel by an emulator that renders one at a time: some always wait. */
const parallelBoard = (title: string) => ({
  title,
  strategy: 'independent',
  model: 'ltx-2-fast',
  anchor: false,
  clip: { duration: 6, fps: 25 },
  scenes: [1, 2, 3].map((n) => ({ name: `shot ${n}`, prompt: `A lighthouse at dusk, shot ${n}` })),
});

/** What is left in a TMPDIR, but tsx's compile cache (tsx-<uid>: shared by every run, by design). */
const leftovers = async (temp: string) => (await readdir(temp)).filter((name) => !/^tsx-\d+$/.test(name));

/** A fresh working directory and an empty TMPDIR for one command. */
async function workspace(name: string) {
  const cwd = join(dir, name);
  const temp = join(dir, `${name}-tmp`);
  const board = join(dir, `${name}.json`);
  await Promise.all([mkdir(cwd), mkdir(temp), writeFile(board, JSON.stringify(parallelBoard(`Interrupted ${name}`)))]);
  return { cwd, temp, board };
}

async function startDev(cwd: string, temp: string): Promise<{ cli: CliProcess; api: string }> {
  const cli = startCli(['dev', '--port', '0', '--s3-port', '0'], { cwd, env: { TMPDIR: temp } });
  const [, api] = await cli.waitFor(/API\s+(http:\/\/\S+)/, 30_000);
  return { cli, api };
}

const getJson = async (url: string, init?: RequestInit) => {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as any };
};

/** Prediction ids of the scenes whose prediction was created and whose clip has not been stored. */
const waitingPredictions = (manifest: any): string[] =>
  (manifest?.steps ?? []).filter((s: any) => s.predictionId && s.status === 'waiting').map((s: any) => s.predictionId);

describe('Ctrl-C of longshot dev', () => {
  let runId: string;
  let cwd: string;
  let temp: string;
  let stopped: Awaited<ReturnType<CliProcess['stop']>>;
  let stderr: string;

  beforeAll(async () => {
    const ws = await workspace('dev');
    ({ cwd, temp } = ws);
    const { cli, api } = await startDev(cwd, temp);
    const started = await getJson(`${api}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await readFile(ws.board, 'utf8') });
    runId = started.body.runId;
    // Parallel scenes updating the manifest can hide each other for a moment: wait for any one.
    await until(async () => (waitingPredictions((await getJson(`${api}/runs/${runId}`)).body.manifest).length ? true : undefined), 'a scene prediction in flight');
    stopped = await cli.stop('SIGINT');
    stderr = cli.stderr();
  }, 90_000);

  it('exits 0 within 5 s', () => {
    expect(stopped.code).toBe(0);
    expect(stopped.tookMs).toBeLessThan(5000);
  });

  it('says which run it recorded as interrupted', () => {
    expect(stderr).toContain(`[${runId}] interrupted: recorded as canceled`);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('leaves no temp directory behind', async () => {
    expect(await leftovers(temp)).toEqual([]);
  });

  it('records the run as interrupted and its predictions as canceled (seen after a restart)', async () => {
    const { cli, api } = await startDev(cwd, temp);
    try {
      const { status, body } = await getJson(`${api}/runs/${runId}`);
      expect(status).toBe(200);
      expect(body.status).toBe('canceled');
      expect(body.manifest.failure).toMatchObject({ state: 'Execution', error: 'Interrupted', cause: expect.stringMatching(/stopped \(Ctrl-C\).*start it again/) });
      // Every prediction whose clip was not stored was canceled (and there was at least one).
      const unfinished = waitingPredictions(body.manifest);
      expect(unfinished.length).toBeGreaterThan(0);
      expect(body.manifest.failure.canceledPredictions).toEqual(expect.arrayContaining(unfinished));
    } finally {
      await cli.stop('SIGTERM');
    }
  }, 60_000);
});

describe('Ctrl-C of longshot render', () => {
  it('exits 130 within 5 s, writes the interrupted manifest to --out and leaves no temp directory', async () => {
    const { cwd, temp, board } = await workspace('render');
    const out = join(cwd, 'out');
    const cli = startCli(['render', board, '--out', out], { cwd, env: { TMPDIR: temp } });
    // Every scene has entered Clip: the run is in the middle of generating.
    await until(async () => ((cli.stderr().match(/generating clip…/g)?.length ?? 0) >= 3 ? true : undefined), 'three clips generating', 60_000, 20);
    const stopped = await cli.stop('SIGINT');
    expect(stopped.code).toBe(130);
    expect(stopped.tookMs).toBeLessThan(5000);
    const [, runId] = cli.stderr().match(/✗ (\S+) interrupted: recorded as canceled/) ?? [];
    expect(runId, cli.stderr()).toBeTruthy();
    const manifest = JSON.parse(await readFile(join(out, runId, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ status: 'canceled', failure: { error: 'Interrupted', cause: expect.stringMatching(/longshot render was stopped/) } });
    expect(await leftovers(temp)).toEqual([]);
  }, 90_000);

  it('a second Ctrl-C exits at once, still leaving no temp directory', async () => {
    const { cwd, temp, board } = await workspace('render-twice');
    const cli = startCli(['render', board, '--out', join(cwd, 'out')], { cwd, env: { TMPDIR: temp } });
    await cli.waitFor(/generating clip…/, 60_000);
    cli.child.kill('SIGINT');
    await cli.waitFor(/Ctrl-C again exits at once/, 5000);
    const stopped = await cli.stop('SIGINT');
    expect(stopped.code).toBe(130);
    expect(cli.stderr()).toMatch(/exiting without waiting for cleanup/);
    expect(await leftovers(temp)).toEqual([]);
  }, 90_000);
});

describe('longshot resume after Ctrl-C, in a new process', () => {
  it('makes only what the interrupted run had not stored, reusing the rest', async () => {
    const { cwd, temp } = await workspace('resume');
    const board = join(dir, 'resume-chain.json');
    const chain = { ...parallelBoard('Interrupted then resumed'), strategy: 'chain', scenes: parallelBoard('x').scenes.slice(0, 2) };
    await writeFile(board, JSON.stringify({ ...chain, scenes: chain.scenes.map((s) => ({ ...s, prompt: `${s.prompt} (resumed)` })) }));
    const out = join(cwd, 'out');
    const render = startCli(['render', board, '--out', out], { cwd, env: { TMPDIR: temp } });
    // Scene 1 is stored once scene 2 generates (a chain).
    await until(async () => (/scene 2\/2 "shot 2": generating clip…/.test(render.stderr()) ? true : undefined), 'scene 2 generating', 60_000, 20);
    expect((await render.stop('SIGINT')).code).toBe(130);
    const [, runId] = render.stderr().match(/✗ (\S+) interrupted: recorded as canceled/) ?? [];
    expect(render.stderr()).toContain(`longshot resume ${join(out, runId)}`);

    const resume = startCli(['resume', join(out, runId), '--json'], { cwd, env: { TMPDIR: temp } });
    const { code } = await resume.exited;
    expect(code, resume.stderr()).toBe(0);
    const result = JSON.parse(resume.stdout());
    const manifest = JSON.parse(await readFile(join(result.dir, 'manifest.json'), 'utf8'));
    expect(manifest.origin).toEqual({ kind: 'resume', parentRunId: runId });
    expect(manifest.steps.map((s: any) => [s.step, s.reused])).toEqual([['scene-1', true], ['scene-2', false]]);
    expect(manifest.predictions.map((p: any) => p.step)).toEqual(['scene-2']);
  }, 120_000);
});

describe('longshot dev over what render made', () => {
  it('lists and serves a run render made in the same out/ (one local store for the CLI and the viewer)', async () => {
    const { cwd, temp } = await workspace('shared-store');
    const board = join(dir, 'shared-store-one.json');
    await writeFile(board, JSON.stringify({ ...parallelBoard('Rendered then viewed'), scenes: parallelBoard('x').scenes.slice(0, 1).map((s) => ({ ...s, prompt: `${s.prompt} (viewed)` })) }));
    const render = startCli(['render', board, '--json'], { cwd, env: { TMPDIR: temp } });
    expect((await render.exited).code, render.stderr()).toBe(0);
    const { runId } = JSON.parse(render.stdout());
    const { cli, api } = await startDev(cwd, temp);
    try {
      const listed = await getJson(`${api}/runs`);
      expect(listed.body.runs.map((r: any) => [r.runId, r.status])).toContainEqual([runId, 'succeeded']);
      const report = await getJson(`${api}/runs/${runId}`);
      expect((await fetch(report.body.urls.film)).status).toBe(200);
    } finally {
      await cli.stop('SIGTERM');
    }
  }, 90_000);
});

describe('DELETE after dev restarted (the engine forgot the execution, the bucket kept the run)', () => {
  it('records the cancel of a run whose manifest still says running instead of answering 404', async () => {
    const ws = await workspace('crashed');
    const first = await startDev(ws.cwd, ws.temp);
    const started = await getJson(`${first.api}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await readFile(ws.board, 'utf8') });
    const runId: string = started.body.runId;
    await until(async () => (waitingPredictions((await getJson(`${first.api}/runs/${runId}`)).body.manifest).length ? true : undefined), 'a prediction in flight');
    await first.cli.stop('SIGKILL'); // a crash: nothing gets recorded

    const second = await startDev(ws.cwd, ws.temp);
    try {
      expect((await getJson(`${second.api}/runs/${runId}`)).body.manifest.status).toBe('running');
      const deleted = await getJson(`${second.api}/runs/${runId}`, { method: 'DELETE' });
      expect(deleted).toMatchObject({ status: 202, body: { runId, status: 'canceled' } });
      const { body } = await getJson(`${second.api}/runs/${runId}`);
      expect(body).toMatchObject({ status: 'canceled', manifest: { status: 'canceled', failure: { error: 'RunCanceled', cause: expect.stringMatching(/no longer exists/) } } });
    } finally {
      await second.cli.stop('SIGTERM');
    }
  }, 90_000);
});
