// The Step Functions HTTP API (AWS JSON 1.0 protocol) in front of LocalStepFunctions, so handlers
// call it with the real @aws-sdk/client-sfn pointed at SFN_ENDPOINT, and people with the AWS CLI
// (`aws stepfunctions … --endpoint-url`): the operations a user and the handlers need, shaped as AWS's.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalStepFunctions, SfnApiError, type Execution } from './step-functions';
import { browserRefusal } from './loopback-only';
import { executionHistory } from './sfn-history';
import { executionArnOf } from '../functions/domain/execution';

const epoch = (date?: Date) => (date ? date.getTime() / 1000 : undefined);
const LOCAL_ROLE = 'arn:aws:iam::000000000000:role/longshot-local';
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
// AWS: 1–80 characters, no whitespace, brackets, wildcards, punctuation from this set or control characters.
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

type Body = Record<string, unknown>;
type Operation = (engines: Engines, body: Body) => unknown;

/** The engines behind the API, one per state machine: each call goes to the one it names. */
class Engines {
  constructor(readonly all: LocalStepFunctions[]) {}

  ofMachine(arn: unknown): LocalStepFunctions {
    const engine = this.all.find((e) => e.stateMachineArn === arn);
    if (!engine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return engine;
  }

  ofExecution(arn: unknown): LocalStepFunctions {
    const engine = this.all.find((e) => String(arn).startsWith(executionArnOf(e.stateMachineArn, '')));
    if (!engine) throw new SfnApiError('ExecutionDoesNotExist', `Execution does not exist: '${String(arn)}'`);
    return engine;
  }

  /** The engine that minted the token (or the first, which answers InvalidToken). */
  ofToken(token: string): LocalStepFunctions {
    return this.all.find((e) => e.ownsToken(token)) ?? this.all[0];
  }

  describe(arn: unknown): Execution {
    return this.ofExecution(arn).describeExecution(String(arn));
  }
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

const listItem = (execution: Execution) => ({
  executionArn: execution.executionArn,
  stateMachineArn: execution.stateMachineArn,
  name: execution.name,
  status: execution.status,
  startDate: epoch(execution.startDate),
  stopDate: epoch(execution.stopDate),
});

const describeExecution = (execution: Execution) => ({
  ...listItem(execution),
  input: execution.input,
  output: execution.output,
  error: execution.error,
  cause: execution.cause,
});

const describeMachine = (engine: LocalStepFunctions) => ({
  stateMachineArn: engine.stateMachineArn,
  name: engine.machineName,
  status: 'ACTIVE',
  definition: engine.definitionText,
  roleArn: LOCAL_ROLE,
  type: 'STANDARD',
  creationDate: epoch(engine.createdAt),
});

/**
 * One page of `items` after the item the token names. Tokens are opaque (base64 of the last key
 * returned), so a page stays correct while new executions start in front of the list.
 */
function page<T>(items: T[], keyOf: (item: T) => string, body: Body): { items: T[]; nextToken?: string } {
  const maxResults = body.maxResults ?? 0;
  if (!Number.isInteger(maxResults) || (maxResults as number) < 0 || (maxResults as number) > 1000) {
    throw new SfnApiError('ValidationException', 'maxResults must be an integer 0–1000 (0: the default page of 100)');
  }
  const size = (maxResults as number) || 100;
  let start = 0;
  const token = text(body.nextToken);
  if (token) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    start = items.findIndex((item) => keyOf(item) === after) + 1;
    if (start === 0) throw new SfnApiError('InvalidToken', 'Invalid Token: nextToken does not belong to this listing');
  }
  const slice = items.slice(start, start + size);
  const more = start + size < items.length;
  return { items: slice, ...(more && { nextToken: Buffer.from(keyOf(slice[slice.length - 1]), 'utf8').toString('base64url') }) };
}

function startExecution(engines: Engines, body: Body) {
  const engine = engines.ofMachine(body.stateMachineArn);
  // AWS names an execution started without a name with a UUID.
  const name = text(body.name) ?? randomUUID();
  if (!name.length || name.length > 80 || INVALID_NAME.test(name)) {
    throw new SfnApiError('InvalidName', `Invalid Name: '${name}' (1–80 characters, no whitespace, brackets, wildcards or punctuation)`);
  }
  const input = text(body.input) ?? '{}';
  try {
    JSON.parse(input);
  } catch (error) {
    throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: ${(error as Error).message}`);
  }
  const execution = engine.startExecution(name, input);
  return { executionArn: execution.executionArn, startDate: epoch(execution.startDate) };
}

function listExecutions(engines: Engines, body: Body) {
  const engine = engines.ofMachine(body.stateMachineArn);
  const status = text(body.statusFilter);
  if (status !== undefined && !STATUSES.includes(status)) {
    throw new SfnApiError('ValidationException', `statusFilter must be one of ${STATUSES.join(', ')}`);
  }
  // Newest first, as AWS lists them.
  const executions = engine.list().filter((e) => !status || e.status === status).reverse();
  const { items, nextToken } = page(executions, (e) => e.executionArn, body);
  return { executions: items.map(listItem), ...(nextToken && { nextToken }) };
}

function getExecutionHistory(engines: Engines, body: Body) {
  const engine = engines.ofExecution(body.executionArn);
  const history = executionHistory(engine.describeExecution(String(body.executionArn)), engine.definition);
  if (body.reverseOrder === true) history.reverse();
  const { items, nextToken } = page(history, (event) => String(event.id), body);
  return { events: items, ...(nextToken && { nextToken }) };
}

const OPERATIONS: Record<string, Operation> = {
  StartExecution: startExecution,
  DescribeExecution: (engines, body) => describeExecution(engines.describe(body.executionArn)),
  StopExecution: (engines, body) => ({
    stopDate: epoch(engines.ofExecution(body.executionArn).stopExecution(String(body.executionArn), text(body.error), text(body.cause)).stopDate),
  }),
  ListExecutions: listExecutions,
  GetExecutionHistory: getExecutionHistory,
  ListStateMachines: (engines) => ({
    stateMachines: engines.all.map((engine) => ({ stateMachineArn: engine.stateMachineArn, name: engine.machineName, type: 'STANDARD', creationDate: epoch(engine.createdAt) })),
  }),
  DescribeStateMachine: (engines, body) => describeMachine(engines.ofMachine(body.stateMachineArn)),
  DescribeStateMachineForExecution: (engines, body) => {
    engines.describe(body.executionArn); // throws ExecutionDoesNotExist
    const { status, type, creationDate, ...machine } = describeMachine(engines.ofExecution(body.executionArn));
    return { ...machine, updateDate: creationDate };
  },
  SendTaskSuccess: (engines, body) => (engines.ofToken(String(body.taskToken)).sendTaskSuccess(String(body.taskToken), String(body.output)), {}),
  SendTaskFailure: (engines, body) => (engines.ofToken(String(body.taskToken)).sendTaskFailure(String(body.taskToken), text(body.error), text(body.cause)), {}),
  SendTaskHeartbeat: (engines, body) => (engines.ofToken(String(body.taskToken)).sendTaskHeartbeat(String(body.taskToken)), {}),
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSfnApi(engine: LocalStepFunctions | LocalStepFunctions[], port = 0): Promise<{ url: string; server: Server }> {
  const engines = new Engines(Array.isArray(engine) ? engine : [engine]);
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(body));
    };
    // A page that rebinds its own name to 127.0.0.1 is same-origin here: refuse by Host and Origin.
    const refusal = browserRefusal(req.headers);
    if (refusal) return reply(403, { __type: 'AccessDeniedException', message: refusal });
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = OPERATIONS[target.replace(/^AWSStepFunctions\./, '')];
    if (req.method !== 'POST' || !operation) {
      return reply(400, { __type: 'UnknownOperationException', message: `unsupported operation "${target}"` });
    }
    try {
      reply(200, operation(engines, JSON.parse((await readBody(req)) || '{}')));
    } catch (error) {
      const name = error instanceof SfnApiError ? error.name : 'InvalidParameterValue';
      reply(400, { __type: name, message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
