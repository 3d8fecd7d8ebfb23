// EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED): records runs
// that ended where the state machine's own failure path could not run — a stop from the console,
// the 6-hour execution timeout — and cancels their running predictions.
import type { EventBridgeEvent } from 'aws-lambda';
import { loadConfig } from '../adapters/config';
import { recordExecutionEnd } from '../workflow/end-run';

interface StatusChange {
  executionArn: string;
  name: string;
  status: string;
  error?: string | null;
  cause?: string | null;
  /** Epoch ms; with the name, gives executions started by hand their run id. */
  startDate?: number | null;
  /** The execution input (JSON text): explains a hand-started execution that failed on it. */
  input?: string | null;
}

export const handler = async (event: EventBridgeEvent<'Step Functions Execution Status Change', StatusChange>) =>
  recordExecutionEnd(loadConfig(), event.detail);
