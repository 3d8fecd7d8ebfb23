// Step Functions calls: task results (webhook, poll), and starting/stopping/describing runs (api).
import {
  DescribeExecutionCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { executionArnOf } from '../domain/execution';
import { AWS_MAX_ATTEMPTS, requireStateMachineArn, type RuntimeConfig } from './config';
import { tracer } from './observability';

const clients = new Map<string, SFNClient>();

export function sfnClient(config: RuntimeConfig): SFNClient {
  const cacheKey = `${config.region}|${config.sfnEndpoint ?? ''}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = tracer.captureAWSv3Client(
      new SFNClient({ region: config.region, maxAttempts: AWS_MAX_ATTEMPTS, ...(config.sfnEndpoint && { endpoint: config.sfnEndpoint }) }),
    );
    clients.set(cacheKey, client);
  }
  return client;
}

/** A token whose task already ended (timed out → polled, or resumed once): nothing left to do. */
export const isClosedTaskError = (error: unknown) =>
  ['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'].includes((error as { name?: string })?.name ?? '');

export type TaskOutcome = 'resumed' | 'already-closed';

export async function sendTaskSuccess(config: RuntimeConfig, taskToken: string, output: unknown): Promise<TaskOutcome> {
  try {
    await sfnClient(config).send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return 'resumed';
  } catch (error) {
    if (isClosedTaskError(error)) return 'already-closed';
    throw error;
  }
}

export async function sendTaskFailure(
  config: RuntimeConfig,
  taskToken: string,
  error: string,
  cause: string,
): Promise<TaskOutcome> {
  try {
    // The API takes an error of at most 256 and a cause of at most 32,768 characters; the cause is
    // cut at 32,000 to stay clear of that limit.
    await sfnClient(config).send(
      new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32_000) }),
    );
    return 'resumed';
  } catch (failure) {
    if (isClosedTaskError(failure)) return 'already-closed';
    throw failure;
  }
}

export function executionArn(config: RuntimeConfig, runId: string): string {
  return executionArnOf(requireStateMachineArn(config), runId);
}

/** StartExecution of `stateMachineArn` (the run machine, or the compare machine). */
export function startExecutionOn(config: RuntimeConfig, stateMachineArn: string, name: string, input: unknown) {
  return sfnClient(config).send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
}

/** DescribeExecution of `stateMachineArn`'s execution `name`; null if Step Functions does not know it. */
export async function describeExecutionOn(config: RuntimeConfig, stateMachineArn: string, name: string) {
  try {
    return await sfnClient(config).send(new DescribeExecutionCommand({ executionArn: executionArnOf(stateMachineArn, name) }));
  } catch (error) {
    if ((error as { name?: string })?.name === 'ExecutionDoesNotExist') return null;
    throw error;
  }
}

export const startExecution = (config: RuntimeConfig, runId: string, input: unknown) =>
  startExecutionOn(config, requireStateMachineArn(config), runId, input);

export const describeExecution = (config: RuntimeConfig, runId: string) => describeExecutionOn(config, requireStateMachineArn(config), runId);

export async function stopExecution(config: RuntimeConfig, runId: string, cause: string) {
  return sfnClient(config).send(
    new StopExecutionCommand({ executionArn: executionArn(config, runId), error: 'RunCanceled', cause }),
  );
}
