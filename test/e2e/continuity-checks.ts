// Measures a rendered film's seams the way the targets are stated, from the film and the
// anchor image alone (positions from manifest film.scenes), for the continuity end-to-end tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { imageFrame, sampleFrames } from '../../functions/adapters/looks';
import { measureSeamAudio } from '../../functions/adapters/loudness';
import { stillRunsAtSeams } from '../../functions/adapters/frame-motion';
import { driftFrom, lookOf, meanLook, type LookDrift } from '../../functions/domain/colour';
import type { SeamAudio } from '../../functions/domain/loudness';
import type { Manifest } from '../../functions/domain/manifest';
import { slope } from '../../functions/domain/continuity-report';

/** Least-squares slope of values over their index (the report's own; always ≥ 2 scenes here). */
export const trend = (values: number[]): number => slope(values)!;

export interface FilmContinuity {
  /** Last three frames of each scene against the anchor. */
  scenes: LookDrift[];
  /** ΔE2000 from the last three frames of scene n to the first three of scene n+1. */
  seamDeltaE: number[];
  audio: SeamAudio[];
  stills: number[];
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);

export async function measureRun(runDir: string, scratch: string): Promise<FilmContinuity & { manifest: Manifest }> {
  const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as Manifest;
  const spans = manifest.film!.scenes;
  const film = join(runDir, 'final.mp4');
  const anchor = lookOf(await imageFrame(join(runDir, 'anchor.png'), join(scratch, 'anchor.rgb')));
  const ends = spans.map((s) => ({ first: range(s.startFrame, 3), last: range(s.startFrame + s.frames - 3, 3) }));
  const frames = await sampleFrames(film, ends.flatMap((e) => [...e.first, ...e.last]), join(scratch, 'film.rgb'));
  const look = (indices: number[]) => meanLook(indices.map((n) => lookOf(frames.get(n)!)));
  const seams = spans.slice(1).map((s) => s.startFrame);
  return {
    manifest,
    scenes: ends.map((e) => driftFrom(anchor, look(e.last))),
    seamDeltaE: ends.slice(1).map((e, i) => driftFrom(look(ends[i].last), look(e.first)).deltaE),
    audio: await measureSeamAudio(film, seams.map((f) => f / manifest.film!.fps)),
    stills: await stillRunsAtSeams(film, seams),
  };
}
