// Step Functions calls for compares: start the parent execution and describe it (the api function).
import type { RuntimeConfig } from './config';
import { describeExecutionOn, startExecutionOn } from './sfn';
import { ConfigError } from '../domain/errors';

function compareMachineArn(config: RuntimeConfig): string {
  if (!config.compareStateMachineArn) throw new ConfigError('COMPARE_STATE_MACHINE_ARN is not set');
  return config.compareStateMachineArn;
}

export const startCompareExecution = (config: RuntimeConfig, compareId: string, input: unknown) =>
  startExecutionOn(config, compareMachineArn(config), compareId, input);

export const describeCompareExecution = (config: RuntimeConfig, compareId: string) =>
  describeExecutionOn(config, compareMachineArn(config), compareId);
