// Issue 8's finishing time, measured per run on AWS: from the last clip stored to the film stored.
// Everything after the last clip (its segment, the join, the pictures, the uploads) is finishing.
import type { StepRecord } from './manifest';

/** Seconds from the latest stored clip's storedAt to `joinedAt`; null when no clip has a storedAt. */
export function finishingSeconds(steps: readonly StepRecord[], joinedAt: string): number | null {
  const stored = steps
    .filter((s) => s.kind === 'video' && s.status === 'stored' && s.storedAt)
    .map((s) => Date.parse(s.storedAt!))
    .filter((t) => Number.isFinite(t));
  const joined = Date.parse(joinedAt);
  if (!stored.length || !Number.isFinite(joined)) return null;
  // A clock step between two Lambdas cannot make finishing take negative time.
  return Math.max(0, (joined - Math.max(...stored)) / 1000);
}
