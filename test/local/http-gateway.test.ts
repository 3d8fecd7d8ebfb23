// The local API Gateway stand-in: what it refuses before any handler runs (web pages, oversized
// bodies), and that a refused client still reads the answer instead of a reset connection.
import { request } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, startHttpGateway } from '../../local/http-gateway';

let url: string;
let server: Server;
let calls = 0;

beforeAll(async () => {
  const handler = async (event: { body: string | null }) => {
    calls++;
    return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ bytes: event.body?.length ?? 0 }) };
  };
  ({ url, server } = await startHttpGateway({ api: handler, webhook: handler }));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  calls = 0;
});

/** A raw request, so tests can set Host and stream a body without a length. */
function rawPost(path: string, headers: Record<string, string>, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    const write = (i: number) => {
      if (i === chunks.length) return req.end();
      if (req.write(chunks[i])) write(i + 1);
      else req.once('drain', () => write(i + 1));
    };
    write(0);
  });
}

describe('local gateway: bodies over 6 MB', () => {
  it('answers 413 (not a reset) to a body with a Content-Length over the limit', async () => {
    const response = await fetch(`${url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(MAX_BODY_BYTES + 1) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'PayloadTooLarge', message: 'the request body is 7 MB; the limit is 6 MB' });
    expect(calls).toBe(0);
  });

  it('answers 413 to a streamed (chunked) body once it passes the limit', async () => {
    const chunks = Array.from({ length: 7 }, () => Buffer.alloc(1024 * 1024, 0x20));
    const response = await rawPost('/runs', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunks);
    expect(response.status).toBe(413);
    expect(calls).toBe(0);
  });

  it('passes a body of exactly 6 MB to the handler', async () => {
    const response = await fetch(`${url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(MAX_BODY_BYTES) });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ bytes: MAX_BODY_BYTES });
  });

  it('answers an unknown route carrying a big body without resetting the connection', async () => {
    const response = await fetch(`${url}/elsewhere`, { method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES + 1) });
    expect(response.status).toBe(404);
  });
});

describe('local gateway: web pages cannot use it', () => {
  it.each(['https://attacker.example', 'http://localhost.attacker.example', 'http://192.168.1.20:8080', 'null', 'not a url'])(
    'refuses Origin %s with 403 before any handler runs',
    async (origin) => {
      const response = await fetch(`${url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: '{}' });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: string }).error).toBe('Forbidden');
      expect(calls).toBe(0);
    },
  );

  it.each(['http://localhost:3000', 'http://127.0.0.1:5173', 'http://[::1]:8080', 'http://app.localhost:3000'])('lets Origin %s through', async (origin) => {
    const response = await fetch(`${url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: '{}' });
    expect(response.status).toBe(202);
  });

  it('refuses a Host that is not loopback (a page that rebound its own name to 127.0.0.1)', async () => {
    const response = await rawPost('/runs', { 'content-type': 'application/json', host: 'attacker.example:8787' }, [Buffer.from('{}')]);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).message).toMatch(/^Host "attacker\.example:8787" is not this machine's loopback address/);
    expect(calls).toBe(0);
  });
});
