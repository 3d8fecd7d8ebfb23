// `longshot dev`: the local stack kept running, with the inbox/ upload trigger, until Ctrl-C. A stop
// records every run in flight as interrupted (manifest: canceled, error Interrupted) and cancels
// its predictions, so nothing says "running" forever.
import { startLocalStack, type LocalStack, type StackOptions } from './stack';
import { keptStack } from './render';
import type { Execution, ProgressEvent } from './step-functions';

export const DEV_INTERRUPT_CAUSE = 'the local stack was stopped (Ctrl-C) while this run was in flight; start it again (POST /runs)';

function logProgress(execution: Execution, event: ProgressEvent) {
  if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed' || (event.type === 'StateEntered' && event.state)) {
    process.stderr.write(`[${execution.name}] ${event.type}${event.state ? ` ${event.state}` : ''}${event.index !== undefined ? ` #${event.index + 1}` : ''}${event.error ? ` ${event.error}` : ''}\n`);
  }
}

/** "live", or "emulator, drift realistic|none[, latency N s][, faults scene-3:fail …]". */
function replicateLabel(options: StackOptions) {
  if (options.replicate === 'live') return 'live';
  const latency = options.emulator?.latencySeconds ? `, latency ${options.emulator.latencySeconds} s` : '';
  const faults = options.emulator?.faults?.steps?.map((f) => `${f.step}:${f.kind}`).join(' ');
  return `emulator, drift ${options.emulator?.drift ?? 'realistic'}${latency}${faults ? `, faults ${faults}` : ''}`;
}

function printBanner(stack: LocalStack, options: StackOptions) {
  const credentials = 'AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1';
  process.stdout.write(
    [
      `longshot dev: local stack up (Replicate: ${replicateLabel(options)}, webhooks ${options.webhooks === false ? 'off' : 'on'})`,
      `  viewer    ${stack.apiUrl}/   the run viewer: open it in a browser on this machine`,
      `  API       ${stack.apiUrl}   POST /runs · GET /runs · GET /runs/{runId} · DELETE /runs/{runId} · POST /runs/{runId}/regenerate|resume · POST /webhooks/replicate`,
      `  S3        ${stack.s3Endpoint}   bucket ${stack.bucket} (path-style; access key S3RVER / S3RVER), data in ${stack.s3Directory} (shared with render, regenerate, resume)`,
      `  SFN       ${stack.sfnEndpoint}   state machine ${stack.engine.stateMachineArn}`,
      `  compares  POST /compares · GET /compares/{compareId}   state machine ${stack.compareEngine.stateMachineArn}`,
      `  start     curl -s -X POST ${stack.apiUrl}/runs -H 'content-type: application/json' --data @examples/winter-ad.json`,
      `  upload    ${credentials} aws --endpoint-url ${stack.s3Endpoint} s3 cp examples/winter-ad.json s3://${stack.bucket}/inbox/winter-ad.json`,
      `  watch     ${credentials} aws --endpoint-url ${stack.sfnEndpoint} stepfunctions list-executions --state-machine-arn ${stack.engine.stateMachineArn}`,
      `  notify    add "notify": {"url": "http://127.0.0.1:<port>/…"} to a wrapped POST /runs body; verify with standardwebhooks and ${stack.notifySecret} (new each start)`,
      '  Ctrl-C stops (runs in flight are recorded as interrupted).',
      '',
    ].join('\n'),
  );
}

const signalled = (signal: AbortSignal) =>
  new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/**
 * Runs until `signal` aborts (the CLI aborts it on SIGINT/SIGTERM), then stops the stack. Its bucket
 * is the one `render` keeps under `outDir`, so the viewer shows rendered runs too.
 */
export async function runDevServer(options: StackOptions, signal: AbortSignal, outDir = 'out'): Promise<void> {
  const stack = await startLocalStack({ ...keptStack(outDir, options), watchInbox: true });
  stack.engine.on('progress', logProgress);
  printBanner(stack, options);
  await signalled(signal);
  const running = stack.engine.list().filter((e) => e.status === 'RUNNING').length;
  if (running) process.stderr.write(`recording ${running} run(s) in flight as interrupted…\n`);
  const { recorded, unrecorded, compares } = await stack.stop({ cause: DEV_INTERRUPT_CAUSE });
  for (const compareId of compares.recorded) process.stderr.write(`[${compareId}] interrupted: compare recorded as canceled\n`);
  for (const compareId of compares.unrecorded) process.stderr.write(`[${compareId}] interrupted, but the compare was not recorded in time\n`);
  for (const runId of recorded) process.stderr.write(`[${runId}] interrupted: recorded as canceled; start it again after the next \`longshot dev\`\n`);
  for (const runId of unrecorded) process.stderr.write(`[${runId}] interrupted, but not recorded in time: DELETE /runs/${runId} after the next \`longshot dev\` records it\n`);
}
