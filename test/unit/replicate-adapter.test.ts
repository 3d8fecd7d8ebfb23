// The Replicate adapter's own state, made explicit and injected: a 401 re-reads the token once,
// a 429 opens a cooldown, and the webhook secret it asks the API for is kept for minutes only.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ReplicateApi } from '../../functions/adapters/replicate';
import { Credentials, SECRET_TTL_MS, SecretCache, secretsManagerReader } from '../../functions/adapters/secrets';

const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const sm = mockClient(client);
const stored = (token: string) => ({ SecretString: JSON.stringify({ replicateApiToken: token }) });

let clock = 5_000_000;
let requests: { url: string; method: string; auth: string | null; cancelAfter: string | null }[] = [];
/** A Replicate that accepts only `valid` as the bearer token and answers `status` to everything else. */
function fakeReplicate(valid: string, overrides: { status?: number; headers?: Record<string, string> } = {}): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    const url = String(input);
    requests.push({ url, method: init?.method ?? 'GET', auth: headers.get('authorization'), cancelAfter: headers.get('cancel-after') });
    if (overrides.status) return new Response(JSON.stringify({ detail: 'scripted' }), { status: overrides.status, headers: overrides.headers });
    if (headers.get('authorization') !== `Bearer ${valid}`) return new Response(JSON.stringify({ detail: 'Invalid token.' }), { status: 401 });
    if (url.endsWith('/webhooks/default/secret')) return Response.json({ key: `whsec_${valid}` });
    return Response.json({ id: 'p1', status: 'starting', created_at: '2026-11-25T10:00:00Z' }, { status: 201 });
  };
}

function api(network: typeof fetch) {
  const credentials = new Credentials({ env: {}, stored: new SecretCache(secretsManagerReader(client, 'arn:secret'), { now: () => clock }) });
  return new ReplicateApi({ baseUrl: 'https://replicate.invalid/v1', cancelAfter: '1800s', credentials, fetch: network, now: () => clock });
}
const create = (replicate: ReplicateApi) => replicate.create({ model: 'lightricks/ltx-2-fast', input: { prompt: 'x' } });

beforeEach(() => {
  sm.reset();
  requests = [];
  clock = 5_000_000;
});

describe('401: the token is read again, once', () => {
  it('a token rotated after the container read it: the call is retried once with the fresh token', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce(stored('old-token')).resolves(stored('new-token'));
    const prediction = await create(api(fakeReplicate('new-token')));
    expect(prediction.id).toBe('p1');
    expect(requests.map((r) => r.auth)).toEqual(['Bearer old-token', 'Bearer new-token']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('the same token refused again: ReplicateRequestError 401, no second call', async () => {
    sm.on(GetSecretValueCommand).resolves(stored('wrong-token'));
    await expect(create(api(fakeReplicate('other-token')))).rejects.toMatchObject({ name: 'ReplicateRequestError', message: expect.stringMatching(/401/) });
    expect(requests).toHaveLength(1);
  });

  it('a fresh token refused too: one retry only, then ReplicateRequestError', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce(stored('old-token')).resolves(stored('newer-token'));
    await expect(create(api(fakeReplicate('third-token')))).rejects.toMatchObject({ name: 'ReplicateRequestError' });
    expect(requests).toHaveLength(2);
  });
});

describe('429 cooldown', () => {
  it('a 429 costs one request: RateLimitedError, and no request at all until Retry-After has passed', async () => {
    sm.on(GetSecretValueCommand).resolves(stored('token'));
    const replicate = api(fakeReplicate('token', { status: 429, headers: { 'retry-after': '3' } }));
    await expect(create(replicate)).rejects.toMatchObject({ name: 'RateLimitedError' });
    expect(requests).toHaveLength(1); // the client's own six instant retries never reach the network
    clock += 2999;
    await expect(replicate.get('p1')).rejects.toMatchObject({ name: 'RateLimitedError', message: expect.stringMatching(/cooling down/) });
    expect(requests).toHaveLength(1);
    clock += 1;
    await expect(replicate.get('p1')).rejects.toMatchObject({ name: 'RateLimitedError' });
    expect(requests).toHaveLength(2);
  });

  it('sends the Cancel-After header with every create, and only with creates', async () => {
    sm.on(GetSecretValueCommand).resolves(stored('token'));
    const replicate = api(fakeReplicate('token'));
    await create(replicate);
    await replicate.get('p1');
    expect(requests.map((r) => [r.method, r.cancelAfter])).toEqual([['POST', '1800s'], ['GET', null]]);
  });
});

describe('the webhook signing secret from the API', () => {
  it('is kept for the TTL, then asked again; a forced read asks at once', async () => {
    sm.on(GetSecretValueCommand).resolves(stored('token'));
    const replicate = api(fakeReplicate('token'));
    expect(await replicate.webhookSigningSecret()).toBe('whsec_token');
    expect(await replicate.webhookSigningSecret()).toBe('whsec_token');
    expect(requests).toHaveLength(1);
    clock += SECRET_TTL_MS;
    await replicate.webhookSigningSecret();
    expect(requests).toHaveLength(2);
    await replicate.webhookSigningSecret({ fresh: true });
    expect(requests).toHaveLength(3);
    await replicate.webhookSigningSecret({ fresh: true }); // forced reads are rate limited
    expect(requests).toHaveLength(3);
  });
});
