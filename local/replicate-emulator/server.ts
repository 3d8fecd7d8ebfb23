// HTTP routes with api.replicate.com's shapes: JSON bodies, `{detail}` errors, bearer auth on /v1,
// public (unauthenticated) output file URLs like Replicate's delivery domain.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from './engine';
import { modelForVersion, officialModel, validateInput, type ModelRef } from './inputs';
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

export function createRouter(o: RouterOptions) {
  const { engine, faults } = o;

  function authorize(req: IncomingMessage) {
    const match = /^(?:Bearer|Token)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match || (o.token !== undefined && match[1] !== o.token)) {
      throw new HttpError(401, 'Unauthenticated', 'You did not pass a valid authentication token');
    }
  }

  async function create(req: IncomingMessage, res: ServerResponse, ref: ModelRef | undefined) {
    if (faults.rateLimitCreates && faults.rateLimitCreates > 0) {
      faults.rateLimitCreates--;
      const detail = 'Request was throttled. Expected available in 1 second.';
      return sendJson(res, 429, { title: 'Request was throttled', detail, status: 429 }, { 'retry-after': '1' });
    }
    const body = await readJson(req);
    ref ??= modelForVersion(body.version);
    if (!ref) {
      const detail = `Version ${JSON.stringify(body.version ?? null)} does not exist (or you do not have access to it)`;
      throw new HttpError(404, 'Not found', detail);
    }
    const checked = validateInput(ref, body.input);
    if ('problems' in checked) {
      const detail = checked.problems.map((p) => `- ${p.description}`).join('\n');
      const invalid_fields = checked.problems.map((p) => ({ type: 'invalid', field: `input.${p.field}`, description: p.description }));
      throw new HttpError(422, 'Input validation failed', detail, { invalid_fields });
    }
    const webhook = body.webhook;
    if (webhook !== undefined && webhook !== null && (typeof webhook !== 'string' || !/^https?:\/\//.test(webhook))) {
      throw new HttpError(422, 'Invalid webhook', 'webhook must be an http(s) URL');
    }
    const events = body.webhook_events_filter;
    if (events !== undefined && events !== null &&
        (!Array.isArray(events) || events.some((e) => !WEBHOOK_EVENTS.includes(e as string)))) {
      throw new HttpError(422, 'Invalid webhook_events_filter', `webhook_events_filter values: ${WEBHOOK_EVENTS.join(', ')}`);
    }
    let cancelAfterMs: number | undefined;
    const cancelAfter = req.headers['cancel-after'];
    if (typeof cancelAfter === 'string') {
      cancelAfterMs = parseGoDuration(cancelAfter);
      if (cancelAfterMs === undefined) {
        throw new HttpError(400, 'Invalid Cancel-After', `Cancel-After must be a duration like 30s or 15m, got "${cancelAfter}"`);
      }
    }
    const prediction = engine.create(ref, checked.job, body.input as Record<string, unknown>, {
      webhook: typeof webhook === 'string' ? webhook : undefined,
      events: Array.isArray(events) ? (events as string[]) : undefined,
      cancelAfterMs,
    });
    o.log(`created ${prediction.id} (${prediction.model})`);
    // `Prefer: wait[=n]` holds the response until the prediction finishes (at most 60 s).
    const prefer = /^wait(?:=(\d+))?$/.exec(String(req.headers.prefer ?? '').trim());
    if (prefer) {
      await engine.waitFor(prediction.id, Math.min(60, Number(prefer[1] ?? 60)) * 1000);
      return sendJson(res, 201, engine.get(prediction.id));
    }
    sendJson(res, 201, prediction, { location: prediction.urls.get });
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, id: string, name: string) {
    const file = engine.file(id, decodeURIComponent(name));
    const info = file && (await stat(file.path).catch(() => undefined));
    if (!file || !info) throw new HttpError(404, 'Not found', 'File not found or expired');
    let start = 0;
    let end = info.size - 1;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, info.size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(end, Number(range[2])) : end;
      if (start > end) {
        res.writeHead(416, { 'content-range': `bytes */${info.size}` });
        return res.end();
      }
    }
    const headers: Record<string, string> = {
      'content-type': file.contentType,
      'content-length': String(end - start + 1),
      'accept-ranges': 'bytes',
      'cache-control': 'private, max-age=3600',
    };
    if (range) headers['content-range'] = `bytes ${start}-${end}/${info.size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file.path, { start, end }).on('error', () => res.destroy()).pipe(res);
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://emulator').pathname.replace(/\/+$/, '');
    const parts = path.split('/').filter(Boolean);

    if (parts[0] === 'files' && parts.length === 3 && (method === 'GET' || method === 'HEAD')) {
      return serveFile(req, res, parts[1], parts[2]);
    }
    if (parts[0] !== 'v1') throw new HttpError(404, 'Not found', `No route for ${method} ${path}`);
    authorize(req);
    const [, a, b, c, d] = parts;

    if (method === 'POST' && a === 'models' && b && c && d === 'predictions' && parts.length === 5) {
      return create(req, res, officialModel(b, c) ?? nonOfficial(b, c));
    }
    if (a === 'predictions' && parts.length === 2) {
      if (method === 'POST') return create(req, res, undefined);
      if (method === 'GET') {
        const results = engine.list().reverse();
        return sendJson(res, 200, { previous: null, next: null, results });
      }
    }
    if (a === 'predictions' && b && parts.length === 3 && method === 'GET') {
      const prediction = engine.get(b);
      if (!prediction) throw new HttpError(404, 'Not found', 'Not found.');
      return sendJson(res, 200, prediction);
    }
    if (a === 'predictions' && b && c === 'cancel' && parts.length === 4 && method === 'POST') {
      const prediction = engine.cancel(b);
      if (!prediction) throw new HttpError(404, 'Not found', 'Not found.');
      o.log(`cancel ${b}: ${prediction.status}`);
      return sendJson(res, 200, prediction);
    }
    if (method === 'GET' && path === '/v1/webhooks/default/secret') {
      return sendJson(res, 200, { key: o.secret });
    }
    throw new HttpError(404, 'Not found', `No route for ${method} ${path}`);
  }

  // Only official models run without a version; anything else is "not found" with a hint.
  function nonOfficial(owner: string, name: string): never {
    throw new HttpError(
      404,
      'Not found',
      `Model ${owner}/${name} is not an official model this emulator knows; create versioned models with POST /v1/predictions and "version"`,
    );
  }

  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      await route(req, res);
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
