// Turns HTTP requests into API Gateway REST (proxy) events for the api and webhook handlers, as
// the deployed API does: same routes, same event shape, raw body untouched (signatures cover it).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
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
  { method: 'POST', resource: '/webhooks/replicate', pattern: /^\/webhooks\/replicate\/?$/, handler: 'webhook' },
];

const MAX_BODY_BYTES = 6 * 1024 * 1024; // API Gateway's payload limit for Lambda proxy (approx.)

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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

export async function startHttpGateway(handlers: Record<string, AnyHandler>, port = 0): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const send = (result: APIGatewayProxyResult) => {
      res.writeHead(result.statusCode, result.headers as Record<string, string>);
      res.end(result.body);
    };
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const matching = ROUTES.filter((r) => r.pattern.test(path));
      if (!matching.length) return send({ statusCode: 404, body: JSON.stringify({ error: 'NotFound', message: `no route for ${path}` }) });
      const route = matching.find((r) => r.method === req.method);
      if (!route) return send({ statusCode: 405, body: JSON.stringify({ error: 'MethodNotAllowed', allowed: matching.map((r) => r.method) }) });
      const params = route.pattern.exec(path)?.groups ?? null;
      const event = toApiGatewayEvent(req, await readBody(req), route, params ? { ...params } : null);
      send((await handlers[route.handler](event)) as APIGatewayProxyResult);
    } catch (error) {
      send({ statusCode: 500, body: JSON.stringify({ error: 'GatewayError', message: (error as Error).message }) });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
