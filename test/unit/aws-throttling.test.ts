// Throttling is absorbed by the AWS SDK's own retries (standard mode, AWS_MAX_ATTEMPTS attempts,
// backoff with jitter), not by the state machine. Checked against fake S3 and Step Functions
// endpoints that answer the real throttling errors, so the SDK's retry middleware really runs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AWS_MAX_ATTEMPTS, type RuntimeConfig } from '../../functions/adapters/config';
import { putJson } from '../../functions/adapters/s3';
import { sendTaskSuccess } from '../../functions/adapters/sfn';

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}
const sfnThrottled: Answer = {
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'ThrottlingException' },
  body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
};
const sfnInternal: Answer = {
  status: 500,
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({ __type: 'InternalServerError', message: 'internal' }),
};
const sfnOk: Answer = { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' };
const s3Error = (status: number, code: string): Answer => ({
  status,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>r1</RequestId></Error>`,
});
const s3Ok: Answer = { status: 200, headers: { etag: '"0123456789abcdef0123456789abcdef"' }, body: '' };

let server: Server;
let endpoint: string;
/** Answers given in order; the last one repeats. */
let script: Answer[] = [];
let requests = 0;

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLETHROTTLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-a-secret-fake-endpoint-only');
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = script[Math.min(requests, script.length - 1)];
      requests++;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  requests = 0;
});

const config = (): RuntimeConfig => ({
  bucket: 'longshot-test',
  region: 'eu-west-1',
  s3Endpoint: endpoint,
  sfnEndpoint: endpoint,
  stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:longshot',
  webhookUrl: null,
  cancelAfter: '30m',
  presignSeconds: 3600,
});

describe('a throttled call is retried by the SDK', () => {
  it('Step Functions ThrottlingException once, then OK → the task is resumed', async () => {
    script = [sfnThrottled, sfnOk];
    await expect(sendTaskSuccess(config(), 'token-1', {})).resolves.toBe('resumed');
    expect(requests).toBe(2);
  });

  it('S3 SlowDown (503) once, then OK → the write succeeds', async () => {
    script = [s3Error(503, 'SlowDown'), s3Ok];
    await expect(putJson(config(), 'runs/x/steps/anchor.json', { ok: true })).resolves.toBeUndefined();
    expect(requests).toBe(2);
  });
});

describe(`the SDK gives up after ${AWS_MAX_ATTEMPTS} attempts and the error surfaces by name`, () => {
  // A 5xx uses the same attempt budget as throttling with much shorter backoff: a fast check.
  it('Step Functions', async () => {
    script = [sfnInternal];
    await expect(sendTaskSuccess(config(), 'token-1', {})).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(requests).toBe(AWS_MAX_ATTEMPTS);
  });

  it('S3', async () => {
    script = [s3Error(500, 'InternalError')];
    await expect(putJson(config(), 'runs/x/steps/anchor.json', {})).rejects.toMatchObject({ name: 'InternalError' });
    expect(requests).toBe(AWS_MAX_ATTEMPTS);
  });
});
