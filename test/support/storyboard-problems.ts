// The problems parseStoryboard reports for a storyboard it must refuse (fails the test if it accepts it).
import { expect } from 'vitest';
import { InvalidStoryboardError } from '../../functions/domain/errors';
import { parseStoryboard, type StoryboardOverrides } from '../../functions/domain/storyboard';

export function problemsOf(raw: unknown, overrides?: StoryboardOverrides): string[] {
  try {
    parseStoryboard(raw, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidStoryboardError);
    return (error as InvalidStoryboardError).problems;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}
