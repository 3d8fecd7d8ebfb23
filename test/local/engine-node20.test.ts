// The Node 20 trap (aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks; a
// Catch: States.ALL then hides the TypeError of every Task). Checked in a child process without
// any test setup, so only the engine module's own import of local/polyfills.ts can save it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('local Step Functions engine on a Node without Promise.withResolvers', () => {
  it('runs a Task to completion instead of failing it into a Catch', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/local/fixtures/engine-without-with-resolvers.ts'], {
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const result = JSON.parse(stdout) as { status: string; output: Record<string, unknown> };
    expect(result.output).not.toHaveProperty('hidden');
    expect(result).toEqual({ status: 'SUCCEEDED', output: { probe: true, task: { answer: 'prepare ran' } } });
  });
});
