// `longshot compare`: the --variants list and the comparison table written next to the films.
import { describe, expect, it } from 'vitest';
import type { FilmFigures } from '../../functions/domain/continuity-report';

const FIGURES: FilmFigures = {
  lastSceneVsAnchor: { deltaE: 1.234, saturation: 0.052, contrast: -0.031 },
  deltaEPerHop: 0.1, maxSeamDeltaE: 0.876, maxLoudnessJumpLu: 0.44, worstDipDb: -0.21, maxStillRun: 1,
};
import { comparisonTable, parseVariants } from '../../functions/domain/compare';

describe('parseVariants bounds', () => {
  it('ignores empty entries and spaces', () => {
    expect(parseVariants(' fast:chain, ,pro:chain,').map((v) => v.label)).toEqual(['ltx-2-fast × chain', 'ltx-2-pro × chain']);
  });

  it('accepts four variants', () => {
    expect(parseVariants('fast:chain,pro:chain,fast:single,pro:independent')).toHaveLength(4);
  });

  it.each(['', ' , ', 'fast:chain,pro:chain,fast:single,pro:independent,pro:single'])('refuses %j: 1 to 4 variants', (spec) => {
    expect(() => parseVariants(spec)).toThrow(/give 1 to 4 variants/);
  });
});

describe('comparisonTable', () => {
  it('is a titled Markdown table with one row per variant and a note on how to read it', () => {
    const table = comparisonTable('Winter ad', [
      { label: 'ltx-2-fast × chain', runId: 'r1', outcome: 'succeeded', filmSeconds: 29.92, clips: 3, estimatedUsd: 1.2, meanSeamSsim: 0.98456, continuity: FIGURES, renderSeconds: 10.04, film: 'a' },
    ]);
    expect(table).toBe(
      [
        '# Winter ad: comparison',
        '',
        '| variant | outcome | film s | clips | est. $ | last scene ΔE | saturation | contrast | seam ΔE max | loudness jump max LU | dip dB | stills max | mean seam SSIM | render s | run |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
        '| ltx-2-fast × chain | succeeded | 29.92 | 3 | 1.200 | 1.23 | +5 % | -3 % | 0.88 | 0.4 | -0.2 | 1 | 0.9846 | 10.0 | r1 |',
        '',
        'Last scene: its last frames against the anchor (ΔE2000 of the mean colour; saturation and contrast as change).',
        'Seams: ΔE2000 from the last frames of a scene to the first kept frames of the next; loudness jump (EBU R128, 2 s each side);',
        'the level dip at the seam; stills = identical frames in a row. docs/continuity.md says how each is measured.',
        'Seam SSIM compares each seed frame with the first frame of the next clip (chain and keyframes; 1.0 = identical).',
        'Costs are estimates at the list prices in functions/domain/models.ts.',
        '',
      ].join('\n'),
    );
  });
});
