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
}

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
];

/** Absolute, so the CLI works from any directory (not bundled into Lambdas). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ASL_PATH = join(PROJECT_ROOT, 'statemachine', 'longshot.asl.json');
export const projectPath = (relative: string) => join(PROJECT_ROOT, relative);
