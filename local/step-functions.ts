// A local Step Functions: runs one state machine (statemachine/longshot.asl.json, or the compare
// machine) with aws-local-stepfunctions and maps every Task to the same handler the Lambda runs.
// aws-local-stepfunctions has no .waitForTaskToken, so callback tasks mint a token here and wait for
// SendTaskSuccess/Failure; nor nested executions, so startExecution.sync:2 starts the child on the
// engine of its state machine, waits for it and answers as AWS does.
import './polyfills';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';
import { ASL_PATH, COMPARE_ASL_PATH, RUN_STATE_MACHINE_PLACEHOLDER, taskFunctionsOf, type MachineName } from '../functions/catalog';
import type { AnyHandler } from './handlers';

export const LOCAL_ACCOUNT = '000000000000';
const TOKEN_PLACEHOLDER = 'LOCAL-TASK-TOKEN-PLACEHOLDER';

export const localFunctionArn = (region: string, name: string) =>
  `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:longshot-${name}`;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ProgressEvent {
  type: string;
  state?: string;
  /** The state's ASL Type (Task, Map, Choice…), for the AWS-shaped history. */
  stateType?: string;
  /** Map iteration index (0-based) for states inside the Scenes map. */
  index?: number;
  error?: string;
  cause?: string;
  at: number;
}

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  history: ProgressEvent[];
  /** Resolves when the execution ends, whatever the outcome. */
  done: Promise<Execution>;
  abort: () => void;
}

/** The resolved Parameters of a startExecution.sync(:2) task. */
interface NestedStart {
  StateMachineArn: string;
  Name?: string;
  Input?: unknown;
}

interface PendingTask {
  executionArn: string;
  state: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

/** An error Step Functions reports by name (mirrors the API's error codes). */
export class SfnApiError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface LocalStepFunctionsOptions {
  region: string;
  handlers: Record<string, AnyHandler>;
  /** Replace every Retry interval with this many ms (fast tests). */
  retryIntervalMs?: number;
  /**
   * End every callback wait with States.Timeout after this many ms instead of the state's
   * TimeoutSeconds: how a laptop without webhooks (or a test of the poll path) gets there quickly.
   */
  callbackTimeoutMs?: number;
  /** Pause every Wait state (the polls after a timed-out wait) for this many ms instead of its Seconds. */
  waitMs?: number;
  definitionPath?: string;
  /** Which state machine this engine runs (default: the run machine). */
  machine?: MachineName;
  /** Engines whose executions this one may start with startExecution.sync:2 (the compare machine's runs). */
  nested?: LocalStepFunctions[];
}

/** The state machine names the local engines use (AWS generates its own). */
export const LOCAL_MACHINE_NAMES: Record<MachineName, string> = { run: 'longshot', compare: 'longshot-compare' };
const NESTED_SYNC = /^arn:aws:states:::states:startExecution\.sync(:2)?$/;

type AslStates = { States: Record<string, AslState> };
export type AslState = { Type: string; Resource?: string; TimeoutSeconds?: number; Retry?: unknown[]; ItemProcessor?: AslStates; Iterator?: AslStates; Branches?: AslStates[] };

/** Every state, with those inside Map iterations and Parallel branches. */
export function* walkStates<S = AslState>(states: Record<string, S>): Generator<[string, S]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    const { ItemProcessor, Iterator, Branches } = state as AslState;
    const nested = ItemProcessor ?? Iterator;
    if (nested) yield* walkStates(nested.States as Record<string, S>);
    for (const branch of Branches ?? []) yield* walkStates(branch.States as Record<string, S>);
  }
}

function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  }
  return value;
}

export class LocalStepFunctions extends EventEmitter {
  readonly stateMachineArn: string;
  readonly definition: { States: Record<string, AslState> };
  /** The ASL with the local function ARNs substituted, as DescribeStateMachine returns it. */
  readonly definitionText: string;
  readonly createdAt = new Date();
  private readonly executions = new Map<string, Execution>();
  private readonly pending = new Map<string, PendingTask>();
  private readonly closed = new Set<string>();
  private readonly handlersByArn: Record<string, AnyHandler> = {};
  /** Child executions (startExecution.sync:2) of each running parent: stopped with it, as on AWS. */
  private readonly children = new Map<string, Set<Execution>>();
  readonly machineName: string;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    super();
    const machine = options.machine ?? 'run';
    this.machineName = LOCAL_MACHINE_NAMES[machine];
    this.stateMachineArn = `arn:aws:states:${options.region}:${LOCAL_ACCOUNT}:stateMachine:${this.machineName}`;
    let text = readFileSync(options.definitionPath ?? (machine === 'compare' ? COMPARE_ASL_PATH : ASL_PATH), 'utf8');
    const runMachineArn = `arn:aws:states:${options.region}:${LOCAL_ACCOUNT}:stateMachine:${LOCAL_MACHINE_NAMES.run}`;
    text = text.split(`\${${RUN_STATE_MACHINE_PLACEHOLDER}}`).join(runMachineArn);
    for (const fn of taskFunctionsOf(machine)) {
      const arn = localFunctionArn(options.region, fn.name);
      text = text.split(`\${${fn.placeholder}}`).join(arn);
      const handler = options.handlers[fn.name];
      if (!handler) throw new Error(`no local handler for function "${fn.name}"`);
      this.handlersByArn[arn] = handler;
    }
    const leftover = text.match(/\$\{[A-Za-z0-9_]+\}/);
    if (leftover) throw new Error(`ASL placeholder ${leftover[0]} has no local substitution`);
    this.definitionText = text;
    this.definition = JSON.parse(text);
  }

  startExecution(name: string, input: string): Execution {
    const executionArn = `arn:aws:states:${this.options.region}:${LOCAL_ACCOUNT}:execution:${this.machineName}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // Same name and input while running: idempotent, as on AWS. Anything else: already used.
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new SfnApiError('ExecutionAlreadyExists', `Execution already exists: '${executionArn}'`);
    }
    const machine = new StateMachine(this.definition as never, { validationOptions: { checkPaths: true } });
    const parsedInput = JSON.parse(input);
    const run = machine.run(parsedInput, {
      overrides: { taskResourceLocalHandlers: this.taskOverrides(executionArn) as never, retryIntervalOverrides: this.retryOverrides(), waitTimeOverrides: this.waitOverrides() },
      context: {
        Execution: { Id: executionArn, Name: name, Input: parsedInput, StartTime: new Date().toISOString(), RoleArn: 'local' },
        StateMachine: { Id: this.stateMachineArn, Name: this.machineName },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    const execution: Execution = {
      executionArn,
      stateMachineArn: this.stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      history: [],
      abort: () => run.abort(),
      done: undefined as unknown as Promise<Execution>,
    };
    this.executions.set(executionArn, execution);
    void this.followEvents(execution, run.eventLogs as AsyncGenerator<Record<string, unknown>>);
    execution.done = run.result.then(
      (output: unknown) => this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(output) }),
      (error: Error & { cause?: Error }) => {
        if (execution.status === 'ABORTED') return this.finish(execution, 'ABORTED', {});
        const failure = error.name === 'ExecutionError' && error.cause ? error.cause : error;
        return this.finish(execution, 'FAILED', { error: failure.name, cause: failure.message });
      },
    );
    return execution;
  }

  describeExecution(executionArn: string): Execution {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new SfnApiError('ExecutionDoesNotExist', `Execution does not exist: '${executionArn}'`);
    return execution;
  }

  stopExecution(executionArn: string, error?: string, cause?: string): Execution {
    const execution = this.describeExecution(executionArn);
    if (execution.status === 'RUNNING') {
      execution.status = 'ABORTED';
      execution.error = error;
      execution.cause = cause;
      execution.stopDate = new Date();
      execution.abort();
      this.closeTasksOf(executionArn);
      // Stopping a parent stops the children its .sync tasks wait for (AWS needs StopExecution for that).
      for (const child of this.children.get(executionArn) ?? []) this.engineOf(child.stateMachineArn)?.stopExecution(child.executionArn, error, cause);
    }
    return execution;
  }

  /** Whether a task token was minted here (pending or closed): the API asks before it answers. */
  ownsToken(taskToken: string): boolean {
    return this.pending.has(taskToken) || this.closed.has(taskToken);
  }

  sendTaskSuccess(taskToken: string, output: string): void {
    const task = this.takeTask(taskToken);
    task.resolve(JSON.parse(output));
  }

  sendTaskFailure(taskToken: string, error = 'TaskFailed', cause = ''): void {
    const task = this.takeTask(taskToken);
    const failure = new Error(cause);
    failure.name = error;
    task.reject(failure);
  }

  sendTaskHeartbeat(taskToken: string): void {
    if (!this.pending.has(taskToken)) this.takeTask(taskToken); // throws the right error
  }

  list(): Execution[] {
    return [...this.executions.values()];
  }

  private takeTask(taskToken: string): PendingTask {
    const task = this.pending.get(taskToken);
    if (!task) {
      if (this.closed.has(taskToken)) throw new SfnApiError('TaskTimedOut', 'Task Timed Out: the task is no longer waiting');
      throw new SfnApiError('InvalidToken', 'Invalid Token: no task waits for this token');
    }
    this.pending.delete(taskToken);
    this.closed.add(taskToken);
    return task;
  }

  private closeTasksOf(executionArn: string) {
    for (const [token, task] of this.pending) {
      if (task.executionArn !== executionArn) continue;
      this.pending.delete(token);
      this.closed.add(token);
    }
  }

  private retryOverrides(): Record<string, number> | undefined {
    if (this.options.retryIntervalMs === undefined) return undefined;
    const overrides: Record<string, number> = {};
    for (const [name, state] of walkStates(this.definition.States)) if (state.Retry) overrides[name] = this.options.retryIntervalMs;
    return overrides;
  }

  private waitOverrides(): Record<string, number> | undefined {
    if (this.options.waitMs === undefined) return undefined;
    const overrides: Record<string, number> = {};
    for (const [name, state] of walkStates(this.definition.States)) if (state.Type === 'Wait') overrides[name] = this.options.waitMs;
    return overrides;
  }

  private taskOverrides(executionArn: string) {
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, state] of walkStates(this.definition.States)) {
      if (state.Type !== 'Task') continue;
      if (NESTED_SYNC.test(state.Resource ?? '')) {
        const structured = state.Resource!.endsWith(':2');
        overrides[stateName] = (input) => this.runNested(executionArn, structured, input as NestedStart);
        continue;
      }
      const callback = state.Resource?.endsWith('.waitForTaskToken') ?? false;
      const timeoutMs = (state.TimeoutSeconds ?? 60) * 1000;
      overrides[stateName] = (input) =>
        this.invoke(executionArn, stateName, { callback, timeoutMs }, input as { FunctionName: string; Payload: unknown });
    }
    return overrides;
  }

  private async invoke(
    executionArn: string,
    stateName: string,
    task: { callback: boolean; timeoutMs: number },
    input: { FunctionName: string; Payload: unknown },
  ) {
    const handler = this.handlersByArn[input.FunctionName];
    if (!handler) throw new SfnApiError('Lambda.ResourceNotFoundException', `no local function ${input.FunctionName}`);
    // Lambda receives JSON, not shared objects.
    const payload = JSON.parse(JSON.stringify(input.Payload ?? {}));
    if (!task.callback) return { Payload: (await handler(payload)) ?? null, StatusCode: 200, ExecutedVersion: '$LATEST' };

    const token = `local-${randomBytes(24).toString('base64url')}`;
    const waiter = new Promise<unknown>((resolve, reject) => {
      this.pending.set(token, { executionArn, state: stateName, resolve, reject });
    });
    // The webhook can settle the wait before the handler has returned; the executor awaits it below.
    waiter.catch(() => undefined);
    const shortened = this.options.callbackTimeoutMs;
    setTimeout(() => {
      const pending = this.pending.get(token);
      // The executor enforces TimeoutSeconds itself; afterwards the token answers TaskTimedOut, as on AWS.
      this.closeToken(token);
      if (pending && shortened !== undefined) pending.reject(Object.assign(new Error('Task timed out'), { name: 'States.Timeout' }));
    }, shortened ?? task.timeoutMs).unref();
    try {
      await handler(replaceDeep(payload, TOKEN_PLACEHOLDER, token));
    } catch (error) {
      this.closeToken(token);
      throw error;
    }
    return waiter;
  }

  private engineOf(stateMachineArn: string): LocalStepFunctions | undefined {
    return [this, ...(this.options.nested ?? [])].find((engine) => engine.stateMachineArn === stateMachineArn);
  }

  /**
   * startExecution.sync(:2): start the child on its machine's engine, wait for it, and answer with its
   * DescribeExecution (Output parsed for :2). A child that did not succeed fails the task with
   * States.TaskFailed and that DescribeExecution as the cause, as AWS does.
   */
  private async runNested(parentArn: string, structured: boolean, start: NestedStart) {
    const engine = this.engineOf(start.StateMachineArn);
    if (!engine) throw Object.assign(new Error(`State Machine Does Not Exist: '${start.StateMachineArn}'`), { name: 'StepFunctions.StateMachineDoesNotExistException' });
    const input = typeof start.Input === 'string' ? start.Input : JSON.stringify(start.Input ?? {});
    const child = engine.startExecution(start.Name ?? randomBytes(16).toString('hex'), input);
    const siblings = this.children.get(parentArn) ?? new Set<Execution>();
    this.children.set(parentArn, siblings.add(child));
    const ended = await child.done;
    siblings.delete(child);
    const described = {
      ExecutionArn: ended.executionArn,
      StateMachineArn: ended.stateMachineArn,
      Name: ended.name,
      Status: ended.status,
      StartDate: ended.startDate.getTime(),
      StopDate: ended.stopDate?.getTime(),
      Input: structured ? JSON.parse(ended.input) : ended.input,
      InputDetails: { Included: true },
      ...(ended.status === 'SUCCEEDED'
        ? { Output: structured ? JSON.parse(ended.output ?? 'null') : ended.output, OutputDetails: { Included: true } }
        : { Error: ended.error, Cause: ended.cause }),
    };
    if (ended.status === 'SUCCEEDED') return described;
    throw Object.assign(new Error(JSON.stringify(described)), { name: 'States.TaskFailed' });
  }

  private closeToken(token: string) {
    if (this.pending.delete(token)) this.closed.add(token);
  }

  private async followEvents(execution: Execution, events: AsyncGenerator<Record<string, unknown>>) {
    for await (const event of events) {
      // Map iteration events name their Map state as parentState.
      const state = (event.state ?? event.parentState) as { name?: string; type?: string } | undefined;
      const progress: ProgressEvent = {
        type: String(event.type),
        ...(state?.name && { state: state.name }),
        ...(state?.type && { stateType: state.type }),
        ...(typeof event.index === 'number' && { index: event.index }),
        ...(typeof event.Error === 'string' && { error: event.Error }),
        ...(typeof event.Cause === 'string' && { cause: event.Cause }),
        at: Number(event.timestamp) || Date.now(),
      };
      execution.history.push(progress);
      this.emit('progress', execution, progress);
    }
  }

  private finish(execution: Execution, status: ExecutionStatus, result: Partial<Execution>): Execution {
    if (execution.status === 'RUNNING') {
      Object.assign(execution, { status, stopDate: new Date(), ...result });
    }
    this.closeTasksOf(execution.executionArn);
    this.emit('finished', execution);
    return execution;
  }
}
