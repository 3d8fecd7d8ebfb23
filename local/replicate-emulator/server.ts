// HTTP routes with api.replicate.com's shapes: JSON bodies, `{detail}` errors, bearer auth on /v1,
// public (unauthenticated) output file URLs like Replicate's delivery domain.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from './engine';
import { modelForVersion, officialModel, validateInput, type Job, type ModelRef } from './inputs';
import { predictionFaults, stepFaultsFor } from './step-faults';
import type { EmulatorFaults } from './types';
import { parseGoDuration } from './util';

export interface RouterOptions {
  engine: Engine;
  faults: EmulatorFaults;
  token?: string;
  secret: string;
  log: (line: string) => void;
}

const WEBHOOK_EVENTS = ['start', 'output', 'logs', 'completed'];
const MAX_BODY = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, readonly title: string, detail: string, readonly extra: object = {}) {
    super(detail);
  }
}

const notFound = (detail = 'Not found.') => new HttpError(404, 'Not found', detail);

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'Payload too large', 'Request body is too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const body: unknown = text ? JSON.parse(text) : {};
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'Bad request', 'Request body must be a JSON object');
}

/** What a route gets: the request, the response, the path's captured segments and the emulator. */
interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  o: RouterOptions;
}

interface Route {
  methods: string[];
  pattern: RegExp;
  handle: (ctx: RouteContext) => Promise<void> | void;
}

// ---------------------------------------------------------------- creating predictions

interface CreateRequest {
  ref: ModelRef;
  job: Job;
  input: Record<string, unknown>;
  webhook?: string;
  events?: string[];
  cancelAfterMs?: number;
}

/** Validates a create body and headers the way Replicate does: 404 unknown model, 422 bad input. */
function parseCreate(req: IncomingMessage, body: Record<string, unknown>, official: ModelRef | undefined): CreateRequest {
  const ref = official ?? modelForVersion(body.version);
  if (!ref) {
    throw notFound(`Version ${JSON.stringify(body.version ?? null)} does not exist (or you do not have access to it)`);
  }
  const checked = validateInput(ref, body.input);
  if ('problems' in checked) {
    const detail = checked.problems.map((p) => `- ${p.description}`).join('\n');
    const invalid_fields = checked.problems.map((p) => ({ type: 'invalid', field: `input.${p.field}`, description: p.description }));
    throw new HttpError(422, 'Input validation failed', detail, { invalid_fields });
  }
  const { webhook, webhook_events_filter: events } = body;
  if (webhook !== undefined && webhook !== null && (typeof webhook !== 'string' || !/^https?:\/\//.test(webhook))) {
    throw new HttpError(422, 'Invalid webhook', 'webhook must be an http(s) URL');
  }
  if (events !== undefined && events !== null &&
      (!Array.isArray(events) || events.some((e) => !WEBHOOK_EVENTS.includes(e as string)))) {
    throw new HttpError(422, 'Invalid webhook_events_filter', `webhook_events_filter values: ${WEBHOOK_EVENTS.join(', ')}`);
  }
  return {
    ref,
    job: checked.job,
    input: body.input as Record<string, unknown>,
    webhook: typeof webhook === 'string' ? webhook : undefined,
    events: Array.isArray(events) ? (events as string[]) : undefined,
    cancelAfterMs: cancelAfterOf(req),
  };
}

function cancelAfterOf(req: IncomingMessage): number | undefined {
  const header = req.headers['cancel-after'];
  if (typeof header !== 'string') return undefined;
  const ms = parseGoDuration(header);
  if (ms === undefined) {
    throw new HttpError(400, 'Invalid Cancel-After', `Cancel-After must be a duration like 30s or 15m, got "${header}"`);
  }
  return ms;
}

function sendThrottled(res: ServerResponse) {
  const detail = 'Request was throttled. Expected available in 1 second.';
  sendJson(res, 429, { title: 'Request was throttled', detail, status: 429 }, { 'retry-after': '1' });
}

/** The injected 429 fault, answered before the body is read (as a rate limiter would). */
function throttled({ res, o }: RouteContext): boolean {
  if (!o.faults.rateLimitCreates || o.faults.rateLimitCreates <= 0) return false;
  o.faults.rateLimitCreates--;
  sendThrottled(res);
  return true;
}

async function createPrediction(ctx: RouteContext, official: ModelRef | undefined) {
  if (throttled(ctx)) return;
  const { req, res, o } = ctx;
  const request = parseCreate(req, await readJson(req), official);
  const hits = stepFaultsFor(o.faults.steps, { model: request.ref.model, version: request.ref.version, input: request.input, webhook: request.webhook });
  // A step's 429 needs the body to know the step, so it comes after the request was read.
  const limited = hits.find((f) => f.kind === '429');
  if (limited) {
    o.log(`create throttled (emulator fault ${limited.step}:429)`);
    return sendThrottled(res);
  }
  const prediction = o.engine.create(request.ref, request.job, request.input, { ...request, stepFaults: predictionFaults(hits) });
  o.log(`created ${prediction.id} (${prediction.model})`);
  // `Prefer: wait[=n]` holds the response until the prediction finishes (at most 60 s).
  const prefer = /^wait(?:=(\d+))?$/.exec(String(req.headers.prefer ?? '').trim());
  if (prefer) {
    await o.engine.waitFor(prediction.id, Math.min(60, Number(prefer[1] ?? 60)) * 1000);
    return sendJson(res, 201, o.engine.get(prediction.id));
  }
  sendJson(res, 201, prediction, { location: prediction.urls.get });
}

/** POST /v1/models/{owner}/{name}/predictions: official models only, anything else is "not found" with a hint. */
function createForModel(ctx: RouteContext) {
  const [owner, name] = ctx.params;
  const official = officialModel(owner, name);
  if (!official) {
    throw notFound(
      `Model ${owner}/${name} is not an official model this emulator knows; create versioned models with POST /v1/predictions and "version"`,
    );
  }
  return createPrediction(ctx, official);
}

// ---------------------------------------------------------------- reading and canceling

function listPredictions({ res, o }: RouteContext) {
  sendJson(res, 200, { previous: null, next: null, results: o.engine.list().reverse() });
}

function getPrediction({ res, o, params: [id] }: RouteContext) {
  const prediction = o.engine.get(id);
  if (!prediction) throw notFound();
  sendJson(res, 200, prediction);
}

function cancelPrediction({ res, o, params: [id] }: RouteContext) {
  const prediction = o.engine.cancel(id);
  if (!prediction) throw notFound();
  o.log(`cancel ${id}: ${prediction.status}`);
  sendJson(res, 200, prediction);
}

function webhookSecret({ res, o }: RouteContext) {
  sendJson(res, 200, { key: o.secret });
}

// ---------------------------------------------------------------- output files

/** Byte range of a `Range: bytes=a-b` header within a file of `size` bytes (null: whole file). */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const range = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!range || (!range[1] && !range[2])) return null;
  const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
  const end = range[1] && range[2] ? Math.min(size - 1, Number(range[2])) : size - 1;
  return start > end ? 'unsatisfiable' : { start, end };
}

async function serveFile({ req, res, o, params: [id, name] }: RouteContext) {
  const file = o.engine.file(id, decodeURIComponent(name));
  const info = file && (await stat(file.path).catch(() => undefined));
  if (!file || !info) throw notFound('File not found or expired');
  const range = byteRange(req.headers.range, info.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${info.size}` });
    return void res.end();
  }
  const { start, end } = range ?? { start: 0, end: info.size - 1 };
  res.writeHead(range ? 206 : 200, {
    'content-type': file.contentType,
    'content-length': String(end - start + 1),
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=3600',
    ...(range && { 'content-range': `bytes ${start}-${end}/${info.size}` }),
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file.path, { start, end }).on('error', () => res.destroy()).pipe(res);
}

// ---------------------------------------------------------------- routing

const SEGMENT = '([^/]+)';
const API_ROUTES: Route[] = [
  { methods: ['POST'], pattern: new RegExp(`^/v1/models/${SEGMENT}/${SEGMENT}/predictions$`), handle: createForModel },
  { methods: ['POST'], pattern: /^\/v1\/predictions$/, handle: (ctx) => createPrediction(ctx, undefined) },
  { methods: ['GET'], pattern: /^\/v1\/predictions$/, handle: listPredictions },
  { methods: ['GET'], pattern: new RegExp(`^/v1/predictions/${SEGMENT}$`), handle: getPrediction },
  { methods: ['POST'], pattern: new RegExp(`^/v1/predictions/${SEGMENT}/cancel$`), handle: cancelPrediction },
  { methods: ['GET'], pattern: /^\/v1\/webhooks\/default\/secret$/, handle: webhookSecret },
];
const FILE_ROUTE: Route = { methods: ['GET', 'HEAD'], pattern: new RegExp(`^/files/${SEGMENT}/${SEGMENT}$`), handle: serveFile };

function authorize(req: IncomingMessage, token: string | undefined) {
  const match = /^(?:Bearer|Token)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match || (token !== undefined && match[1] !== token)) {
    throw new HttpError(401, 'Unauthenticated', 'You did not pass a valid authentication token');
  }
}

/** Output files are public; everything under /v1 needs the bearer token, even to learn it is a 404. */
function findRoute(req: IncomingMessage, path: string, o: RouterOptions): { route: Route; params: string[] } {
  const method = req.method ?? 'GET';
  const api = path === '/v1' || path.startsWith('/v1/');
  if (api) authorize(req, o.token);
  for (const route of api ? API_ROUTES : [FILE_ROUTE]) {
    const match = route.methods.includes(method) ? route.pattern.exec(path) : null;
    if (match) return { route, params: match.slice(1) };
  }
  throw notFound(`No route for ${method} ${path}`);
}

export function createRouter(o: RouterOptions) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const path = new URL(req.url ?? '/', 'http://emulator').pathname.replace(/\/+$/, '');
      const { route, params } = findRoute(req, path, o);
      await route.handle({ req, res, params, o });
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) {
        return sendJson(res, error.status, { title: error.title, detail: error.message, status: error.status, ...error.extra });
      }
      o.log(`internal error on ${req.method} ${req.url}: ${String(error)}`);
      sendJson(res, 500, { title: 'Internal server error', detail: String(error), status: 500 });
    }
  };
}
