// A compare execution that ended outside its own paths (a stop from the console, the execution
// timeout, a local Ctrl-C): its ending is recorded from the Step Functions status change, through
// the same create-only claim as JoinComparison and RecordCompareFailure, so whichever writes first
// holds and only that writer asks for the notification. Its variants' runs are stopped with it and
// are recorded by the run path (recordExecutionEnd) from their own status changes.
import type { RuntimeConfig } from '../adapters/config';
import { describeCompareExecution } from '../adapters/compare-executions';
import { logger } from '../adapters/logger';
import { compareEndingOfExecution } from '../domain/compare';
import { runIdForExecution } from '../domain/execution';
import { isRunId } from '../domain/run-keys';
import { claimCompareEnding } from './compares';
import { recordExecutionEnd, type ExecutionEnd } from './end-run';

/** A compare's id from its execution: the name POST /compares gave it, or one derived as PrepareCompare does. */
async function compareIdOf(config: RuntimeConfig, execution: ExecutionEnd): Promise<string> {
  if (isRunId(execution.name)) return execution.name;
  const startDate = execution.startDate ?? (await describeCompareExecution(config, execution.name))?.startDate;
  return runIdForExecution(execution.name, startDate);
}

/** Records the compare's ending unless it recorded its own (JoinComparison, RecordCompareFailure). */
export async function recordCompareExecutionEnd(config: RuntimeConfig, execution: ExecutionEnd): Promise<{ recorded: boolean; compareId?: string }> {
  const ending = compareEndingOfExecution(execution);
  if (!ending) return { recorded: false };
  const compareId = await compareIdOf(config, execution);
  const { won } = await claimCompareEnding(config, compareId, ending);
  if (won) logger.warn('compare execution ended outside its own paths', { compareId, execution: execution.name, status: execution.status });
  return { recorded: won, compareId };
}

/** The rule covers both state machines: the event's stateMachineArn says which one ended. */
export function recordAnyExecutionEnd(
  config: RuntimeConfig,
  execution: ExecutionEnd & { stateMachineArn?: string | null },
): Promise<{ recorded: boolean; runId?: string; compareId?: string }> {
  const isCompare = Boolean(config.compareStateMachineArn) && execution.stateMachineArn === config.compareStateMachineArn;
  return isCompare ? recordCompareExecutionEnd(config, execution) : recordExecutionEnd(config, execution);
}
