// postToPublicUrl and the notification's signed headers: the caller's URL is POSTed only where the
// address rules allow (checked at lookup), redirects are answered as they are (never followed), and
// what arrives verifies with the standardwebhooks package. A plain http receiver on 127.0.0.1 stands
// in; the local rules (loopback allowed) let it through, the AWS rules do not.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchRefusedError, postToPublicUrl } from '../../functions/adapters/safe-fetch';
import { postNotification, signedHeaders, type NotifyConfig } from '../../functions/adapters/notify';
import { notifyAddressRefusal } from '../../functions/domain/notification';

const SECRET = `whsec_${Buffer.from('a test key of thirty-two bytes!!').toString('base64')}`;
const LOCAL: NotifyConfig = { allowLoopback: true, retryBaseMs: 0 };
const AWS: NotifyConfig = { allowLoopback: false, retryBaseMs: 0 };

let server: Server;
let base: string;
const seen: { path: string; method: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/moved') return res.writeHead(307, { location: 'http://169.254.169.254/latest' }).end();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('a signed notification', () => {
  it('arrives as a POST that verifies with standardwebhooks', async () => {
    const body = JSON.stringify({ type: 'run.succeeded', data: { runId: 'r' } });
    const answer = await postNotification(`${base}/hook?token=abc`, body, signedHeaders(SECRET, 'msg_1', body), LOCAL);
    expect(answer).toEqual({ status: 204 });
    const request = seen.find((s) => s.path === '/hook?token=abc')!;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>)).toEqual(JSON.parse(body));
  });

  it('fails verification once the body is changed', () => {
    const body = '{"a":1}';
    const headers = signedHeaders(SECRET, 'msg_2', body);
    expect(() => new Webhook(SECRET).verify('{"a":2}', headers)).toThrow();
  });

  it('keeps the same webhook-id on every attempt, with a fresh timestamp', () => {
    const first = signedHeaders(SECRET, 'msg_3', '{}', new Date('2026-11-27T12:00:00Z'));
    const later = signedHeaders(SECRET, 'msg_3', '{}', new Date('2026-11-27T12:00:10Z'));
    expect(later['webhook-id']).toBe(first['webhook-id']);
    expect(Number(later['webhook-timestamp']) - Number(first['webhook-timestamp'])).toBe(10);
  });
});

describe('postToPublicUrl', () => {
  it('answers a redirect with its status and does not follow it', async () => {
    const before = seen.length;
    expect(await postNotification(`${base}/moved`, '{}', {}, LOCAL)).toEqual({ status: 307 });
    expect(seen.length).toBe(before + 1);
  });

  it('refuses loopback under the AWS rules, before connecting', async () => {
    const before = seen.length;
    const https = base.replace('http:', 'https:');
    await expect(postNotification(`${https}/hook`, '{}', {}, AWS)).rejects.toThrow(/notify\.url: .* loopback/);
    expect(seen.length).toBe(before);
  });

  it('refuses plain http unless the scheme is allowed', async () => {
    await expect(postNotification(`${base}/hook`, '{}', {}, AWS)).rejects.toThrow(FetchRefusedError);
  });

  it.each([
    ['a private address', '10.0.0.8'],
    ['the metadata address', '169.254.169.254'],
  ])('refuses a name that resolves to %s, even with loopback allowed', async (_, address) => {
    const attempt = postToPublicUrl('http://hooks.example.test/x', '{}', {
      field: 'notify.url',
      timeoutMs: 2000,
      headers: {},
      schemes: ['http:'],
      refusal: notifyAddressRefusal(LOCAL),
      resolve: async () => [{ address, family: 4 }],
    });
    await expect(attempt).rejects.toThrow(new RegExp(`notify\\.url: .*resolves to ${address.replace(/\./g, '\\.')}`));
  });
});
