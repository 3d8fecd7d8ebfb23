// The S3-upload trigger as `longshot dev` runs it: a storyboard written under inbox/ in the local
// bucket starts a run; an invalid one is answered with rejected/<name>.json and starts nothing.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { findJson, s3Client } from '../../functions/adapters/s3';
import { shortStoryboard } from './short-storyboard';
import { waitUntil } from '../support/wait';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ watchInbox: true });
});
afterAll(() => stack?.stop());

/** The S3 event may arrive just after the PUT returns. */
async function handledUploads(count: number): Promise<unknown[]> {
  await waitUntil(`${count} handled upload(s)`, () => stack.inboxResults.length >= count, { timeoutMs: 5000 });
  return Promise.all(stack.inboxResults);
}

const upload = (key: string, body: string) =>
  s3Client(stack.config).send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body, ContentType: 'application/json' }));

describe('inbox/ upload trigger', () => {
  it('starts a run named after the storyboard and renders it', async () => {
    await upload('inbox/lighthouse.json', JSON.stringify(shortStoryboard('Lighthouse upload', 1)));
    const [handled] = (await handledUploads(1)) as { started?: { runId: string } }[];
    expect(handled.started?.runId).toMatch(/^\d{8}-\d{4}-lighthouse-upload-[0-9a-f]{16}$/);
    const execution = stack.engine.list().find((e) => e.name === handled.started!.runId)!;
    await execution.done;
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.input)).toEqual({ source: { key: 'inbox/lighthouse.json' } });
  }, 60_000);

  it('rejects an invalid storyboard with a report outside inbox/ and starts nothing', async () => {
    const before = stack.engine.list().length;
    stack.inboxResults.length = 0;
    await upload('inbox/broken.json', JSON.stringify({ title: 'Broken', model: 'ltx-9', scenes: [] }));
    await handledUploads(1);
    const report = await findJson<{ problems: string[] }>(stack.config, 'rejected/broken.json');
    expect(report?.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^model: /), expect.stringMatching(/^scenes: /)]));
    expect(stack.engine.list()).toHaveLength(before);
  });

  it.each([
    ['inbox/LOUD.JSON', 'rejected/LOUD.json'],
    ['inbox/my film+1 100%.json', 'rejected/my film+1 100%.json'],
    ['inbox/été ☃.json', 'rejected/été ☃.json'],
  ])('hands %s to the trigger (not dropped by its name): an invalid one gets %s', async (key, report) => {
    stack.inboxResults.length = 0;
    await upload(key, JSON.stringify({ title: 'Named oddly', scenes: [] }));
    const [handled] = (await handledUploads(1)) as { rejectedKey?: string; error?: string }[];
    expect(handled).toMatchObject({ key, rejectedKey: report });
    expect((await findJson<{ problems: string[] }>(stack.config, report))?.problems).toEqual([expect.stringMatching(/^scenes: /)]);
  });

  it('answers a file that is not a storyboard with a report instead of silence', async () => {
    stack.inboxResults.length = 0;
    await upload('inbox/readme.txt', 'not a storyboard');
    await handledUploads(1);
    expect((await findJson<{ problems: string[] }>(stack.config, 'rejected/readme.txt.json'))?.problems).toEqual([
      expect.stringMatching(/^\(file\): only \.json files under inbox\/ start runs/),
    ]);
  });
});
