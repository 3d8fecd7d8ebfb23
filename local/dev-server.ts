// `longshot dev`: the local stack kept running, with the inbox/ upload trigger, until Ctrl-C.
import { join } from 'node:path';
import { startLocalStack, type StackOptions } from './stack';

export async function runDevServer(options: StackOptions): Promise<void> {
  const stack = await startLocalStack({ ...options, watchInbox: true, s3Directory: join('.longshot', 's3') });
  stack.engine.on('progress', (execution, event) => {
    if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed' || (event.type === 'StateEntered' && event.state)) {
      process.stderr.write(`[${execution.name}] ${event.type}${event.state ? ` ${event.state}` : ''}${event.index !== undefined ? ` #${event.index + 1}` : ''}${event.error ? ` ${event.error}` : ''}\n`);
    }
  });
  process.stdout.write(
    [
      `longshot dev: local stack up (Replicate: ${options.replicate ?? 'emulator'}, webhooks ${options.webhooks === false ? 'off' : 'on'})`,
      `  API       ${stack.apiUrl}   POST /runs · GET /runs/{runId} · DELETE /runs/{runId} · POST /webhooks/replicate`,
      `  S3        ${stack.s3Endpoint}   bucket ${stack.bucket} (path-style; access key S3RVER / S3RVER), data in .longshot/s3`,
      `  start     curl -s -X POST ${stack.apiUrl}/runs -H 'content-type: application/json' --data @examples/winter-ad.json`,
      `  upload    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${stack.s3Endpoint} s3 cp examples/winter-ad.json s3://${stack.bucket}/inbox/winter-ad.json`,
      '  Ctrl-C stops.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stack.stop();
}
