// The state machine's one failure path: record state, error and cause; cancel running predictions.
import { loadConfig } from '../adapters/config';
import { recordFailure, type FailureInput } from '../workflow/end-run';

export const handler = async (event: FailureInput) => recordFailure(loadConfig(), event);
