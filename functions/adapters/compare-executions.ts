// Step Functions calls for compares: start the parent execution and describe it (the api function).
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RuntimeConfig } from './config';
import { sfnClient } from './sfn';
import { ConfigError } from '../domain/errors';

function compareMachineArn(config: RuntimeConfig): string {
  if (!config.compareStateMachineArn) throw new ConfigError('COMPARE_STATE_MACHINE_ARN is not set');
  return config.compareStateMachineArn;
}

const compareExecutionArn = (config: RuntimeConfig, compareId: string) =>
  `${compareMachineArn(config).replace(':stateMachine:', ':execution:')}:${compareId}`;

export async function startCompareExecution(config: RuntimeConfig, compareId: string, input: unknown) {
  return sfnClient(config).send(new StartExecutionCommand({ stateMachineArn: compareMachineArn(config), name: compareId, input: JSON.stringify(input) }));
}

export async function describeCompareExecution(config: RuntimeConfig, compareId: string) {
  try {
    return await sfnClient(config).send(new DescribeExecutionCommand({ executionArn: compareExecutionArn(config, compareId) }));
  } catch (error) {
    if ((error as { name?: string })?.name === 'ExecutionDoesNotExist') return null;
    throw error;
  }
}
