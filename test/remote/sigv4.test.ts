// The CLI's signer (node's hash) against the verifier (the SDK's hash), and the verifier against tampering.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../local/remote/sigv4';
import { REGION, TEST_CREDENTIALS, signatureProblem } from './fake-api';

describe('SigV4', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      res.end(String(await signatureProblem(req, body)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const signed = async (path: string, body: string) => {
    const url = new URL(path, base);
    const { host: _host, ...headers } = await signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
      { region: REGION, credentials: async () => TEST_CREDENTIALS },
    );
    return { url, headers };
  };
  const send = async (url: URL, headers: Record<string, string>, body: string) => (await fetch(url, { method: 'POST', headers, body })).text();

  it('a signed request verifies', async () => {
    const { url, headers } = await signed('/v1/runs?model=ltx-2-fast', '{"title":"x"}');
    expect(await send(url, headers, '{"title":"x"}')).toBe('null');
  });

  it.each([
    ['body', (u: URL) => u, '{"title":"y"}'],
    ['path', (u: URL) => new URL('/v1/runs/other', u), '{"title":"x"}'],
    ['query', (u: URL) => new URL('/v1/runs?model=ltx-2-pro', u), '{"title":"x"}'],
  ])('a request whose %s changed after signing is refused', async (_what, change, body) => {
    const { url, headers } = await signed('/v1/runs?model=ltx-2-fast', '{"title":"x"}');
    expect(await send(change(url), headers, body)).toBe('The request signature we calculated does not match the signature you provided.');
  });
});
