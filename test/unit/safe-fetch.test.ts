// fetchPublicFile: a user's https:// URL is fetched only from public addresses — checked on the
// address the socket connects to — without redirects, and within size, time and type caps.
// The tests stand a TLS server on 127.0.0.1 and tell the adapter (by parameter) to treat that one
// address as public; every other address keeps the production policy.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FetchRefusedError, downloadOutput, fetchPublicFile, type PublicFetchOptions, type ResolveHost } from '../../functions/adapters/safe-fetch';
import { OutputInvalidError } from '../../functions/domain/errors';
import { addressRefusal } from '../../functions/domain/public-address';
import { TEST_HOSTNAME, makeTestCertificate } from './test-tls';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)]);
const MB = 1024 * 1024;

let dir: string;
let ca: string;
let server: HttpsServer;
let port: number;
let connections = 0;
let internal: TcpServer;
let internalPort: number;
let internalConnections = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-safe-fetch-'));
  const tls = await makeTestCertificate();
  ca = tls.cert;
  server = createHttpsServer(tls, (req, res) => {
    const route = new URL(req.url ?? '/', 'https://x').pathname;
    if (route === '/image.png') return res.writeHead(200, { 'content-type': 'image/png; charset=binary', 'content-length': PNG.length }).end(PNG);
    if (route === '/declared-huge') return res.writeHead(200, { 'content-type': 'image/png', 'content-length': 30 * MB }).end();
    if (route === '/streamed-huge') {
      res.writeHead(200, { 'content-type': 'image/jpeg' }); // chunked: no length to check up front
      const chunk = Buffer.alloc(MB, 1);
      let sent = 0;
      const more = () => {
        while (sent < 25 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
    if (route === '/page.html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    if (route === '/untyped') return res.writeHead(200).end(PNG);
    if (route === '/stalls') return res.writeHead(200, { 'content-type': 'image/png' }).write(PNG.subarray(0, 10)); // never ends
    if (route === '/redirect') return res.writeHead(302, { location: `http://127.0.0.1:${internalPort}/latest/meta-data/?token=abc` }).end();
    return res.writeHead(404).end();
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  // Stands for anything inside the network: it must never see a connection.
  internal = createTcpServer((socket) => socket.destroy());
  internal.on('connection', () => internalConnections++);
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
  internalPort = (internal.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => internal?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  connections = 0;
  internalConnections = 0;
});

/** The test server's address counts as public; every other address is judged as in production. */
const testPolicy = (address: string) => (address === '127.0.0.1' ? null : addressRefusal(address));
const resolveTo = (...answers: string[][]): ResolveHost & { calls: number } => {
  const resolve = Object.assign(
    async (_hostname: string) => {
      const answer = answers[Math.min(resolve.calls, answers.length - 1)];
      resolve.calls++;
      return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    { calls: 0 },
  );
  return resolve;
};

let n = 0;
const target = () => join(dir, `file-${++n}`);
const options = (extra: Partial<PublicFetchOptions> = {}): PublicFetchOptions => ({
  field: 'anchor.image',
  maxBytes: 20 * MB,
  timeoutMs: 5_000,
  contentTypes: ['image/png', 'image/jpeg', 'image/webp'],
  ca,
  ...extra,
});
const testHost = (path: string) => `https://${TEST_HOSTNAME}:${port}${path}`;

async function refusal(url: string, extra: Partial<PublicFetchOptions> = {}): Promise<string> {
  const error = await fetchPublicFile(url, target(), options(extra)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `${url} should have been refused`).toBeInstanceOf(FetchRefusedError);
  return (error as Error).message;
}

describe('fetchPublicFile: what it fetches', () => {
  it('streams an image from a public address into the file', async () => {
    const file = target();
    const result = await fetchPublicFile(testHost('/image.png'), file, options({ resolve: resolveTo(['127.0.0.1']), refusal: testPolicy }));
    expect(result).toEqual({ bytes: PNG.length, contentType: 'image/png' });
    expect(await readFile(file)).toEqual(PNG);
    expect(connections).toBe(1);
  });
});

describe('fetchPublicFile: addresses', () => {
  it.each([
    ['https://127.0.0.1:{port}/image.png', 'is 127.0.0.1, a loopback address; only public addresses are fetched'],
    ['https://[::ffff:127.0.0.1]:{port}/image.png', 'is ::ffff:7f00:1, an IPv4-mapped IPv6 address'],
    ['https://169.254.169.254/latest/meta-data/iam/x.png', 'is 169.254.169.254, the cloud metadata address'],
    ['https://[fd00:ec2::254]/latest/x.png', 'is fd00:ec2::254, the cloud metadata address'],
    ['https://0.0.0.0:{port}/x.png', 'an unspecified address'],
  ])('refuses the literal %s without connecting', async (url, why) => {
    const message = await refusal(url.replace('{port}', String(port)));
    expect(message).toMatch(/^anchor\.image: https:\/\//);
    expect(message).toContain(why);
    expect(connections).toBe(0);
  });

  it.each([
    [['10.0.0.5'], 'resolves to 10.0.0.5, a private address'],
    [['127.0.0.2'], 'resolves to 127.0.0.2, a loopback address'],
    [['169.254.169.254'], 'resolves to 169.254.169.254, the cloud metadata address'],
    [['fd00:ec2::254'], 'resolves to fd00:ec2::254, the cloud metadata address'],
    [['100.64.1.1'], 'resolves to 100.64.1.1, a carrier-grade NAT (shared) address'],
    [['224.0.0.251'], 'resolves to 224.0.0.251, a multicast address'],
    [['::ffff:10.0.0.5'], 'resolves to ::ffff:10.0.0.5, an IPv4-mapped IPv6 address'],
    [['127.0.0.1', '10.0.0.5'], 'resolves to 10.0.0.5, a private address'],
  ])('refuses a name that resolves to %j (%s), without connecting', async (answer, why) => {
    const message = await refusal(testHost('/image.png'), { resolve: resolveTo(answer), refusal: testPolicy });
    expect(message).toBe(`anchor.image: https://${TEST_HOSTNAME}:${port}/image.png ${why}; only public addresses are fetched`);
    expect(connections).toBe(0);
  });

  it('checks the address of every connection, so a DNS answer that changes (rebinding) is caught', async () => {
    const resolve = resolveTo(['127.0.0.1'], ['10.0.0.5']);
    await fetchPublicFile(testHost('/image.png'), target(), options({ resolve, refusal: testPolicy }));
    const message = await refusal(testHost('/image.png'), { resolve, refusal: testPolicy });
    expect(message).toContain('resolves to 10.0.0.5, a private address');
    // One lookup per connection: the address checked is the address connected to.
    expect(resolve.calls).toBe(2);
    expect(connections).toBe(1);
  });

  it('says so when the name does not resolve', async () => {
    const resolve: ResolveHost = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await refusal(testHost('/image.png'), { resolve, refusal: testPolicy })).toContain('could not be resolved (ENOTFOUND)');
  });
});

describe('fetchPublicFile: responses', () => {
  const fromTestServer = () => ({ resolve: resolveTo(['127.0.0.1']), refusal: testPolicy });

  it('does not follow a redirect to an internal http:// listener', async () => {
    const message = await refusal(testHost('/redirect'), fromTestServer());
    expect(message).toBe(
      `anchor.image: https://${TEST_HOSTNAME}:${port}/redirect redirects (HTTP 302) to http://127.0.0.1:${internalPort}/latest/meta-data/?…; redirects are not followed, give the final https:// URL`,
    );
    expect(internalConnections).toBe(0);
  });

  it.each([
    ['/page.html', 'is of type text/html; only image/png, image/jpeg, image/webp are accepted'],
    ['/untyped', 'is of no declared type; only image/png, image/jpeg, image/webp are accepted'],
    ['/missing.png', 'answered HTTP 404; expected 200 with the image'],
    ['/declared-huge', 'is 30 MB; the limit is 20 MB'],
    ['/streamed-huge', 'is larger than 20 MB, the limit'],
  ])('refuses %s: %s', async (path, why) => {
    expect(await refusal(testHost(path), fromTestServer())).toBe(`anchor.image: https://${TEST_HOSTNAME}:${port}${path} ${why}`);
  });

  it('stops a download that takes too long', async () => {
    const started = Date.now();
    const message = await refusal(testHost('/stalls'), { ...fromTestServer(), timeoutMs: 300 });
    expect(message).toMatch(/ took longer than 0\.3 s, the limit \(/);
    expect(Date.now() - started).toBeLessThan(3_000);
  }, 10_000);

  it('counts bytes while streaming: an oversized body stops near the limit, not at its end', async () => {
    const file = target();
    await fetchPublicFile(testHost('/streamed-huge'), file, options({ ...fromTestServer(), maxBytes: 2 * MB })).catch(() => undefined);
    const written = await stat(file).then((s) => s.size, () => 0);
    expect(written).toBeLessThanOrEqual(2 * MB);
  });
});

describe('fetchPublicFile: URLs', () => {
  it.each([
    ['http://example.com/a.png', 'is not https://; only https:// URLs are fetched'],
    ['https://user:secret@example.com/a.png', 'carries a user name or password'],
  ])('refuses %s', async (url, why) => {
    const message = await refusal(url);
    expect(message).toContain(why);
    expect(message).not.toContain('secret');
  });

  it('never repeats a query string (presigned URLs carry signatures) in its messages', async () => {
    const message = await refusal(`https://10.1.2.3/a.png?X-Amz-Signature=${'f'.repeat(64)}`);
    expect(message).toBe('anchor.image: https://10.1.2.3/a.png?… is 10.1.2.3, a private address; only public addresses are fetched');
  });
});

describe('downloadOutput: Replicate outputs, capped too', () => {
  let outputs: import('node:http').Server;
  let base: string;
  beforeAll(async () => {
    const { createServer } = await import('node:http');
    outputs = createServer((req, res) => {
      if (req.url === '/clip.mp4') return res.writeHead(200, { 'content-type': 'video/mp4' }).end(PNG);
      if (req.url === '/big.mp4') return res.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.alloc(3 * MB));
      if (req.url === '/stalls.mp4') return res.writeHead(200, { 'content-type': 'video/mp4' }).write('x');
      return res.writeHead(410).end();
    });
    await new Promise<void>((resolve) => outputs.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(outputs.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    outputs?.closeAllConnections();
    await new Promise((resolve) => outputs?.close(resolve));
  });
  const limits = { maxBytes: 2 * MB, timeoutMs: 5_000 };

  it('streams the output into the file', async () => {
    const file = target();
    await downloadOutput(`${base}/clip.mp4`, file, 'scene-1', limits);
    expect(await readFile(file)).toEqual(PNG);
  });

  it.each([
    ['/gone.mp4', limits, 'scene-1: downloading the output failed with HTTP 410'],
    ['/big.mp4', limits, 'scene-1: the output is larger than 2 MB, the limit'],
    ['/stalls.mp4', { ...limits, timeoutMs: 300 }, 'scene-1: downloading the output took longer than 0.3 s'],
  ])('%s fails as OutputInvalidError: %s', async (path, caps, message) => {
    const error = await downloadOutput(`${base}${path}`, target(), 'scene-1', caps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputInvalidError);
    expect((error as Error).message).toBe(message);
  }, 10_000);
});
