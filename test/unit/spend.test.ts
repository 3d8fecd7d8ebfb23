// The spend ledger: reservations against the budget, and what each prediction actually cost.
import { describe, expect, it } from 'vitest';
import { actualCost, committedUsd, emptyLedger, listPrice, reserve, settled, spentUsd, withPredictionId, type Billing, type SpendLedger } from '../../functions/domain/spend';

const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
const clip: Billing = { per: 'output-second', model: 'ltx-2-fast', seconds: 6 }; // $0.24
const pro: Billing = { per: 'output-second', model: 'ltx-2-pro', seconds: 10 }; // $0.60
const image: Billing = { per: 'predict-second' }; // $0.004 list

const reserved = (ledger: SpendLedger, step: string, attempt: number, billing: Billing) => {
  const r = reserve(ledger, step, attempt, billing);
  if (!r.ok) throw new Error('refused');
  return r.ledger;
};

describe('listPrice', () => {
  it.each([
    [clip, 0.24],
    [pro, 0.6],
    [image, 0.004],
  ])('%j costs $%s at list prices', (billing, usd) => expect(listPrice(billing)).toBe(usd));
});

describe('actualCost', () => {
  it.each([
    ['succeeded', '2026-11-27T10:00:00Z', 0.24],
    ['canceled', '2026-11-27T10:00:00Z', 0.24],
    ['canceled', null, 0],
    ['failed', '2026-11-27T10:00:00Z', 0],
    ['aborted', null, 0],
  ])('a clip that ended %s (started %s) costs $%s', (status, startedAt, usd) => {
    expect(actualCost(clip, { status, startedAt, predictTimeSec: 40 })).toBe(usd);
  });

  it.each([
    ['succeeded', 4.2, 0.0041],
    ['failed', 2, 0.002],
  ])('an SDXL image that ended %s after %s GPU seconds costs $%s (failures included)', (status, seconds, usd) => {
    expect(actualCost(image, { status, startedAt: 'x', predictTimeSec: seconds })).toBe(usd);
  });

  it.each([
    ['succeeded', 'x', 0.004],
    ['canceled', 'x', 0.004],
    ['failed', 'x', 0],
    ['canceled', null, 0],
    ['aborted', null, 0],
  ])('an SDXL image without a predict time that ended %s is priced at its list price if it ran', (status, startedAt, usd) => {
    expect(actualCost(image, { status, startedAt, predictTimeSec: null })).toBe(usd);
  });
});

describe('reserve', () => {
  it('holds the list price of a prediction within the budget', () => {
    const ledger = reserved(emptyLedger(runId, 0.5), 'scene-1', 1, clip);
    expect(ledger.entries).toEqual([{ step: 'scene-1', attempt: 1, predictionId: null, billing: clip, reservedUsd: 0.24, usd: null, status: null }]);
    expect(committedUsd(ledger)).toBe(0.24);
  });

  it('refuses the prediction that would cross the budget, saying what is committed', () => {
    const ledger = reserved(emptyLedger(runId, 0.5), 'scene-1', 1, clip);
    expect(reserve(reserved(ledger, 'scene-2', 1, clip), 'scene-3', 1, clip)).toEqual({ ok: false, committedUsd: 0.48, nextUsd: 0.24, budgetUsd: 0.5 });
  });

  it('accepts a prediction that reaches the budget exactly', () => {
    expect(reserve(emptyLedger(runId, 0.48), 'scene-1', 1, clip).ok).toBe(true);
    expect(reserve(reserved(emptyLedger(runId, 0.48), 'scene-1', 1, clip), 'scene-2', 1, clip).ok).toBe(true);
  });

  it('counts what a settled prediction cost instead of its reservation', () => {
    let ledger = withPredictionId(reserved(emptyLedger(runId, 0.5), 'scene-1', 1, clip), 'scene-1', 1, 'p1')!;
    ledger = settled(ledger, 'p1', { status: 'failed', startedAt: 'x', predictTimeSec: 3 })!;
    // The failed attempt cost nothing, so two more clips fit in $0.50.
    expect(reserve(reserved(ledger, 'scene-1', 2, clip), 'scene-2', 1, clip).ok).toBe(true);
  });

  it('says a new reservation changed the ledger (the adapter writes only then)', () => {
    expect(reserve(emptyLedger(runId, null), 'scene-1', 1, clip)).toMatchObject({ ok: true, changed: true });
  });

  it('holds the list price again for the next attempt of the same step', () => {
    const ledger = reserved(reserved(emptyLedger(runId, null), 'scene-1', 1, clip), 'scene-1', 2, clip);
    expect(ledger.entries.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it('holds nothing more for a retried start of the same attempt', () => {
    const ledger = reserved(emptyLedger(runId, 0.24), 'scene-1', 1, clip);
    expect(reserve(ledger, 'scene-1', 1, clip)).toEqual({ ok: true, ledger, changed: false });
  });

  it('never refuses without a budget', () => {
    let ledger = emptyLedger(runId, null);
    for (let i = 1; i <= 20; i++) ledger = reserved(ledger, `scene-${i}`, 1, pro);
    expect(committedUsd(ledger)).toBe(12);
  });
});

describe('withPredictionId', () => {
  const two = reserved(reserved(emptyLedger(runId, null), 'scene-1', 1, clip), 'scene-1', 2, clip);

  it('gives the prediction to that step’s attempt only', () => {
    const next = withPredictionId(two, 'scene-1', 2, 'p2')!;
    expect(next.entries.map((e) => e.predictionId)).toEqual([null, 'p2']);
  });

  it('changes nothing for an attempt it does not hold, or a prediction it already has', () => {
    expect(withPredictionId(two, 'scene-2', 1, 'p')).toBeUndefined();
    expect(withPredictionId(withPredictionId(two, 'scene-1', 1, 'p1')!, 'scene-1', 1, 'p1')).toBeUndefined();
  });
});

describe('settled', () => {
  const running = withPredictionId(reserved(emptyLedger(runId, null), 'scene-1', 1, clip), 'scene-1', 1, 'p1')!;

  it('replaces the reservation with the cost once, and ignores later reports', () => {
    const once = settled(running, 'p1', { status: 'succeeded', startedAt: 'x', predictTimeSec: 30 })!;
    expect(once.entries[0]).toMatchObject({ usd: 0.24, status: 'succeeded' });
    expect(spentUsd(once)).toBe(0.24);
    expect(settled(once, 'p1', { status: 'canceled', startedAt: null, predictTimeSec: null })).toBeUndefined();
  });

  it('changes nothing for a prediction the ledger does not know', () => {
    expect(settled(running, 'other', { status: 'succeeded', startedAt: 'x', predictTimeSec: 1 })).toBeUndefined();
  });

  it('counts nothing as spent while a prediction runs', () => {
    expect(spentUsd(running)).toBe(0);
    expect(committedUsd(running)).toBe(0.24);
  });
});
