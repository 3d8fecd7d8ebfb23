// One run, one final state: DELETE racing the join, in both orders, made deterministic by holding the
// join-film handler at a gate (before it starts, or after it recorded the film) while DELETE runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { HANDLERS } from '../../local/handlers';
import { findEnding, findManifest } from '../../functions/adapters/run-store';
import { exists } from '../../functions/adapters/s3';
import { runKeys } from '../../functions/domain/run-keys';
import { shortStoryboard } from './short-storyboard';
import { gatedHandler, within } from './gates';

const join = gatedHandler(HANDLERS['join-film']);
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ handlers: { 'join-film': join.handler } });
});
afterAll(() => stack?.stop());

async function startRun(title: string): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...shortStoryboard(title, 1), anchor: false }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { runId: string }).runId;
}

const execution = (runId: string) => stack.engine.list().find((e) => e.name === runId)!;

async function deleteRun(runId: string) {
  const response = await fetch(`${stack.apiUrl}/runs/${runId}`, { method: 'DELETE' });
  return { code: response.status, body: (await response.json()) as { status: string; canceledPredictions: string[] } };
}

describe('DELETE racing the join', () => {
  it('DELETE first: the run is canceled, the join that finishes afterwards keeps no film', async () => {
    const pass = join.arm('before');
    const runId = await startRun('Delete before join');
    await within(pass.arrived, 'the join to start');

    const answer = await deleteRun(runId);
    expect(answer).toMatchObject({ code: 202, body: { status: 'canceled' } });
    await within(execution(runId).done, 'the execution to stop');
    pass.open();
    const joined = await within(pass.settled, 'the join to finish');

    expect(joined).toMatchObject({ ok: false, error: { name: 'RunEndedError' } });
    expect(execution(runId).status).toBe('ABORTED');
    await Promise.all(stack.statusChanges);
    const manifest = await findManifest(stack.config, runId);
    expect(manifest).toMatchObject({ status: 'canceled', film: null, endedBy: 'cancel-request', failure: { error: 'RunCanceled' } });
    expect(await findEnding(stack.config, runId)).toMatchObject({ status: 'canceled', by: 'cancel-request' });
    expect(await exists(stack.config, runKeys(runId).final)).toBe(false);
  });

  it('join first: DELETE answers succeeded, stops nothing, and the run keeps its film', async () => {
    const pass = join.arm('after');
    const runId = await startRun('Join before delete');
    await within(pass.arrived, 'the join to record the film');

    const answer = await deleteRun(runId);
    expect(answer).toMatchObject({ code: 202, body: { status: 'succeeded', canceledPredictions: [] } });
    expect(execution(runId).status).toBe('RUNNING'); // not stopped: the run already has its ending
    pass.open();
    await within(execution(runId).done, 'the execution to end');

    expect(execution(runId).status).toBe('SUCCEEDED');
    const manifest = await findManifest(stack.config, runId);
    expect(manifest).toMatchObject({ status: 'succeeded', failure: null, endedBy: 'join-film', film: { key: runKeys(runId).final } });
    expect(await exists(stack.config, runKeys(runId).final)).toBe(true);
  });

  it('DELETE after the run succeeded answers with the real state', async () => {
    const runId = await startRun('Delete after success');
    await within(execution(runId).done, 'the run to finish');
    expect(execution(runId).status).toBe('SUCCEEDED');
    expect(await deleteRun(runId)).toMatchObject({ body: { status: 'succeeded' } });
    expect(await findManifest(stack.config, runId)).toMatchObject({ status: 'succeeded', failure: null });
  });
});
