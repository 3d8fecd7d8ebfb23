// The Lambda Invoke API (REST, POST /2015-03-31/functions/{name}/invocations) in front of the same
// handler modules, so a handler that invokes another function (the ending writers → notify) uses
// the real @aws-sdk/client-lambda pointed at LAMBDA_ENDPOINT. InvocationType Event answers 202 at
// once and runs the handler in the background with Lambda's asynchronous retries (two more
// attempts after a function error); RequestResponse answers with the result.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyHandler } from './handlers';
import { browserRefusal } from './loopback-only';
import { logger } from '../functions/adapters/logger';

/** Lambda retries an asynchronous invocation's function error twice (then its failure destination). */
const ASYNC_RETRIES = 2;

export interface AsyncInvocation {
  functionName: string;
  payload: unknown;
  /** Settles after the last attempt: the result, or the error that went to the "failure destination". */
  done: Promise<{ result?: unknown; error?: string; attempts: number }>;
}

export interface LocalLambdaApi {
  url: string;
  server: Server;
  /** Every asynchronous invocation, in the order they were received. */
  invocations: AsyncInvocation[];
}

const PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function runWithRetries(handler: AnyHandler, payload: unknown, retryDelayMs: number): Promise<{ result?: unknown; error?: string; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { result: await handler(payload), attempts: attempt };
    } catch (error) {
      if (attempt > ASYNC_RETRIES) {
        logger.error('asynchronous invocation failed after its retries', { error: { name: (error as Error).name, message: (error as Error).message } });
        return { error: `${(error as Error).name}: ${(error as Error).message}`, attempts: attempt };
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
  }
}

export async function startLambdaApi(handlers: Record<string, AnyHandler>, options: { retryDelayMs?: number } = {}): Promise<LocalLambdaApi> {
  const invocations: AsyncInvocation[] = [];
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const refusal = browserRefusal(req.headers);
    if (refusal) return reply(403, { Type: 'User', message: refusal }, { 'x-amzn-errortype': 'AccessDeniedException' });
    const match = PATH.exec(new URL(req.url ?? '/', 'http://local').pathname);
    const functionName = match ? decodeURIComponent(match[1]) : '';
    const handler = handlers[functionName.replace(/^arn:.*:function:/, '')];
    if (req.method !== 'POST' || !handler) {
      return reply(404, { Type: 'User', message: `Function not found: ${functionName}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
    }
    let payload: unknown;
    try {
      payload = JSON.parse((await readBody(req)) || '{}');
    } catch {
      return reply(400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-errortype': 'InvalidRequestContentException' });
    }
    if (String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse') === 'Event') {
      invocations.push({ functionName, payload, done: runWithRetries(handler, payload, options.retryDelayMs ?? 1000) });
      return reply(202, undefined);
    }
    try {
      reply(200, await handler(payload));
    } catch (error) {
      reply(200, { errorType: (error as Error).name, errorMessage: (error as Error).message }, { 'x-amz-function-error': 'Unhandled' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, invocations };
}
