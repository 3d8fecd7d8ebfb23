// What the Step Functions console shows as a succeeded execution's output: the film's key, duration
// and size and the run's cost, as the manifest records them — through the real ASL and handlers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as api } from '../../functions/handlers/api';
import { findManifest } from '../../functions/adapters/run-store';
import type { Execution } from '../../local/step-functions';
import { apiEvent, bodyOf } from '../handlers/helpers';
import { shortStoryboard } from './short-storyboard';

let stack: LocalStack;
let done: Execution;
let runId: string;

beforeAll(async () => {
  stack = await startLocalStack({ retryIntervalMs: 5 });
  const started = await api(apiEvent('POST', '/runs', { body: JSON.stringify(shortStoryboard('Console output film', 1)), headers: { 'content-type': 'application/json' } }));
  runId = bodyOf(started).runId;
  done = await stack.engine.list().find((e) => e.name === runId)!.done;
  expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
}, 120_000);
afterAll(() => stack?.stop());

describe('a succeeded execution’s output', () => {
  it('is {runId, film: {key, durationSec, width, height}, cost: {usd, estimateUsd}} as the manifest has them', async () => {
    const manifest = (await findManifest(stack.config, runId))!;
    expect(JSON.parse(done.output!)).toStrictEqual({
      runId,
      film: { key: manifest.film!.key, durationSec: manifest.film!.durationSec, width: manifest.film!.width, height: manifest.film!.height },
      cost: { usd: manifest.cost.usd, estimateUsd: manifest.cost.estimateUsd },
    });
    expect(manifest.cost.usd).toBeGreaterThan(0);
  });

  it('is small and holds no task token or URL (the console shows it to anyone who may read executions)', () => {
    expect(Buffer.byteLength(done.output!)).toBeLessThan(1024);
    expect(done.output).not.toMatch(/taskToken|https?:|X-Amz-/);
  });
});
