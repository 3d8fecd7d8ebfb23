// `longshot dev --stack|--api`: the local server's API routes (/runs…, /compares…) forwarded to the
// deployed API, signed here, so what runs on this machine (the viewer, curl) sees AWS runs the same
// way. A thin proxy: bodies and answers pass as they are (presigned media URLs point at S3 directly).
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { browserRefusal } from '../loopback-only';
import { MAX_BODY_BYTES } from '../http-gateway';
import { PortInUseError } from '../stack';
import { ApiClient } from './api-client';
import { resolveTarget, type TargetOptions } from './target';

/** The routes the deployed API serves to IAM callers (its webhook route is Replicate's, not ours). */
export const PROXIED_PATH = /^\/(runs|compares)(\/|$)/;
/** Request headers the API reads; nothing else (cookies, origin, host) leaves this machine. */
const FORWARDED_HEADERS = ['content-type', 'idempotency-key', 'accept'];

const reply = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function forward(client: ApiClient, req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  if (!body) return reply(res, 413, { error: 'PayloadTooLarge', message: `the limit is ${MAX_BODY_BYTES / 1024 / 1024} MB` });
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  try {
    const answer = await client.send(req.method ?? 'GET', (req.url ?? '/').slice(1), body.length ? body.toString('utf8') : undefined, headers);
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json', 'cache-control': 'no-store' });
    res.end(answer.text);
  } catch (error) {
    reply(res, 502, { error: 'BadGateway', message: (error as Error).message });
  }
}

/**
 * Listens on 127.0.0.1:port; API paths go to `client`, anything else to `fallback` (the viewer's
 * pages), or 404. A web page of another origin is refused, as by the local stack: this proxy signs.
 */
export async function startApiProxy(client: ApiClient, port: number, fallback?: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const refusal = browserRefusal(req.headers);
    if (refusal) return reply(res, 403, { error: 'Forbidden', message: refusal });
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (PROXIED_PATH.test(path)) return void forward(client, req, res);
    if (fallback) return fallback(req, res);
    reply(res, 404, { error: 'NotFound', message: `no route for ${path}; the API routes are /runs and /compares` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new PortInUseError(port, 'api', error.code ?? 'error')));
    server.listen(port, '127.0.0.1', resolve);
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Runs until `signal` aborts (Ctrl-C); runs on AWS go on. */
export async function runRemoteDevServer(client: ApiClient, port: number, signal: AbortSignal, fallback?: RequestListener): Promise<void> {
  const { url, server } = await startApiProxy(client, port, fallback);
  process.stdout.write(
    [
      `longshot dev: forwarding ${url}/runs and /compares to ${client.target.apiUrl.href} (signed with your AWS credentials, region ${client.target.region})`,
      ...(fallback ? [`  viewer    ${url}/`] : []),
      `  status    curl -s ${url}/runs`,
      `  start     curl -s -X POST ${url}/runs -H 'content-type: application/json' --data @examples/winter-ad.json`,
      '  Ctrl-C stops forwarding; runs on AWS go on.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** `longshot dev --stack|--api`: no local stack; the same port answers from the deployed API. */
export async function runDevAgainst(opts: TargetOptions & { port: number }, signal: AbortSignal, fallback?: RequestListener): Promise<void> {
  await runRemoteDevServer(new ApiClient(await resolveTarget(opts)), opts.port, signal, fallback);
}
