// Credentials on AWS come from one Secrets Manager secret, cached for minutes but never while empty,
// and re-read on demand; the local environment wins when set. The Secrets Manager client is
// injected and mocked (aws-sdk-client-mock); time is a fake clock.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Credentials, MIN_REFRESH_MS, SECRET_TTL_MS, SecretCache, credentialsFromEnvironment, secretsManagerReader } from '../../functions/adapters/secrets';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:longshot';
const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const sm = mockClient(client);
const secretString = (value: object | string) => ({ SecretString: typeof value === 'string' ? value : JSON.stringify(value) });
const STORED = { replicateApiToken: 'test-token-not-real', webhookSigningSecret: 'whsec_dGVzdA==' };

let clock = 1_000_000;
const now = () => clock;

/** Credentials over the mocked secret, with no environment variables. */
const credentials = (env: NodeJS.ProcessEnv = {}) =>
  new Credentials({ env, stored: new SecretCache(secretsManagerReader(client, SECRET_ID), { now }) });
const reads = () => sm.commandCalls(GetSecretValueCommand).length;

beforeEach(() => {
  sm.reset();
  clock = 1_000_000;
});

describe('reading the secret', () => {
  it('reads token and webhook secret with one GetSecretValue for the secret named by the ARN', async () => {
    sm.on(GetSecretValueCommand).resolves(secretString(STORED));
    const creds = credentials();
    expect(await creds.replicateToken()).toBe('test-token-not-real');
    expect(await creds.webhookSecret()).toBe('whsec_dGVzdA==');
    expect(reads()).toBe(1);
    expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  it('shares one read between concurrent callers', async () => {
    sm.on(GetSecretValueCommand).resolves(secretString(STORED));
    const creds = credentials();
    await Promise.all([creds.replicateToken(), creds.replicateToken(), creds.webhookSecret()]);
    expect(reads()).toBe(1);
  });

  it('says how to fix an empty secret (as deployed, before the token is stored)', async () => {
    sm.on(GetSecretValueCommand).resolves(secretString({ replicateApiToken: '', webhookSigningSecret: '', unused: 'x' }));
    const creds = credentials();
    await expect(creds.replicateToken()).rejects.toThrow(/No Replicate API token.*docs\/deploy\.md/);
    expect(await creds.webhookSecret()).toBeUndefined();
  });

  it.each(['r8_plain_text', '["a"]', 'null'])('rejects a secret that is not a JSON object (%s), naming the expected shape', async (text) => {
    sm.on(GetSecretValueCommand).resolves(secretString(text));
    await expect(credentials().replicateToken()).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(/must be JSON/) });
  });

  it('prefers the environment (local runs) and then calls nothing', async () => {
    const creds = credentials({ REPLICATE_API_TOKEN: 'env-token-not-real', REPLICATE_WEBHOOK_SECRET: 'whsec_ZW52' });
    expect(await creds.replicateToken()).toBe('env-token-not-real');
    expect(await creds.webhookSecret()).toBe('whsec_ZW52');
    expect(reads()).toBe(0);
  });

  it('without LONGSHOT_SECRET_ARN there is no stored secret and no Secrets Manager call', async () => {
    const creds = credentialsFromEnvironment({}, client);
    await expect(creds.replicateToken()).rejects.toThrow(/No Replicate API token/);
    expect(await creds.webhookSecret()).toBeUndefined();
    expect(reads()).toBe(0);
  });
});

describe('caching', () => {
  it('keeps a complete secret for the TTL, then reads it again', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce(secretString(STORED)).resolves(secretString({ ...STORED, replicateApiToken: 'rotated-token-not-real' }));
    const creds = credentials();
    expect(await creds.replicateToken()).toBe('test-token-not-real');
    clock += SECRET_TTL_MS - 1;
    expect(await creds.replicateToken()).toBe('test-token-not-real');
    expect(reads()).toBe(1);
    clock += 1;
    expect(await creds.replicateToken()).toBe('rotated-token-not-real');
    expect(reads()).toBe(2);
  });

  it('never caches the empty secret present right after deploy: the stored token works at once', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce(secretString({ replicateApiToken: '', webhookSigningSecret: '' })).resolves(secretString(STORED));
    const creds = credentials();
    await expect(creds.replicateToken()).rejects.toThrow(/No Replicate API token/);
    expect(await creds.replicateToken()).toBe('test-token-not-real'); // same instant: no TTL to wait out
    expect(reads()).toBe(2);
  });

  it('never caches a failed read', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })).resolves(secretString(STORED));
    const creds = credentials();
    await expect(creds.replicateToken()).rejects.toThrow('throttled');
    expect(await creds.replicateToken()).toBe('test-token-not-real');
  });

  it('a forced re-read (after a 401) reads again at once, but at most every MIN_REFRESH_MS', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce(secretString(STORED)).resolves(secretString({ ...STORED, replicateApiToken: 'new-token-not-real' }));
    const creds = credentials();
    expect(await creds.replicateToken()).toBe('test-token-not-real');
    expect(await creds.replicateToken({ fresh: true })).toBe('new-token-not-real');
    expect(await creds.replicateToken({ fresh: true })).toBe('new-token-not-real');
    expect(reads()).toBe(2);
    clock += MIN_REFRESH_MS;
    await creds.replicateToken({ fresh: true });
    expect(reads()).toBe(3);
  });
});
