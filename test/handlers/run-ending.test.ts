// Every way a run ends goes through one ending record, created once (S3 If-None-Match): the first
// writer decides, later writers change nothing, and the manifest shows that one ending.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as prepare } from '../../functions/handlers/prepare';
import { handler as recordFailureHandler } from '../../functions/handlers/record-failure';
import { claimEnding, findEnding, findManifest, refreshManifest } from '../../functions/adapters/run-store';
import { exists, findJsonVersion, putJson, s3Client } from '../../functions/adapters/s3';
import { recordCancel, recordExecutionEnd, recordFailure } from '../../functions/workflow/end-run';
import { publishFilm } from '../../functions/workflow/join-film';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import { failedEnding, type RunEnding } from '../../functions/domain/ending';
import { runIdForExecution } from '../../functions/domain/execution';
import type { FilmRecord } from '../../functions/domain/manifest';
import { tinyStoryboard } from './helpers';
import { deferred, within } from '../e2e/gates';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(() => stack?.stop());

async function preparedRun(title: string): Promise<string> {
  const runId = newRunId(title);
  await prepare({ runId, request: { storyboard: tinyStoryboard(title) } });
  return runId;
}

function filmOf(runId: string): FilmRecord {
  const keys = runKeys(runId);
  return {
    key: keys.final,
    contactSheetKey: keys.contactSheet,
    continuityKey: keys.continuity,
    driftChartKey: keys.driftChart,
    scenes: [],
    continuity: { lastSceneVsAnchor: null, deltaEPerHop: null, maxSeamDeltaE: null, maxLoudnessJumpLu: null, worstDipDb: null, maxStillRun: null },
    durationSec: 6,
    frames: 150,
    fps: 25,
    width: 1920,
    height: 1080,
    audioDurationSec: null,
    joinedAt: new Date().toISOString(),
  };
}

async function uploadFilmObjects(runId: string) {
  const film = filmOf(runId);
  for (const key of [film.key, film.contactSheetKey, film.continuityKey]) await putJson(stack.config, key, { placeholder: key });
  return film;
}

type Ender = 'join-film' | 'record-failure' | 'cancel-request' | 'execution-ended';

/** Each way a run ends, as the code paths call it; errors are part of the outcome. */
const enders: Record<Ender, (runId: string) => Promise<unknown>> = {
  'join-film': async (runId) => publishFilm(stack.config, runId, 1, await uploadFilmObjects(runId)),
  'record-failure': (runId) => recordFailure(stack.config, { runId, failure: { Scenes: { Error: 'PredictionFailedError', Cause: 'scene-1 failed' } } }),
  'cancel-request': (runId) => recordCancel(stack.config, runId, 'canceled by DELETE /runs/{runId}', async () => undefined),
  'execution-ended': (runId) => recordExecutionEnd(stack.config, { name: runId, status: 'ABORTED' }),
};
const statusOf: Record<Ender, string> = { 'join-film': 'succeeded', 'record-failure': 'failed', 'cancel-request': 'canceled', 'execution-ended': 'canceled' };
const settle = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error) => error);

async function expectManifestShows(runId: string, ending: RunEnding) {
  const manifest = await findManifest(stack.config, runId);
  expect(manifest).toMatchObject({ status: ending.status, endedBy: ending.by, endedAt: ending.at });
  if (ending.status === 'succeeded') expect(manifest).toMatchObject({ film: ending.film, failure: null });
  else expect(manifest).toMatchObject({ film: null, failure: ending.failure });
  expect(await exists(stack.config, runKeys(runId).final)).toBe(ending.status === 'succeeded');
}

const pairs = (Object.keys(enders) as Ender[]).flatMap((first) => (Object.keys(enders) as Ender[]).filter((second) => second !== first).map((second) => [first, second] as const));

describe('one ending per run', () => {
  it.each(pairs)('%s first, then %s: the second changes nothing', async (first, second) => {
    const runId = await preparedRun(`${first} then ${second}`);
    await settle(enders[first](runId));
    const recorded = await findJsonVersion<RunEnding>(stack.config, runKeys(runId).ending);
    expect(recorded?.value).toMatchObject({ status: statusOf[first], by: first });

    await settle(enders[second](runId));
    const after = await findJsonVersion<RunEnding>(stack.config, runKeys(runId).ending);
    expect(after?.etag).toBe(recorded?.etag); // not rewritten, not even with the same content
    await expectManifestShows(runId, recorded!.value);
  });

  it('concurrent writers: exactly one ending wins, and every writer and the manifest agree on it', async () => {
    const runId = await preparedRun('Concurrent enders');
    const writers: Ender[] = ['join-film', 'record-failure', 'cancel-request', 'execution-ended', 'record-failure', 'cancel-request'];
    const claims = await Promise.all(
      writers.map((by) =>
        claimEnding(stack.config, runId, by === 'join-film' ? { status: 'succeeded', at: new Date().toISOString(), by, film: filmOf(runId) } : failedEnding(by, statusOf[by] as 'failed', { state: 'S', error: 'E', cause: by })),
      ),
    );
    expect(claims.filter((c) => c.won)).toHaveLength(1);
    const winner = claims.find((c) => c.won)!.ending;
    for (const claim of claims) expect(claim.ending).toEqual(winner);
    expect(await findEnding(stack.config, runId)).toEqual(winner);
  });

  it('concurrent enders through their use cases leave one state in the manifest', async () => {
    const runId = await preparedRun('Concurrent use cases');
    await Promise.all((Object.keys(enders) as Ender[]).map((ender) => settle(enders[ender](runId))));
    await expectManifestShows(runId, (await findEnding(stack.config, runId))!);
  });

  it('a refresh built before the ending, written after it, is corrected (the manifest never says running again)', async () => {
    const runId = await preparedRun('Stale refresh');
    // Hold the next manifest write at a gate, so this rebuild lands after the ender's own refresh.
    const held = holdNextPut(runKeys(runId).manifest);
    const stale = refreshManifest(stack.config, runId);
    await within(held.arrived, 'the stale manifest write');
    const ending = failedEnding('cancel-request', 'canceled', { state: 'Canceled', error: 'RunCanceled', cause: 'test' });
    await claimEnding(stack.config, runId, ending);
    await refreshManifest(stack.config, runId);
    held.open();
    await stale;
    expect(await findManifest(stack.config, runId)).toMatchObject({ status: 'canceled', failure: { error: 'RunCanceled' } });
  });

  it('many rebuilds at once (parallel scenes) all complete and show the ending', async () => {
    const runId = await preparedRun('Parallel refreshes');
    const refreshes = Array.from({ length: 40 }, () => refreshManifest(stack.config, runId));
    await claimEnding(stack.config, runId, failedEnding('record-failure', 'failed', { state: 'Scenes', error: 'E', cause: 'c' }));
    await Promise.all([...refreshes, refreshManifest(stack.config, runId)]);
    expect(await findManifest(stack.config, runId)).toMatchObject({ status: 'failed' });
  });
});

/** Holds the next PutObject of `key` (sent through the shared S3 client) until `open()`. */
function holdNextPut(key: string) {
  const arrived = deferred();
  const gate = deferred();
  const client = s3Client(stack.config);
  const name = `hold-${randomUUID()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string };
      if (context.commandName === 'PutObjectCommand' && input.Key === key) {
        client.middlewareStack.remove(name);
        arrived.resolve();
        await gate.promise;
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { arrived: arrived.promise, open: () => gate.resolve() };
}

describe('the join after a cancel', () => {
  it('deletes the film it uploaded, keeps the cancel, and says why', async () => {
    const runId = await preparedRun('Cancel during upload');
    const film = await uploadFilmObjects(runId);
    await recordCancel(stack.config, runId, 'canceled by DELETE /runs/{runId}', async () => undefined);

    const error = await settle(publishFilm(stack.config, runId, 1, film));
    expect(error).toMatchObject({ name: 'RunEndedError', message: expect.stringMatching(/already ended as canceled/) });
    for (const key of [film.key, film.contactSheetKey, film.continuityKey]) expect(await exists(stack.config, key)).toBe(false);
    expect(await findManifest(stack.config, runId)).toMatchObject({ status: 'canceled', film: null });
  });

  it('a retried join of a run that succeeded answers with the recorded film and deletes nothing', async () => {
    const runId = await preparedRun('Join retried');
    const film = await uploadFilmObjects(runId);
    await publishFilm(stack.config, runId, 1, film);
    const again = await publishFilm(stack.config, runId, 1, { ...film, joinedAt: new Date(0).toISOString() });
    expect(again).toMatchObject({ runId, joinedAt: film.joinedAt });
    expect(await exists(stack.config, film.key)).toBe(true);
  });

  it('only the join that recorded the film says so (its metrics count the run); both give the run’s cost', async () => {
    const runId = await preparedRun('Join counted once');
    const film = await uploadFilmObjects(runId);
    const first = await publishFilm(stack.config, runId, 1, film);
    const again = await publishFilm(stack.config, runId, 1, film);
    const { cost } = (await findManifest(stack.config, runId))!;
    expect(first).toMatchObject({ recorded: true, cost: { usd: cost.usd, estimateUsd: cost.estimateUsd } });
    expect(again).toMatchObject({ recorded: false, finishingSec: null, cost: { usd: cost.usd, estimateUsd: cost.estimateUsd } });
    expect(cost.estimateUsd).toBeGreaterThan(0);
  });

  it('record-failure says whether its failure became the ending', async () => {
    const runId = await preparedRun('Failure twice');
    const first = await enders['record-failure'](runId);
    const again = await enders['record-failure'](runId);
    expect(first).toMatchObject({ recorded: true, error: 'PredictionFailedError' });
    expect(again).toMatchObject({ recorded: false, error: 'PredictionFailedError' });
  });
});

describe('DELETE', () => {
  it('stops the execution only when its cancel is the ending', async () => {
    const runId = await preparedRun('Delete after failure');
    await enders['record-failure'](runId);
    const stop = vi.fn(async () => undefined);
    const ending = await recordCancel(stack.config, runId, 'canceled by DELETE /runs/{runId}', stop);
    expect(ending).toMatchObject({ status: 'failed', by: 'record-failure' });
    expect(stop).not.toHaveBeenCalled();
  });
});

describe('the failure path never throws on an execution name that is not a run id', () => {
  const startedAt = '2026-11-25T10:42:13.192Z';

  it.each([
    ['a console UUID', randomUUID()],
    ['a typed name', 'my test'],
  ])('%s is recorded under its derived run id, with the name', async (_, name) => {
    const result = await recordFailureHandler({ runId: name, startedAt, failure: { Prepare: { Error: 'InvalidStoryboardError', Cause: 'bad input' } } });
    expect(result).toMatchObject({ error: 'InvalidStoryboardError', cause: 'Prepare: bad input' });
    const runId = runIdForExecution(name, startedAt);
    expect(await findManifest(stack.config, runId)).toMatchObject({ runId, executionName: name, status: 'failed', title: null, failure: { state: 'Prepare', cause: 'bad input' } });
  });

  it('with no failure detail at all, still records one', async () => {
    const name = randomUUID();
    await recordFailureHandler({ runId: name, startedAt } as never);
    expect(await findManifest(stack.config, runIdForExecution(name, startedAt))).toMatchObject({ status: 'failed', failure: { state: 'unknown', error: 'States.Runtime' } });
  });

  it('the status-change event finds the same run from the epoch start date and records nothing twice', async () => {
    const name = randomUUID();
    await recordFailureHandler({ runId: name, startedAt, failure: { Prepare: { Error: 'InvalidStoryboardError', Cause: 'x' } } });
    const ended = await recordExecutionEnd(stack.config, { name, status: 'FAILED', error: 'InvalidStoryboardError', startDate: Date.parse(startedAt) });
    expect(ended).toEqual({ recorded: false, runId: runIdForExecution(name, startedAt) });
  });
});
