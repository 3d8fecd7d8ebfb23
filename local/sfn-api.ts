// The Step Functions HTTP API (AWS JSON 1.0 protocol) in front of LocalStepFunctions, so handlers
// call it with the real @aws-sdk/client-sfn pointed at SFN_ENDPOINT.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalStepFunctions, SfnApiError, type Execution } from './step-functions';
import { browserRefusal } from './loopback-only';

const epoch = (date?: Date) => (date ? date.getTime() / 1000 : undefined);

function describe(execution: Execution) {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: epoch(execution.startDate),
    stopDate: epoch(execution.stopDate),
    input: execution.input,
    output: execution.output,
    error: execution.error,
    cause: execution.cause,
  };
}

type Operation = (engine: LocalStepFunctions, body: Record<string, string>) => unknown;

const OPERATIONS: Record<string, Operation> = {
  StartExecution: (engine, body) => {
    if (body.stateMachineArn !== engine.stateMachineArn) {
      throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${body.stateMachineArn}'`);
    }
    const execution = engine.startExecution(body.name, body.input ?? '{}');
    return { executionArn: execution.executionArn, startDate: epoch(execution.startDate) };
  },
  DescribeExecution: (engine, body) => describe(engine.describeExecution(body.executionArn)),
  StopExecution: (engine, body) => ({ stopDate: epoch(engine.stopExecution(body.executionArn, body.error, body.cause).stopDate) }),
  SendTaskSuccess: (engine, body) => (engine.sendTaskSuccess(body.taskToken, body.output), {}),
  SendTaskFailure: (engine, body) => (engine.sendTaskFailure(body.taskToken, body.error, body.cause), {}),
  SendTaskHeartbeat: (engine, body) => (engine.sendTaskHeartbeat(body.taskToken), {}),
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSfnApi(engine: LocalStepFunctions, port = 0): Promise<{ url: string; server: Server }> {
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
      reply(200, operation(engine, JSON.parse((await readBody(req)) || '{}')));
    } catch (error) {
      const name = error instanceof SfnApiError ? error.name : 'InvalidParameterValue';
      reply(400, { __type: name, message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
