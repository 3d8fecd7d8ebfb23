// Downloads over HTTP(S) into a file, streamed and capped.
// fetchPublicFile is for URLs a user gave us (a storyboard's anchor.image): https only, no
// redirects, and the address checked is the one the socket connects to (a lookup hook on the
// request), so a DNS answer cannot change between the check and the connect.
// downloadOutput is for Replicate's output URLs, which come from Replicate's API (or the local
// emulator on loopback), never from a caller.
import { createWriteStream } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { request as plainRequest, type IncomingMessage } from 'node:http';
import { lookup as systemLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { OutputInvalidError } from '../domain/errors';
import { addressRefusal } from '../domain/public-address';

export type ResolveHost = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface PublicFetchOptions {
  /** Names the input in every message, e.g. "anchor.image". */
  field: string;
  maxBytes: number;
  /** For the whole fetch: DNS, connect, TLS, headers and body. */
  timeoutMs: number;
  /** Accepted media types, e.g. ["image/png"]. */
  contentTypes: readonly string[];
  /** DNS resolution; default: the system resolver (all addresses). */
  resolve?: ResolveHost;
  /** Why an address is refused, or null; default: anything but public unicast is refused. */
  refusal?: (address: string) => string | null;
  /** Extra CA certificates to trust (a private CA). */
  ca?: string | Buffer;
}

/** A user's URL that was not fetched, or not completely; the message names the field and the reason. */
export class FetchRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchRefusedError';
  }
}

const systemResolve: ResolveHost = (hostname) => systemLookup(hostname, { all: true, verbatim: true });

/** The URL as it may appear in a message: no credentials, no query (presigned URLs carry signatures). */
export function describeUrl(url: URL): string {
  const path = url.pathname.length > 80 ? `${url.pathname.slice(0, 80)}…` : url.pathname;
  return `${url.protocol}//${url.host}${path}${url.search ? '?…' : ''}`;
}

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Refuses, via the lookup callback, a host that resolves to any refused address: the socket then
 * never connects. `all` lookups (Node's happy eyeballs) get every address, others the first.
 */
function guardedLookup(resolve: ResolveHost, refusal: (address: string) => string | null, refuse: (why: string) => Error): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = typeof options.family === 'number' ? options.family : 0;
        const addresses = found.filter((a) => !family || a.family === family);
        const refused = found.map((a) => ({ a, why: refusal(a.address) })).find((r) => r.why);
        if (refused) return callback(refuse(`resolves to ${refused.a.address}, ${refused.why}; only public addresses are fetched`), '', 0);
        if (!addresses.length) return callback(refuse(`has no address (DNS found none for ${hostname})`), '', 0);
        if (options.all) return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(refuse(`could not be resolved (${error.code ?? error.message})`), '', 0),
    );
  };
}

function get(
  options: RequestOptions,
  signal: AbortSignal,
  checkSocket: (address: string | undefined) => Error | null,
  body?: { data: string; plain: boolean },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (body?.plain ? plainRequest : request)({ ...options, signal }, resolve);
    req.on('error', reject);
    // Belt and braces: the address the socket really connected to passes the same check.
    req.on('socket', (socket) =>
      socket.once('connect', () => {
        const error = checkSocket(socket.remoteAddress);
        if (error) req.destroy(error);
      }),
    );
    req.end(body?.data);
  });
}

function mediaType(response: IncomingMessage): string {
  return (response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** Counts bytes while they stream (`seen`) and fails as soon as there are too many. */
function byteCap(maxBytes: number, tooBig: () => Error): Transform & { seen: number } {
  const cap = Object.assign(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        cap.seen += chunk.length;
        done(cap.seen > maxBytes ? tooBig() : null, chunk);
      },
    }),
    { seen: 0 },
  );
  return cap;
}

function checkedResponse(response: IncomingMessage, url: URL, options: PublicFetchOptions, refuse: (why: string) => FetchRefusedError): void {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    const location = response.headers.location;
    const target = location && URL.canParse(location, url.href) ? describeUrl(new URL(location, url)) : 'elsewhere';
    throw refuse(`redirects (HTTP ${status}) to ${target}; redirects are not followed, give the final https:// URL`);
  }
  if (status !== 200) throw refuse(`answered HTTP ${status}; expected 200 with the image`);
  const type = mediaType(response);
  if (!options.contentTypes.includes(type)) {
    throw refuse(`is ${type ? `of type ${type}` : 'of no declared type'}; only ${options.contentTypes.join(', ')} are accepted`);
  }
  const length = Number(response.headers['content-length']);
  if (length > options.maxBytes) throw refuse(`is ${megabytes(length)}; the limit is ${megabytes(options.maxBytes)}`);
}

/**
 * Fetches a user-supplied https:// URL into `file`, refusing anything that is not a public
 * address, redirects, other media types, more than maxBytes and more than timeoutMs. Every
 * failure is a FetchRefusedError whose message starts with `options.field`.
 */
export async function fetchPublicFile(url: string, file: string, options: PublicFetchOptions): Promise<{ bytes: number; contentType: string }> {
  const { target, hostname, refuse } = checkedUrl(url, options);
  const refusal = options.refusal ?? addressRefusal;
  const socketRefusal = (address: string | undefined) => {
    const why = address ? refusal(address) : 'an unknown address';
    return why ? refuse(`connected to ${address}, ${why}; only public addresses are fetched`) : null;
  };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const cap = byteCap(options.maxBytes, () => refuse(`is larger than ${megabytes(options.maxBytes)}, the limit`));
  try {
    const response = await get(
      {
        hostname,
        port: target.port || 443,
        path: `${target.pathname}${target.search}`,
        method: 'GET',
        headers: { accept: options.contentTypes.join(', '), 'user-agent': 'longshot-anchor-fetch' },
        agent: false, // a fresh connection (and lookup) per fetch: nothing reused from an earlier answer
        lookup: guardedLookup(options.resolve ?? systemResolve, refusal, refuse),
        ...(options.ca && { ca: options.ca }),
      },
      controller.signal,
      socketRefusal,
    );
    try {
      checkedResponse(response, target, options, refuse);
    } catch (error) {
      response.destroy();
      throw error;
    }
    await pipeline(response, cap, createWriteStream(file));
    return { bytes: cap.seen, contentType: mediaType(response) };
  } catch (error) {
    if (error instanceof FetchRefusedError) throw error;
    if (controller.signal.aborted) throw refuse(`took longer than ${options.timeoutMs / 1000} s, the limit (${megabytes(cap.seen)} received)`);
    // Codes only: fs and TLS messages can name files and hosts we do not want in a failure cause.
    throw refuse(`could not be fetched (${(error as NodeJS.ErrnoException).code ?? (error as Error).name})`);
  } finally {
    clearTimeout(timer);
  }
}

/** The URL if it may be fetched at all: https, no credentials, not an IP literal we refuse. */
function checkedUrl(
  url: string,
  options: Pick<PublicFetchOptions, 'field' | 'refusal'>,
  schemes: readonly string[] = ['https:'],
): { target: URL; hostname: string; refuse: (why: string) => FetchRefusedError } {
  if (!URL.canParse(url)) throw new FetchRefusedError(`${options.field}: ${JSON.stringify(url.length > 100 ? `${url.slice(0, 100)}…` : url)} is not a URL`);
  const target = new URL(url);
  const refuse = (why: string) => new FetchRefusedError(`${options.field}: ${describeUrl(target)} ${why}`);
  if (!schemes.includes(target.protocol)) throw refuse('is not https://; only https:// URLs are fetched');
  if (target.username || target.password) throw refuse('carries a user name or password; put access in a presigned URL instead');
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  const why = isIP(hostname) ? (options.refusal ?? addressRefusal)(hostname) : null;
  if (why) throw refuse(`is ${hostname}, ${why}; only public addresses are fetched`);
  return { target, hostname, refuse };
}

export interface PublicPostOptions {
  /** Names the target in every message, e.g. "notify.url". */
  field: string;
  timeoutMs: number;
  headers: Record<string, string>;
  resolve?: ResolveHost;
  refusal?: (address: string) => string | null;
  /** Default https: only; the local stack's loopback receiver is plain http. */
  schemes?: readonly string[];
  ca?: string | Buffer;
}

/**
 * POSTs `body` to a user-supplied URL with the same guards as fetchPublicFile (address checked at
 * lookup and on the socket, no redirects followed, a deadline). Resolves with the answer's status;
 * the answer's body is discarded. A refused address or a URL that is not allowed throws
 * FetchRefusedError; a network failure or timeout rejects with its code (callers retry those).
 */
export async function postToPublicUrl(url: string, body: string, options: PublicPostOptions): Promise<{ status: number }> {
  const { target, hostname, refuse } = checkedUrl(url, options, options.schemes);
  const refusal = options.refusal ?? addressRefusal;
  const socketRefusal = (address: string | undefined) => {
    const why = address ? refusal(address) : 'an unknown address';
    return why ? refuse(`connected to ${address}, ${why}; only public addresses are notified`) : null;
  };
  const plain = target.protocol === 'http:';
  const signal = AbortSignal.timeout(options.timeoutMs);
  const response = await get(
    {
      hostname,
      port: target.port || (plain ? 80 : 443),
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: false,
      lookup: guardedLookup(options.resolve ?? systemResolve, refusal, refuse),
      ...(options.ca && { ca: options.ca }),
    },
    signal,
    socketRefusal,
    { data: body, plain },
  );
  response.resume(); // the answer's body is not needed: drain it so the socket closes
  return { status: response.statusCode ?? 0 };
}

/**
 * Streams a prediction's output URL into `file` (never the whole video in memory), with a size
 * and time cap. Failures are OutputInvalidError naming `what`: the scene is generated again.
 */
export async function downloadOutput(url: string, file: string, what: string, limits: { maxBytes: number; timeoutMs: number }): Promise<void> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const response = await fetch(url, { redirect: 'follow', signal });
    if (!response.ok || !response.body) {
      throw new OutputInvalidError(`${what}: downloading the output failed with HTTP ${response.status}`);
    }
    const tooBig = () => new OutputInvalidError(`${what}: the output is larger than ${megabytes(limits.maxBytes)}, the limit`);
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), byteCap(limits.maxBytes, tooBig), createWriteStream(file));
  } catch (error) {
    if (error instanceof OutputInvalidError) throw error;
    if (signal.aborted) throw new OutputInvalidError(`${what}: downloading the output took longer than ${limits.timeoutMs / 1000} s`);
    const failure = error as NodeJS.ErrnoException & { cause?: { code?: string } };
    const reason = failure.cause?.code ?? failure.code ?? failure.name;
    throw new OutputInvalidError(`${what}: downloading the output failed (${reason})`);
  }
}
