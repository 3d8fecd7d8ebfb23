// The local stack answers this machine's tools, never a web page the developer happens to have
// open: not through the API gateway (see http-gateway.test.ts) and not through the local S3,
// which would otherwise take an unsigned browser-form upload into inbox/ and start a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { browserRefusal } from '../../local/loopback-only';
import { exists } from '../../functions/adapters/s3';

describe('browserRefusal', () => {
  it.each([
    [{ host: '127.0.0.1:8787' }],
    [{ host: 'localhost:8787' }],
    [{ host: '[::1]:8787' }],
    [{}],
    [{ host: '127.0.0.1:8787', origin: 'http://127.0.0.1:8787' }],
    [{ host: '127.0.0.1:8787', origin: 'http://app.localhost:3000' }],
  ])('lets %j through', (headers) => {
    expect(browserRefusal(headers)).toBeNull();
  });

  it.each([
    [{ host: 'evil.example' }, /^Host "evil\.example" is not this machine's loopback address/],
    [{ host: '192.168.1.20:8787' }, /^Host/],
    [{ host: '127.0.0.1:8787', origin: 'https://evil.example' }, /^requests from the web page at "https:\/\/evil\.example" are refused/],
    [{ host: '127.0.0.1:8787', origin: 'null' }, /^requests from the web page at "null"/],
    [{ host: '127.0.0.1:8787', origin: 'http://localhost.evil.example' }, /^requests from the web page/],
  ])('refuses %j', (headers, refusal) => {
    expect(browserRefusal(headers)).toMatch(refusal);
  });
});

describe('the local S3 and a web page', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ watchInbox: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** What an HTML <form method=post enctype=multipart/form-data> on any site can send. */
  function formUpload(key: string, headers: Record<string, string>) {
    const form = new FormData();
    form.append('key', key);
    form.append('file', new Blob([JSON.stringify({ title: 'From a web page', scenes: [{ prompt: 'p' }] })]), 'board.json');
    return fetch(`${stack.s3Endpoint}/${stack.bucket}`, { method: 'POST', body: form, headers });
  }

  it('refuses a browser-form upload into inbox/ from another origin: nothing is stored, nothing starts', async () => {
    const response = await formUpload('inbox/from-a-web-page.json', { origin: 'https://attacker.example' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
    expect(await exists(stack.config, 'inbox/from-a-web-page.json')).toBe(false);
    expect(stack.inboxResults).toHaveLength(0);
    expect(stack.engine.list()).toHaveLength(0);
  });

  it('still serves this machine’s tools (no Origin, loopback Host)', async () => {
    expect(await exists(stack.config, 'inbox/nothing-here.json')).toBe(false);
    const presigned = await fetch(`${stack.s3Endpoint}/${stack.bucket}?list-type=2&prefix=inbox/`);
    expect(presigned.status).not.toBe(403);
  });
});
