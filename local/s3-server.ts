// s3rver, made to keep the S3 semantics the workflow relies on (facts.md, "S3 locally"):
// - conditional writes: PutObject with If-None-Match: * (create only) or If-Match: <etag>
//   (compare-and-swap) answers 412 PreconditionFailed when the condition fails, as S3 does;
// - writes to one key are serialised and atomic (temp file + rename), so readers never see half
//   an object and two writers never interleave;
// - ListObjectsV2 with a delimiter lists common prefixes that hold only sub-prefixes (s3rver
//   skips them, so `aws s3 ls s3://bucket/` showed no runs/), sorted, paginated by token.
import { randomBytes, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import { browserRefusal } from './loopback-only';

interface StoredObject {
  key: string;
  metadata: Record<string, string>;
}

/** The slice of s3rver's FilesystemStore used here. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  listObjects(bucket: string, options: { prefix?: string; maxKeys?: number }): Promise<{ objects: StoredObject[] }>;
  putObject(object: { bucket: string; key: string; metadata: Record<string, string>; content: Buffer | NodeJS.ReadableStream }): Promise<{ size: number; md5: string }>;
}

/** Koa's context, as far as these middlewares use it. */
interface Context {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  get(header: string): string;
  status: number;
  type: string;
  body: unknown;
  set(header: string, value: string): void;
}
type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void>;

export interface S3ServerOptions {
  port: number;
  directory: string;
  bucket: string;
}

export interface S3Server {
  endpoint: string;
  /** s3rver emits 'event' for object-created/removed (the local inbox trigger listens). */
  events: S3rver;
  close(): Promise<void>;
}

const xmlEscape = (text: string) =>
  text.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
}

/** Path-style /bucket/key (the SDK's forcePathStyle and the AWS CLI on an IP endpoint). */
function objectTarget(path: string): { bucket: string; key: string } | null {
  const match = /^\/([^/]+)\/(.+)$/.exec(path);
  return match ? { bucket: match[1], key: decodeURIComponent(match[2]) } : null;
}

/** One promise chain per key: writes (and the condition checks before them) never interleave. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

async function currentEtag(store: FilesystemStore, bucket: string, key: string): Promise<string | null> {
  try {
    return (await store.getMetadata(bucket, key)).etag ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/"/g, '');

/** The failed condition's S3 error, or null when the write may go ahead. */
function failedCondition(ctx: Context, etag: string | null): { status: number; code: string; message: string } | null {
  const ifNoneMatch = ctx.get('if-none-match');
  const ifMatch = ctx.get('if-match');
  if (ifNoneMatch && ifNoneMatch.trim() !== '*') {
    return { status: 501, code: 'NotImplemented', message: 'If-None-Match on PUT supports only *' };
  }
  if (ifNoneMatch && etag !== null) {
    return { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' };
  }
  if (ifMatch && etag === null) return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
  if (ifMatch && ifMatch.trim() !== '*' && unquote(ifMatch) !== unquote(etag!)) {
    return { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' };
  }
  return null;
}

function conditionalWrites(store: FilesystemStore): Middleware {
  const locks = new KeyLocks();
  return async (ctx, next) => {
    const target = objectTarget(ctx.path);
    const write = ctx.method === 'PUT' || ctx.method === 'DELETE' || (ctx.method === 'POST' && ctx.query.uploadId !== undefined);
    // s3rver writes an object's data, md5 and metadata.json as separate files (metadata in place):
    // a read between them saw a half-written metadata.json (500) or a mismatched length. Reads take
    // the key's turn too, so they see an object before or after a write, never during it.
    const read = ctx.method === 'GET' || ctx.method === 'HEAD';
    // Parts of a multipart upload and tag updates are not the object itself.
    if (!target || !(write || read) || ctx.query.partNumber !== undefined || ctx.query.tagging !== undefined) return next();
    if (read) return locks.run(`${target.bucket}/${target.key}`, next);
    await locks.run(`${target.bucket}/${target.key}`, async () => {
      const conditional = ctx.get('if-none-match') || ctx.get('if-match');
      const failed = conditional ? failedCondition(ctx, await currentEtag(store, target.bucket, target.key)) : null;
      if (!failed) return next();
      ctx.status = failed.status;
      ctx.type = 'application/xml';
      ctx.body = s3ErrorXml(failed.code, failed.message);
    });
  };
}

/** Replaces s3rver's in-place write with temp file + rename: a reader sees the old or the new object. */
function atomicPutObject(store: FilesystemStore): FilesystemStore['putObject'] {
  return async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    const temp = `${objectPath}.${randomBytes(6).toString('hex')}.tmp`;
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      const source = Buffer.isBuffer(object.content) ? [object.content] : object.content;
      await pipeline(source as AsyncIterable<Buffer>, count, createWriteStream(temp));
      await rename(temp, objectPath);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** S3's list encoding (encoding-type=url): percent-encoded, slashes kept. */
const urlEncodeKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/');

function listObjectsV2(store: FilesystemStore, bucket: string): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path.replace(/\/$/, '') !== `/${bucket}` || ctx.query['list-type'] !== '2') return next();
    const prefix = ctx.query.prefix ?? '';
    const delimiter = ctx.query.delimiter ?? '';
    const maxKeys = Math.min(1000, Math.max(0, Number(ctx.query['max-keys'] ?? 1000)));
    const token = ctx.query['continuation-token'];
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (ctx.query['start-after'] ?? '');
    const { objects } = await store.listObjects(bucket, { prefix, maxKeys: Infinity });

    type Entry = { key: string; prefix: boolean; object?: StoredObject };
    const entries = new Map<string, Entry>();
    for (const object of objects) {
      const rest = object.key.slice(prefix.length);
      const cut = delimiter ? rest.indexOf(delimiter) : -1;
      const entry: Entry = cut === -1 ? { key: object.key, prefix: false, object } : { key: prefix + rest.slice(0, cut + delimiter.length), prefix: true };
      entries.set(entry.key, entry);
    }
    const sorted = [...entries.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      // After a common prefix, nothing under it comes again.
      .filter((e) => e.key > after && !(after.endsWith(delimiter) && delimiter && e.key.startsWith(after)));
    const page = sorted.slice(0, maxKeys);
    const truncated = sorted.length > page.length;
    const encode = ctx.query['encoding-type'] === 'url' ? urlEncodeKey : (key: string) => key;
    const tag = (name: string, value: string | number) => `<${name}>${xmlEscape(String(value))}</${name}>`;
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
      tag('Name', bucket),
      tag('Prefix', encode(prefix)),
      delimiter ? tag('Delimiter', encode(delimiter)) : '',
      tag('MaxKeys', maxKeys),
      tag('KeyCount', page.length),
      tag('IsTruncated', String(truncated)),
      ctx.query['encoding-type'] === 'url' ? tag('EncodingType', 'url') : '',
      token ? tag('ContinuationToken', token) : '',
      truncated ? tag('NextContinuationToken', Buffer.from(page[page.length - 1].key).toString('base64url')) : '',
      ...page.map((e) =>
        e.prefix
          ? `<CommonPrefixes>${tag('Prefix', encode(e.key))}</CommonPrefixes>`
          : `<Contents>${tag('Key', encode(e.key))}${tag('LastModified', new Date(e.object!.metadata['last-modified']).toISOString())}${tag('ETag', e.object!.metadata.etag)}${tag('Size', Number(e.object!.metadata['content-length']))}${tag('StorageClass', 'STANDARD')}</Contents>`,
      ),
      '</ListBucketResult>',
    ].join('');
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = body;
  };
}

/** Starts s3rver on loopback with the bucket configured and the fixes above in front of it. */
/**
 * s3rver takes unsigned browser-form uploads (POST multipart/form-data, no CORS preflight): a web
 * page could drop a storyboard into inbox/ and start a run. Only this machine's tools get in.
 */
function loopbackOnly(): Middleware {
  return async (ctx, next) => {
    const refusal = browserRefusal({ origin: ctx.get('origin') || undefined, host: ctx.get('host') || undefined });
    if (!refusal) return next();
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = s3ErrorXml('AccessDenied', refusal);
  };
}

export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory: options.directory,
    allowMismatchedSignatures: true,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });
  const internals = server as unknown as { store: FilesystemStore; middleware: Middleware[]; httpServer?: { closeAllConnections?: () => void } };
  internals.store.putObject = atomicPutObject(internals.store);
  // Koa composes its middleware when the server starts listening: these run before s3rver's own.
  internals.middleware.unshift(loopbackOnly(), conditionalWrites(internals.store), listObjectsV2(internals.store, options.bucket));
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events: server,
    async close() {
      // Keep-alive sockets from the SDK would hold close() open for seconds.
      internals.httpServer?.closeAllConnections?.();
      await server.close();
    },
  };
}
