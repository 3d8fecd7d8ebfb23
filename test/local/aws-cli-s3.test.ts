// `aws s3 ls` of the local bucket shows its folders: runs/ at the top, scenes/ inside a run. (The
// local S3 server's delimiter listing once skipped a prefix that holds only sub-prefixes.)
import { execFile, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { shortStoryboard } from '../e2e/short-storyboard';

const hasAwsCli = spawnSync('aws', ['--version']).status === 0;
let stack: LocalStack;
let runId: string;

function s3ls(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'aws',
      ['s3', 'ls', `s3://${stack.bucket}/${path}`, '--endpoint-url', stack.s3Endpoint, '--region', 'us-east-1'],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } },
      (error, stdout, stderr) => (error ? reject(new Error(`aws s3 ls ${path} failed: ${stderr}`)) : resolve(stdout)),
    );
  });
}

describe.skipIf(!hasAwsCli)('aws s3 ls of the local bucket (skipped when `aws` is not installed: apt-get install awscli)', () => {
  beforeAll(async () => {
    stack = await startLocalStack();
    const response = await fetch(`${stack.apiUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...shortStoryboard('Listed in S3', 1), anchor: false }),
    });
    runId = ((await response.json()) as { runId: string }).runId;
    await stack.engine.list().find((e) => e.name === runId)!.done;
  }, 60_000);
  afterAll(() => stack?.stop());

  it('shows runs/ at the top of the bucket', async () => {
    expect(await s3ls('')).toMatch(/^\s+PRE runs\/$/m);
  });

  it('shows scenes/ inside a run', async () => {
    const listing = await s3ls(`runs/${runId}/`);
    expect(listing).toMatch(/^\s+PRE scenes\/$/m);
    expect(listing).toMatch(/ manifest\.json$/m);
  });
});
