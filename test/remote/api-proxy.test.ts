// `longshot dev --api`: API routes forwarded to the deployed API, signed by the local server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../local/remote/api-client';
import { startApiProxy } from '../../local/remote/api-proxy';
import { serveViewer } from '../../local/viewer-files';
import { apiTarget } from '../../local/remote/target';
import { RUN_ID, TEST_CREDENTIALS, startFakeApi, type FakeApi } from './fake-api';

describe('api proxy', () => {
  let api: FakeApi;
  let proxy: Awaited<ReturnType<typeof startApiProxy>>;
  beforeAll(async () => {
    api = await startFakeApi();
    const client = new ApiClient(apiTarget(api.apiUrl, 'us-east-1'), { credentials: async () => TEST_CREDENTIALS });
    proxy = await startApiProxy(client, 0, serveViewer);
  });
  afterAll(async () => {
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy.server.close(resolve));
    await api.close();
  });

  it('forwards GET /runs/{id} signed, and answers with what the API said', async () => {
    const response = await fetch(`${proxy.url}/runs/${RUN_ID}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ runId: RUN_ID, status: 'running' });
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v1/runs/${RUN_ID}`, verified: true });
  });

  it('forwards a POST body untouched (the signature covers it)', async () => {
    const response = await fetch(`${proxy.url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ storyboard: { title: 'invalid' } }) });
    expect([response.status, await response.json()]).toEqual([400, { error: 'InvalidStoryboard', problems: ['scenes: required'] }]);
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', verified: true });
  });

  it('refuses a web page of another origin and forwards nothing', async () => {
    const before = api.requests.length;
    const response = await fetch(`${proxy.url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' });
    expect(response.status).toBe(403);
    expect(api.requests.length).toBe(before);
  });

  it('does not forward other paths', async () => {
    const before = api.requests.length;
    expect((await fetch(`${proxy.url}/webhooks/replicate`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(api.requests.length).toBe(before);
  });

  it('serves the run viewer beside the API it forwards (dev --stack shows AWS runs in the same page)', async () => {
    const before = api.requests.length;
    const page = await fetch(`${proxy.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect((await fetch(`${proxy.url}/storyboard.schema.json`)).status).toBe(200);
    expect(api.requests.length).toBe(before);
  });
});
