import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Every Lambda of the workflow: its handler entry and, for those the state machine invokes, the
// ASL placeholder its ARN replaces. The CDK stack and the local stack both read this list.
export interface FunctionSpec {
  name: string;
  entry: string;
  /** `${Placeholder}` in statemachine/longshot.asl.json, for functions the state machine calls. */
  placeholder?: string;
  /** Needs ffmpeg/ffprobe in its bundle. */
  media?: boolean;
  /** The state machine that invokes it (with `placeholder`): the run machine unless 'compare'. */
  machine?: MachineName;
}

/** longshot.asl.json runs one film; compare.asl.json runs one variant per child run of it. */
export type MachineName = 'run' | 'compare';

export const FUNCTIONS: FunctionSpec[] = [
  { name: 'prepare', entry: 'functions/handlers/prepare.ts', placeholder: 'PrepareFunctionArn' },
  { name: 'anchor', entry: 'functions/handlers/anchor.ts', placeholder: 'AnchorFunctionArn' },
  { name: 'clip', entry: 'functions/handlers/clip.ts', placeholder: 'ClipFunctionArn' },
  { name: 'poll', entry: 'functions/handlers/poll.ts', placeholder: 'PollFunctionArn' },
  { name: 'store-output', entry: 'functions/handlers/store-output.ts', placeholder: 'StoreOutputFunctionArn', media: true },
  { name: 'finish-segment', entry: 'functions/handlers/finish-segment.ts', placeholder: 'FinishSegmentFunctionArn', media: true },
  { name: 'join-film', entry: 'functions/handlers/join-film.ts', placeholder: 'JoinFilmFunctionArn', media: true },
  { name: 'record-failure', entry: 'functions/handlers/record-failure.ts', placeholder: 'RecordFailureFunctionArn' },
  { name: 'webhook', entry: 'functions/handlers/webhook.ts' },
  { name: 'api', entry: 'functions/handlers/api.ts' },
  { name: 'start-from-upload', entry: 'functions/handlers/start-from-upload.ts' },
  { name: 'notify', entry: 'functions/handlers/notify.ts' },
  { name: 'execution-ended', entry: 'functions/handlers/execution-ended.ts' },
  { name: 'prepare-compare', entry: 'functions/handlers/prepare-compare.ts', placeholder: 'PrepareCompareFunctionArn', machine: 'compare' },
  { name: 'join-comparison', entry: 'functions/handlers/join-comparison.ts', placeholder: 'JoinComparisonFunctionArn', machine: 'compare', media: true },
  { name: 'record-compare-failure', entry: 'functions/handlers/record-compare-failure.ts', placeholder: 'RecordCompareFailureFunctionArn', machine: 'compare' },
];

/** The functions a state machine invokes (those whose ARN replaces a placeholder in its ASL). */
export const taskFunctionsOf = (machine: MachineName) => FUNCTIONS.filter((f) => f.placeholder && (f.machine ?? 'run') === machine);

/** compare.asl.json's placeholder for the run state machine its Map starts once per variant. */
export const RUN_STATE_MACHINE_PLACEHOLDER = 'RunStateMachineArn';

/** Absolute, so the CLI works from any directory (not bundled into Lambdas). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ASL_PATH = join(PROJECT_ROOT, 'statemachine', 'longshot.asl.json');
export const COMPARE_ASL_PATH = join(PROJECT_ROOT, 'statemachine', 'compare.asl.json');
export const projectPath = (relative: string) => join(PROJECT_ROOT, relative);
