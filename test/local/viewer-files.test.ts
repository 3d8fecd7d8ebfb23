// The run viewer's files on the API gateway's origin: what is served, with which headers, and
// what is not (other files, other methods, web pages from elsewhere).
import { request, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpGateway } from '../../local/http-gateway';
import { viewerFile } from '../../local/viewer-files';

let url: string;
let server: Server;
let apiCalls = 0;

beforeAll(async () => {
  const handler = async () => {
    apiCalls++;
    return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{}' };
  };
  ({ url, server } = await startHttpGateway({ api: handler, webhook: handler }));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('viewer files on the gateway', () => {
  it.each([
    ['/', 'text/html', '<title>longshot · run viewer</title>'],
    ['/viewer/app.js', 'text/javascript', 'mountRun'],
    ['/viewer/viewer.css', 'text/css', '.timeline'],
    ['/storyboard.schema.json', 'application/json', '"$schema"'],
  ])('GET %s → 200 %s, no framing, a CSP without inline scripts', async (path, type, text) => {
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain(type);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await response.text()).toContain(text);
  });

  it('serves the schema docs/storyboard.schema.json as committed', async () => {
    const served = await (await fetch(`${url}/storyboard.schema.json`)).text();
    expect(served).toBe(await readFile(new URL('../../docs/storyboard.schema.json', import.meta.url), 'utf8'));
  });

  it.each(['/viewer/../package.json', '/viewer/%2e%2e/package.json', '/viewer/app.ts', '/viewer/sub/app.js', '/viewer/.env.js', '/package.json', '/docs/design-notes.md'])(
    'GET %s → not a viewer file (the API answers 404)',
    async (path) => {
      expect(viewerFile(new URL(path, 'http://x').pathname)).toBeNull();
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(404);
    },
  );

  it('GET of a viewer name that has no file → 404', async () => {
    const before = apiCalls;
    const response = await fetch(`${url}/viewer/no-such-file.js`);
    expect(response.status).toBe(404);
    expect(apiCalls).toBe(before);
  });

  it('POST / → 405, nothing handled', async () => {
    const before = apiCalls;
    const response = await fetch(`${url}/`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(405);
    expect(apiCalls).toBe(before);
  });

  it.each<[Record<string, string>, string]>([
    [{ origin: 'https://evil.example' }, 'a page from elsewhere'],
    [{ host: 'evil.example' }, 'a rebound DNS name'],
  ])('refuses %o (%s) with 403, as the API does', async (headers) => {
    // node:http, not fetch: fetch does not let a caller set Host.
    const status = await new Promise<number>((resolve, reject) => {
      request(`${url}/`, { headers }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject).end();
    });
    expect(status).toBe(403);
  });
});
