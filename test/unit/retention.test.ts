import { describe, expect, it } from 'vitest';
import { retentionOf, runKeys } from '../../functions/domain/run-keys';

describe('retentionOf (drives the bucket lifecycle rule)', () => {
  const keys = runKeys('20261125-1042-winter-ad-3f9c2a7be41d08c6');
  it('marks records, seeds, clips and the anchor intermediate', () => {
    for (const key of [keys.callback('scene-1'), keys.step('anchor'), keys.seed(0), keys.clip(3), keys.anchor]) {
      expect(retentionOf(key), key).toBe('intermediate');
    }
  });
  it('keeps the film, its manifest, storyboard, plan, contact sheet and continuity report', () => {
    for (const key of [keys.final, keys.manifest, keys.storyboard, keys.plan, keys.contactSheet, keys.continuity, 'inbox/a.json', 'rejected/a.json']) {
      expect(retentionOf(key), key).toBe('keep');
    }
  });
});
