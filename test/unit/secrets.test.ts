// Credentials on AWS come from one Secrets Manager secret, read once per cold start; the local
// environment wins when set. A tiny fake Secrets Manager endpoint stands in for AWS.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configuredWebhookSecret, replicateToken, resetSecretsCache } from '../../functions/adapters/secrets';

let server: Server;
let calls: { target: string; body: { SecretId?: string } }[] = [];
let secretString = JSON.stringify({ replicateApiToken: 'test-token-not-real', webhookSigningSecret: 'whsec_dGVzdA==' });
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls.push({ target: String(req.headers['x-amz-target']), body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:longshot', SecretString: secretString }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test-key',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    LONGSHOT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:longshot',
  });
  delete process.env.REPLICATE_API_TOKEN;
  delete process.env.REPLICATE_WEBHOOK_SECRET;
});

afterEach(() => {
  resetSecretsCache();
  calls = [];
});

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
});

describe('secrets', () => {
  it('reads the token and webhook secret from the secret once per cold start', async () => {
    expect(await replicateToken()).toBe('test-token-not-real');
    expect(await configuredWebhookSecret()).toBe('whsec_dGVzdA==');
    expect(await replicateToken()).toBe('test-token-not-real');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ target: 'secretsmanager.GetSecretValue', body: { SecretId: process.env.LONGSHOT_SECRET_ARN } });
  });

  it('says how to fix an empty secret (as deployed, before the token is stored)', async () => {
    secretString = JSON.stringify({ replicateApiToken: '', webhookSigningSecret: '', unused: 'x' });
    await expect(replicateToken()).rejects.toThrow(/No Replicate API token.*docs\/deploy\.md/);
    expect(await configuredWebhookSecret()).toBeUndefined();
  });

  it('rejects a secret that is not JSON, naming the expected shape', async () => {
    secretString = 'r8_plain_text';
    await expect(replicateToken()).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(/must be JSON/) });
    // The failure is not cached: fixing the secret fixes the next call.
    secretString = JSON.stringify({ replicateApiToken: 'fixed-token-not-real' });
    expect(await replicateToken()).toBe('fixed-token-not-real');
  });

  it('prefers the environment (local runs) and then calls nothing', async () => {
    process.env.REPLICATE_API_TOKEN = 'env-token-not-real';
    try {
      expect(await replicateToken()).toBe('env-token-not-real');
      expect(calls).toHaveLength(0);
    } finally {
      delete process.env.REPLICATE_API_TOKEN;
    }
  });
});
