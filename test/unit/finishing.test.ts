// Finishing time (last clip stored → film stored), from the step records and the film's joinedAt.
import { describe, expect, it } from 'vitest';
import { finishingSeconds } from '../../functions/domain/finishing';
import type { StepRecord } from '../../functions/domain/manifest';

const step = (step: string, kind: StepRecord['kind'], status: StepRecord['status'], storedAt?: string): StepRecord => ({ step, kind, status, attempts: 1, storedAt });

describe('finishingSeconds', () => {
  it('counts from the latest stored clip, not the first', () => {
    const steps = [step('scene-1', 'video', 'stored', '2026-11-25T10:00:00.000Z'), step('scene-2', 'video', 'stored', '2026-11-25T10:01:00.000Z')];
    expect(finishingSeconds(steps, '2026-11-25T10:01:12.500Z')).toBe(12.5);
  });

  it.each([
    ['the anchor (an image)', step('anchor', 'image', 'stored', '2026-11-25T10:02:00.000Z')],
    ['a clip still waiting', step('scene-3', 'video', 'waiting', '2026-11-25T10:02:00.000Z')],
    ['a failed clip', step('scene-3', 'video', 'failed', '2026-11-25T10:02:00.000Z')],
  ])('ignores %s', (_label, other) => {
    const steps = [step('scene-1', 'video', 'stored', '2026-11-25T10:00:00.000Z'), other];
    expect(finishingSeconds(steps, '2026-11-25T10:00:30.000Z')).toBe(30);
  });

  it.each([
    ['no stored clip', [step('anchor', 'image', 'stored', '2026-11-25T10:00:00.000Z')], '2026-11-25T10:00:30.000Z'],
    ['clips without storedAt', [step('scene-1', 'video', 'stored')], '2026-11-25T10:00:30.000Z'],
    ['an unreadable joinedAt', [step('scene-1', 'video', 'stored', '2026-11-25T10:00:00.000Z')], 'soon'],
  ])('is null with %s', (_label, steps, joinedAt) => {
    expect(finishingSeconds(steps, joinedAt)).toBeNull();
  });

  it('is never negative (clocks of two Lambdas)', () => {
    expect(finishingSeconds([step('scene-1', 'video', 'stored', '2026-11-25T10:00:01.000Z')], '2026-11-25T10:00:00.000Z')).toBe(0);
  });
});
