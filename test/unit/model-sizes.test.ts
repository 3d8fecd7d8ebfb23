// The frame size each resolution label stands for (what the join and the emulator render at).
import { describe, expect, it } from 'vitest';
import { RESOLUTION_SIZE } from '../../functions/domain/models';

describe('RESOLUTION_SIZE', () => {
  it('maps every label to its 16:9 frame', () => {
    expect(RESOLUTION_SIZE).toEqual({
      '1080p': { width: 1920, height: 1080 },
      '1440p': { width: 2560, height: 1440 },
      '2160p': { width: 3840, height: 2160 },
    });
  });
});
