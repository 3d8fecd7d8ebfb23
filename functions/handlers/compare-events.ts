// What the compare state machine's Task payloads look like at their Lambdas' boundary
// (statemachine/compare.asl.json), in the style of events.ts: loose objects, use cases judge content.
import { z } from 'zod';
import { isCompareId } from '../domain/compare';
import { isRunId } from '../domain/run-keys';

/** $$.Execution.Name: the compare id, or whatever a console start generated. */
const executionName = z.string().min(1).max(80);
const startedAt = z.string().max(64).optional();
const compareId = z.string().refine(isCompareId, 'must be a compare id like 20261125-1042-winter-ad-compare-3f9c2a7be41d08c6');

/** PrepareCompare: {compareId: $$.Execution.Name, startedAt, request: $}. */
export const prepareCompareEvent = z.looseObject({ compareId: executionName, startedAt, request: z.unknown() });

/** JoinComparison: {compareId, variants: the Map's results}. */
export const joinComparisonEvent = z.looseObject({
  compareId,
  variants: z.array(
    z.looseObject({
      runId: z.string().refine(isRunId, 'must be a run id'),
      status: z.string().min(1),
      error: z.string().optional(),
    }),
  ),
});

/** RecordCompareFailure: {compareId: $$.Execution.Name, startedAt, failure: {State: {Error, Cause}}}. */
export const recordCompareFailureEvent = z.looseObject({
  compareId: executionName,
  startedAt,
  failure: z.record(z.string(), z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() })).optional(),
});
