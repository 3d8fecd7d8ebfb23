// Turns HTTP requests into API Gateway REST (proxy) events for the api and webhook handlers, as
// the deployed API does: same routes, same event shape, raw body untouched (signatures cover it).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { browserRefusal } from './loopback-only';
import { viewerResponse } from './viewer-files';
import type { AnyHandler } from './handlers';

interface Route {
  method: string;
  resource: string;
  pattern: RegExp;
  handler: string;
}

const ROUTES: Route[] = [
  { method: 'POST', resource: '/runs', pattern: /^\/runs\/?$/, handler: 'api' },
  { method: 'GET', resource: '/runs', pattern: /^\/runs\/?$/, handler: 'api' },
  { method: 'GET', resource: '/runs/{runId}', pattern: /^\/runs\/(?<runId>[^/]+)\/?$/, handler: 'api' },
  { method: 'DELETE', resource: '/runs/{runId}', pattern: /^\/runs\/(?<runId>[^/]+)\/?$/, handler: 'api' },
  { method: 'POST', resource: '/runs/{runId}/regenerate', pattern: /^\/runs\/(?<runId>[^/]+)\/regenerate\/?$/, handler: 'api' },
  { method: 'POST', resource: '/runs/{runId}/resume', pattern: /^\/runs\/(?<runId>[^/]+)\/resume\/?$/, handler: 'api' },
  { method: 'POST', resource: '/compares', pattern: /^\/compares\/?$/, handler: 'api' },
  { method: 'GET', resource: '/compares/{compareId}', pattern: /^\/compares\/(?<compareId>[^/]+)\/?$/, handler: 'api' },
  { method: 'POST', resource: '/webhooks/replicate', pattern: /^\/webhooks\/replicate\/?$/, handler: 'webhook' },
];

/** API Gateway's limit for a Lambda proxy request; larger bodies get 413, as there. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Past this we stop reading a too-large body and drop the connection. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

type BodyRead = { body: Buffer } | { tooLarge: number } | { abandoned: number };

/**
 * The whole body, or how big it was when over the limit. An oversized body is still read to the
 * end (and thrown away): closing a socket the client is still writing to resets the connection
 * before the client can read the 413.
 */
function readBody(req: IncomingMessage): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
      if (size > MAX_DRAIN_BYTES) {
        req.pause();
        resolve({ abandoned: size });
      }
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? { tooLarge: size } : { body: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

export function toApiGatewayEvent(req: IncomingMessage, body: Buffer, route: Route, pathParameters: Record<string, string> | null): APIGatewayProxyEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  const query = Object.fromEntries(url.searchParams.entries());
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters,
    stageVariables: null,
    body: body.length ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: { stage: 'local', requestId: `local-${Date.now()}` } as APIGatewayProxyEvent['requestContext'],
  };
}

const problem = (statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

async function answer(req: IncomingMessage, handlers: Record<string, AnyHandler>): Promise<APIGatewayProxyResult> {
  const refusal = browserRefusal(req.headers);
  if (refusal) return problem(403, { error: 'Forbidden', message: refusal });
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const viewer = await viewerResponse(req.method ?? 'GET', path);
  if (viewer) return viewer;
  const matching = ROUTES.filter((r) => r.pattern.test(path));
  if (!matching.length) return problem(404, { error: 'NotFound', message: `no route for ${path}` });
  const route = matching.find((r) => r.method === req.method);
  if (!route) return problem(405, { error: 'MethodNotAllowed', allowed: matching.map((r) => r.method) });
  const read = await readBody(req);
  if (!('body' in read)) {
    const size = 'tooLarge' in read ? read.tooLarge : read.abandoned;
    return problem(413, { error: 'PayloadTooLarge', message: `the request body is ${Math.ceil(size / 1024 / 1024)} MB; the limit is ${MAX_BODY_BYTES / 1024 / 1024} MB` }, { connection: 'close' });
  }
  const params = route.pattern.exec(path)?.groups ?? null;
  const event = toApiGatewayEvent(req, read.body, route, params ? { ...params } : null);
  return (await handlers[route.handler](event)) as APIGatewayProxyResult;
}

export async function startHttpGateway(handlers: Record<string, AnyHandler>, port = 0): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    let result: APIGatewayProxyResult;
    try {
      result = await answer(req, handlers);
    } catch (error) {
      result = problem(500, { error: 'GatewayError', message: (error as Error).message });
    }
    res.writeHead(result.statusCode, result.headers as Record<string, string>);
    res.end(result.body);
    // A body nobody read (refused before routing): let it arrive and be discarded, so the client
    // reads the answer instead of a reset.
    if (!req.complete && req.readableFlowing === null) req.resume();
    if (result.headers?.connection === 'close' && !req.complete) res.once('finish', () => req.socket.destroySoon());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
