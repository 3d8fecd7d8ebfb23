// The callback record's transitions: which start reuses or cancels a prediction, which delivery is
// current, stale or not recorded yet, and the claim that lets exactly one delivery resume a task.
import { describe, expect, it } from 'vitest';
import {
  awaitingPrediction,
  claimed,
  classifyDelivery,
  decideDelivery,
  planStart,
  released,
  repointed,
  withPrediction,
  type CallbackRecord,
} from '../../functions/domain/callbacks';

const record = (extra: Partial<CallbackRecord> = {}): CallbackRecord => ({
  runId: '20261125-1042-t-3f9c2a7be41d08c6',
  step: 'scene-1',
  attempt: 1,
  taskToken: 'token-1',
  predictionId: 'p1',
  predictionIds: ['p1'],
  createdAt: '2026-11-25T10:42:00.000Z',
  ...extra,
});

describe('planStart', () => {
  it('first start: create, nothing to cancel', () => {
    expect(planStart(null, 1)).toEqual({ action: 'create', supersede: null });
  });

  it('the same attempt started again after its create answered: reuse that prediction', () => {
    expect(planStart(record(), 1)).toEqual({ action: 'reuse', predictionId: 'p1' });
    expect(planStart(record({ resumedAt: 'x', resumedBy: 'webhook m1' }), 1)).toEqual({ action: 'reuse', predictionId: 'p1' });
  });

  it('the same attempt started again before any prediction existed (429 on create): create', () => {
    expect(planStart(record({ predictionId: null, predictionIds: [] }), 1)).toEqual({ action: 'create', supersede: null });
  });

  it('a new attempt while the earlier prediction has no result: create and cancel the earlier one', () => {
    expect(planStart(record(), 2)).toEqual({ action: 'create', supersede: 'p1' });
  });

  it('a new attempt after the earlier result was delivered (failed, undecodable): create, nothing to cancel', () => {
    expect(planStart(record({ resumedAt: 'x', resumedBy: 'poll', outcome: 'failed' }), 2)).toEqual({ action: 'create', supersede: null });
  });
});

describe('records through a step’s life', () => {
  it('a new attempt waits for no prediction yet but remembers every earlier one', () => {
    const next = awaitingPrediction(record({ predictionIds: ['p0', 'p1'] }), { runId: 'r', step: 'scene-1', attempt: 2 }, 'token-2', 'now');
    expect(next).toEqual({ runId: 'r', step: 'scene-1', attempt: 2, taskToken: 'token-2', predictionId: null, predictionIds: ['p0', 'p1'], createdAt: 'now' });
    expect(withPrediction(next, 'p2')).toMatchObject({ predictionId: 'p2', predictionIds: ['p0', 'p1', 'p2'] });
    expect(withPrediction(withPrediction(next, 'p2'), 'p2').predictionIds).toEqual(['p0', 'p1', 'p2']);
  });

  it('re-pointing hands the prediction to the new token and forgets a claim made for the old one', () => {
    const moved = repointed(record({ resumedAt: 'x', resumedBy: 'webhook m1', outcome: 'succeeded' }), 'token-2');
    expect(moved).toEqual(record({ taskToken: 'token-2' }));
  });
});

describe('deliveries', () => {
  it.each([
    ['p1', 'current'],
    ['p0', 'stale'],
    ['p9', 'unknown'],
    [undefined, 'unknown'],
  ] as const)('prediction %s is %s', (id, verdict) => {
    expect(classifyDelivery(record({ predictionIds: ['p0', 'p1'] }), id)).toBe(verdict);
  });

  it('before the create answered, every id is unknown (the sender must come back)', () => {
    expect(classifyDelivery(record({ predictionId: null, predictionIds: [] }), 'p1')).toBe('unknown');
    expect(classifyDelivery(record({ predictionId: null, predictionIds: ['p0'] }), 'p1')).toBe('unknown');
  });

  it.each([
    [record(), 'p1', true, 'claim'],
    [record(), 'p1', false, 'not-terminal'],
    [record({ resumedAt: 'x' }), 'p1', true, 'duplicate'],
    [record({ predictionIds: ['p0', 'p1'] }), 'p0', true, 'stale'],
    [record({ predictionId: null, predictionIds: [] }), 'p1', true, 'unknown'],
  ] as const)('decideDelivery %#: %s', (current, id, terminal, decision) => {
    expect(decideDelivery(current, id, terminal)).toBe(decision);
  });

  it('only the first claim wins; a released claim can be claimed again', () => {
    const first = claimed(record(), 'webhook m1', 'succeeded', 'now')!;
    expect(first).toMatchObject({ resumedAt: 'now', resumedBy: 'webhook m1', outcome: 'succeeded' });
    expect(claimed(first, 'webhook m2', 'succeeded', 'later')).toBeUndefined();
    const back = released(first, { taskToken: 'token-1', resumedBy: 'webhook m1' })!;
    expect(back).toEqual(record());
    expect(claimed(back, 'webhook m2', 'succeeded', 'later')).toMatchObject({ resumedBy: 'webhook m2' });
  });

  it.each([
    ['someone else’s claim', record({ resumedAt: 'x', resumedBy: 'poll' })],
    ['a record re-pointed to another token', record({ taskToken: 'token-2' })],
    ['no record', null],
  ])('releasing leaves %s alone', (_what, current) => {
    expect(released(current, { taskToken: 'token-1', resumedBy: 'webhook m1' })).toBeUndefined();
  });
});
