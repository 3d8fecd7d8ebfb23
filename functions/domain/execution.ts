// What an execution hands the state machine: its name and start time (the run id, or what to derive
// one from) and its input (the run request). Executions started by hand in the console have a
// generated name and whatever input was typed; they must still be recorded under a valid run id.
import { INBOX_PREFIX, isRunId, keyProblem, newRunId } from './run-keys';
import { InvalidStoryboardError } from './errors';
import type { StoryboardOverrides } from './storyboard';
import type { RunOrigin } from './rerun';

/** The execution input: what POST /runs and the upload trigger send to StartExecution. */
export interface RunRequest {
  storyboard?: unknown;
  source?: { key: string };
  overrides?: StoryboardOverrides;
  /** A run made from another (regenerate, resume). */
  origin?: RunOrigin;
}

/** arn:aws:states:region:account:stateMachine:name → arn:aws:states:region:account:execution:name:executionName */
export const executionArnOf = (stateMachineArn: string, executionName: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;

/** Title slot of ids derived for executions not named by longshot (started in the console). */
export const CONSOLE_TITLE = 'console';

function validDate(value: unknown): Date {
  const date = value instanceof Date ? value : new Date(typeof value === 'number' || typeof value === 'string' ? value : NaN);
  // No usable start time: a fixed date still gives the same id on every path.
  return Number.isNaN(date.getTime()) ? new Date(0) : date;
}

/**
 * The run id of an execution: its name when longshot named it (API, upload trigger), otherwise an id
 * made from the start time (to the minute) and a hash of the name — the same on every path that
 * knows name and start time (Prepare, RecordFailure, the status-change event). Never throws.
 */
export function runIdForExecution(name: unknown, startTime?: unknown): string {
  if (isRunId(name)) return name;
  const text = typeof name === 'string' ? name : String(JSON.stringify(name));
  return newRunId(CONSOLE_TITLE, validDate(startTime), `execution:${text}`);
}

const preview = (value: unknown, max = 200) => {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
};

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Checks the execution input's shape (not the storyboard itself) and names what is wrong with it. */
export function readRunRequest(input: unknown): RunRequest {
  const shape = 'the execution input must be {"storyboard": {…}} or {"source": {"key": "<object key>"}}, optionally with "overrides"';
  if (!isObject(input)) throw new InvalidStoryboardError([`(execution input): ${shape}; got ${preview(input)}`]);
  const problems: string[] = [];
  const { storyboard, source, overrides, origin } = input;
  if (storyboard === undefined && source === undefined) problems.push(`(execution input): ${shape}; got ${preview(input)}`);
  if (source !== undefined && (!isObject(source) || typeof source.key !== 'string' || source.key === '')) {
    problems.push(`source: must be {"key": "<object key>"} (a non-empty string); got ${preview(source)}`);
  } else if (source !== undefined) {
    // Uploads name a key under inbox/; one typed by hand must not climb out of it.
    const key = (source as { key: string }).key;
    const problem = key.startsWith(INBOX_PREFIX) ? keyProblem(key) : `is not under ${INBOX_PREFIX}`;
    if (problem) problems.push(`source.key: ${preview(key)} ${problem}`);
  }
  if (overrides !== undefined && overrides !== null) {
    if (!isObject(overrides)) problems.push(`overrides: must be an object with "model" and/or "strategy"; got ${preview(overrides)}`);
    else {
      for (const field of ['model', 'strategy'] as const) {
        const value = overrides[field];
        if (value !== undefined && value !== null && typeof value !== 'string') problems.push(`overrides.${field}: must be a string; got ${preview(value)}`);
      }
    }
  }
  problems.push(...originProblems(origin));
  if (problems.length) throw new InvalidStoryboardError(problems);
  return {
    ...(isObject(origin) && { origin: originOf(origin) }),
    ...(storyboard !== undefined && { storyboard }),
    ...(source !== undefined && { source: { key: (source as { key: string }).key } }),
    ...(isObject(overrides) && { overrides: overrides as StoryboardOverrides }),
  };
}

const originOf = (o: Record<string, unknown>): RunOrigin => ({
  kind: o.kind as RunOrigin['kind'],
  parentRunId: o.parentRunId as string,
  ...(o.kind === 'regenerate' && { scene: o.scene as number }),
});

function originProblems(origin: unknown): string[] {
  if (origin === undefined) return [];
  const shape = 'origin: must be {"kind": "regenerate" | "resume", "parentRunId": "<run id>", "scene"?: <n>}';
  if (!isObject(origin)) return [`${shape}; got ${preview(origin)}`];
  const problems: string[] = [];
  if (origin.kind !== 'regenerate' && origin.kind !== 'resume') problems.push(`origin.kind: must be "regenerate" or "resume"; got ${preview(origin.kind)}`);
  if (!isRunId(origin.parentRunId)) problems.push(`origin.parentRunId: must be a run id; got ${preview(origin.parentRunId)}`);
  const scene = origin.scene;
  if (origin.kind === 'regenerate' && !(Number.isInteger(scene) && (scene as number) >= 1)) problems.push(`origin.scene: regenerate needs a scene number ≥ 1; got ${preview(scene)}`);
  return problems;
}

/**
 * What is wrong with an execution's input (its JSON text), or null if it has the right shape. For
 * inputs the state machine cannot even route to its failure path (a string, an array, null).
 */
export function inputProblem(input: string | null | undefined): string | null {
  let value: unknown;
  try {
    value = JSON.parse(input ?? '');
  } catch {
    return `the execution input is not JSON: ${preview(input ?? '')}`;
  }
  try {
    readRunRequest(value);
    return null;
  } catch (error) {
    return (error as InvalidStoryboardError).problems?.join('; ') ?? (error as Error).message;
  }
}
