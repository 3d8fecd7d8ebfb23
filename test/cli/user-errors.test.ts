// Expected user errors of the real command: exit 2, one line that says what to do, no stack trace.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../functions/catalog';
import { startCli } from './spawn-cli';

let dir: string;
let blocker: Server;
let busyPort: number;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-user-errors-'));
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  busyPort = (blocker.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => blocker.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const cli = startCli(args, { cwd: dir, env });
  const exit = await Promise.race([cli.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running: ${cli.stderr()}`)), 30_000))]);
  return { code: exit.code, stdout: cli.stdout(), stderr: cli.stderr() };
}

const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('expected user errors', () => {
  it.each(['--port', '--s3-port'])('dev with %s on a port in use: one line naming the port and the option, exit 2', async (flag) => {
    const other = flag === '--port' ? '--s3-port' : '--port';
    const { code, stderr } = await run(['dev', flag, String(busyPort), other, '0']);
    expect(code).toBe(2);
    expect(oneLine(stderr)).toEqual([`✗ port ${busyPort} is in use; pass ${flag} N`]);
  });

  it.each([
    ['render', ['render', projectPath('examples/winter-ad.json')]],
    ['compare', ['compare', projectPath('examples/winter-ad.json')]],
    ['dev', ['dev', '--port', '0', '--s3-port', '0']],
  ])('%s --emulator-drift with an unknown mode: names the flag and the allowed modes, exit 2, starts nothing', async (_name, args) => {
    const { code, stderr } = await run([...(args as string[]), '--emulator-drift', 'wild']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/option '--emulator-drift <mode>' argument 'wild' is invalid\. Allowed choices are realistic, none\./);
    expect(stderr).not.toMatch(/local stack up/);
  });

  it.each([
    ['render', '-3', ['render', projectPath('examples/winter-ad.json')]],
    ['compare', 'soon', ['compare', projectPath('examples/winter-ad.json')]],
    ['dev', 'Infinity', ['dev', '--port', '0', '--s3-port', '0']],
  ])('%s --emulator-latency %s: names the flag and what it takes, exit 2, starts nothing', async (_name, value, args) => {
    const { code, stderr } = await run([...(args as string[]), '--emulator-latency', value as string]);
    expect(code).toBe(2);
    expect(stderr).toContain(`option '--emulator-latency <seconds>' argument '${value}' is invalid. a number of seconds ≥ 0`);
    expect(stderr).not.toMatch(/local stack up/);
  });

  it.each([
    ['render', ['render', projectPath('examples/winter-ad.json'), '--replicate', 'live']],
    ['dev', ['dev', '--port', '0', '--s3-port', '0', '--replicate', 'live']],
  ])('%s --replicate live without REPLICATE_API_TOKEN: one line saying what to do, exit 2', async (_name, args) => {
    const { code, stderr } = await run(args as string[], { REPLICATE_API_TOKEN: undefined });
    expect(code).toBe(2);
    const lines = oneLine(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^✗ --replicate live needs REPLICATE_API_TOKEN: export it .* or leave out --replicate live/);
  });
});
