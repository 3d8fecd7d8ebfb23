// Starting a clip whose seed frame was never stored: a clear error that names the frame, and
// nothing is reserved, recorded or generated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as prepare } from '../../functions/handlers/prepare';
import { startClip } from '../../functions/workflow/start-prediction';
import { loadCallback } from '../../functions/adapters/run-store';
import { findSpend } from '../../functions/adapters/spend-ledger';
import { MissingObjectError } from '../../functions/domain/errors';
import { newRunId } from '../../functions/domain/run-keys';
import type { RunPlan } from '../../functions/domain/plan';
import { tinyStoryboard } from './helpers';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ webhooks: false });
});
afterAll(() => stack?.stop());

describe('start of a clip', () => {
  it('without its seed frame → MissingObjectError naming the frame; no reservation, callback record or prediction', async () => {
    const runId = newRunId('Seed never stored');
    const plan = (await prepare({ runId, request: { storyboard: tinyStoryboard('Seed never stored', 2) } })) as RunPlan;
    const scene = plan.scenes[1];
    const before = stack.emulator!.predictions().length;
    const error = await startClip(stack.config, scene, 'local-token-missing-seed').catch((e: Error) => e);
    expect(error).toBeInstanceOf(MissingObjectError);
    expect((error as Error).message).toBe(`scene-2: seed frame ${scene.seedKey} is missing (did the previous step store it?)`);
    expect(stack.emulator!.predictions()).toHaveLength(before);
    expect(await loadCallback(stack.config, runId, 'scene-2')).toBeNull();
    expect((await findSpend(stack.config, runId))?.entries).toEqual([]);
  });
});
