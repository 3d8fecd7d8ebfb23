// GET /runs through the local API: the bucket's runs, newest first, paginated with opaque tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { putJson } from '../../functions/adapters/s3';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import { finishedAndCanceledRuns } from '../support/listed-runs';

let stack: LocalStack;
const OLD_RUN = newRunId('Old film', new Date('2025-01-01T09:00:00Z'));
let finished: string;
let canceled: string;


const list = async (query = '') => {
  const response = await fetch(`${stack.apiUrl}/runs${query}`);
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  stack = await startLocalStack();
  // A run from an earlier day, as a bucket that has been in use for a while holds.
  const at = '2025-01-01T09:00:00.000Z';
  await putJson(stack.config, runKeys(OLD_RUN).manifest, { runId: OLD_RUN, title: 'Old film', status: 'succeeded', createdAt: at, updatedAt: at, scenesTotal: 1, scenesDone: 1, steps: [], film: { key: 'x' }, failure: null });
  ({ finished, canceled } = await finishedAndCanceledRuns(stack, ['Listed film', 'Listed and canceled']));
}, 60_000);
afterAll(() => stack?.stop());

describe('GET /runs', () => {
  it('lists every run newest first (by start minute, then id) with its status', async () => {
    const { status, body } = await list();
    expect(status).toBe(200);
    const recent = [finished, canceled].sort().reverse();
    expect(body.runs.map((r: any) => r.runId)).toEqual([...recent, OLD_RUN]);
    expect(body.nextToken).toBeUndefined();
    const byId = Object.fromEntries(body.runs.map((r: any) => [r.runId, r]));
    expect(byId[finished]).toMatchObject({ status: 'succeeded', title: 'Listed film', film: true, statusUrl: `/runs/${finished}` });
    expect(byId[canceled]).toMatchObject({ status: 'canceled', film: false, error: { error: 'RunCanceled' } });
    expect(byId[OLD_RUN]).toMatchObject({ status: 'succeeded', title: 'Old film', cost: null });
  });

  it('shows what each run spent against its estimate: one 6 s Fast clip, $0.24', async () => {
    const byId = Object.fromEntries((await list()).body.runs.map((r: any) => [r.runId, r]));
    expect(byId[finished].cost).toEqual({ usd: 0.24, estimateUsd: 0.24, budgetUsd: null, reusedSteps: 0 });
    expect(byId[finished].origin).toBeNull();
  });

  it('pages with limit and nextToken: every run exactly once, no token on the last page', async () => {
    const seen: string[] = [];
    let query = '?limit=1';
    for (let pages = 0; pages < 10; pages++) {
      const { body } = await list(query);
      expect(body.runs).toHaveLength(1);
      seen.push(body.runs[0].runId);
      if (!body.nextToken) break;
      query = `?limit=1&nextToken=${encodeURIComponent(body.nextToken)}`;
    }
    expect(seen).toEqual((await list()).body.runs.map((r: any) => r.runId));
  });

  it.each([
    ['?limit=0', /^limit: must be a whole number from 1 to 100/],
    ['?limit=101', /^limit:/],
    ['?limit=ten', /^limit:/],
    ['?nextToken=not-a-token', /^nextToken: not a token from a previous GET \/runs page/],
  ])('%s → 400 naming the parameter', async (query, message) => {
    const { status, body } = await list(query);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'InvalidQuery', message: expect.stringMatching(message) });
  });
});
