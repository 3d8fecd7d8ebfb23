// Each prediction's Cancel-After comes from its model and length, within the deployment's ceiling.
import { describe, expect, it } from 'vitest';
import { CANCEL_AFTER_SECONDS, MIN_CANCEL_AFTER_SECONDS, cancelAfterFor, durationSeconds } from '../../functions/domain/prediction-windows';

describe('cancelAfterFor', () => {
  it.each([
    [{ model: 'ltx-2-fast', seconds: 6 } as const, 390], // 300 s queue + 3 × 6 s × 5 s/s
    [{ model: 'ltx-2-fast', seconds: 20 } as const, 600],
    [{ model: 'ltx-2-pro', seconds: 10 } as const, 660],
    ['image' as const, 330],
  ])('gives %j %s s', (work, seconds) => expect(cancelAfterFor(work)).toBe(seconds));

  it('gives a longer clip a later deadline than a shorter one of the same model', () => {
    expect(cancelAfterFor({ model: 'ltx-2-fast', seconds: 10 })).toBeGreaterThan(cancelAfterFor({ model: 'ltx-2-fast', seconds: 6 }));
  });

  it('never exceeds the ceiling the deployment sets (PREDICTION_CANCEL_AFTER)', () => {
    expect(cancelAfterFor({ model: 'ltx-2-pro', seconds: 10 }, 5)).toBe(5);
  });

  it('never exceeds the 30 min the poll window is sized for, whatever the ceiling', () => {
    expect(cancelAfterFor({ model: 'ltx-2-pro', seconds: 1000 }, 99_999)).toBe(CANCEL_AFTER_SECONDS);
  });

  it('never goes below five minutes of queue and work', () => {
    expect(cancelAfterFor({ model: 'ltx-2-fast', seconds: 0 })).toBe(MIN_CANCEL_AFTER_SECONDS);
  });
});

describe('durationSeconds', () => {
  it.each([
    ['1800s', 1800],
    ['30m', 1800],
    ['1h30m', 5400],
    ['2h', 7200],
    ['1h2m3s', 3723],
    [' 90s ', 90],
    ['12m40s', 760],
    ['12h', 43200],
  ])('reads %j as %s s', (text, seconds) => expect(durationSeconds(text)).toBe(seconds));

  it.each(['', '  ', '30', '30x', 'm30', '1.5m', '-5s', '10s30m', 'abc30m'])('refuses %j', (text) => expect(durationSeconds(text)).toBeNull());
});
