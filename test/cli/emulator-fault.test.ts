// `--emulator-fault` on the real command: a bad value is one line and exit 2 with nothing started;
// a good one reproduces a failure from the shell.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './spawn-cli';
import { shortStoryboard } from '../e2e/short-storyboard';

let dir: string;
let storyboard: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-emulator-fault-'));
  storyboard = join(dir, 'short.json');
  await writeFile(storyboard, JSON.stringify(shortStoryboard('Refused scene', 2)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(args: string[], ms = 30_000) {
  const cli = startCli(args, { cwd: dir });
  const exit = await Promise.race([cli.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running: ${cli.stderr()}`)), ms))]);
  return { code: exit.code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('--emulator-fault usage errors: one line, exit 2, nothing started', () => {
  it.each([
    ['render', 'scene-3:boom', [], /^✗ --emulator-fault "scene-3:boom": unknown kind "boom"; kinds are fail, 429, slow, drop-webhook, corrupt$/],
    ['render', 'scene-3:fail', [], /^✗ --emulator-fault "scene-3:fail": the run has no step scene-3; its steps are anchor, scene-1, scene-2$/],
    ['render', 'scene3:fail', [], /^✗ --emulator-fault "scene3:fail": "scene3" is not a step; steps are anchor, keyframe-N and scene-N/],
    ['render', 'scene-1:fail', ['--replicate', 'live'], /^✗ --emulator-fault injects faults into the emulator; it cannot be used with --replicate live$/],
    ['compare', 'keyframe-3:fail', ['--variants', 'fast:chain,fast23:keyframes'], /^✗ --emulator-fault "keyframe-3:fail": the run has no step keyframe-3; its steps are anchor, keyframe-1, keyframe-2, scene-1, scene-2$/],
    ['dev', 'scene-1', ['--port', '0', '--s3-port', '0'], /^✗ --emulator-fault "scene-1": expected <step>:<kind>/],
    ['dev', 'scene-1:slow', ['--port', '0', '--s3-port', '0', '--no-webhooks'], /^✗ --emulator-fault on dev needs webhooks/],
  ])('%s --emulator-fault %s %j', async (command, value, extra, message) => {
    const args = command === 'dev' ? [command] : [command, storyboard, '--out', join(dir, 'out')];
    const { code, stdout, stderr } = await run([...args, ...(extra as string[]), '--emulator-fault', 'anchor:fail', '--emulator-fault', value as string], 15_000);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(message as RegExp)]);
    expect(stdout).toBe('');
  });
});

describe('longshot render --emulator-fault scene-2:fail', () => {
  it('fails the run at scene 2 after its regenerate attempts, scene 1 and the anchor made once', async () => {
    const { code, stdout } = await run(['render', storyboard, '--out', join(dir, 'out'), '--json', '--emulator-fault', 'scene-2:fail'], 120_000);
    expect(code).toBe(1);
    const summary = JSON.parse(stdout) as { outcome: string; failure: { state: string; cause: string }; manifestFile: string };
    expect(summary.outcome).toBe('failed');
    expect(summary.failure.state).toBe('Scenes');
    expect(summary.failure.cause).toMatch(/^scene-2: prediction \w+ failed: .*emulator fault scene-2:fail/);
    const manifest = JSON.parse(await readFile(summary.manifestFile, 'utf8')) as { steps: { step: string; attempts: number }[] };
    expect(Object.fromEntries(manifest.steps.map((s) => [s.step, s.attempts]))).toEqual({ anchor: 1, 'scene-1': 1, 'scene-2': 3 });
  }, 130_000);
});
