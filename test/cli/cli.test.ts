// The longshot command as a user runs it: exit codes, messages, and the film path on stdout.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../functions/catalog';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function longshot(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Run from elsewhere: the CLI must not depend on the working directory.
    const child = spawn(process.execPath, [projectPath('bin/longshot.mjs'), ...args], { cwd: dir, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('longshot CLI', () => {
  it('validate: describes a valid storyboard and exits 0', async () => {
    const { code, stdout } = await longshot(['validate', projectPath('examples/winter-ad.json')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/chain with ltx-2-fast/);
    expect(stdout).toMatch(/scene-3: 10 s @ 25 fps 1080p, from seeds\/2\.png/);
  });

  it('render/validate: exit 2 listing every problem of an invalid storyboard, starting nothing', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ title: 'x', model: 'ltx-2-pro', scenes: [{ prompt: 'a', duration: 12 }, { prompt: '' }] }));
    for (const command of ['render', 'validate']) {
      const { code, stderr } = await longshot(command === 'render' ? [command, bad, '--out', join(dir, 'out')] : [command, bad]);
      expect(code, command).toBe(2);
      expect(stderr).toMatch(/scenes\[0\]\.duration: 12 s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s/);
      expect(stderr).toMatch(/scenes\[1\]\.prompt: must not be empty/);
      expect(stderr).toMatch(/nothing was started/);
    }
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('render/validate: exit 2 for a storyboard estimated over its budget, starting nothing', async () => {
    const board = JSON.parse(await readFile(projectPath('examples/winter-ad.json'), 'utf8'));
    const over = join(dir, 'over-budget.json');
    await writeFile(over, JSON.stringify({ ...board, budget: { maxUsd: 1 } }));
    for (const command of ['render', 'validate']) {
      const { code, stderr } = await longshot(command === 'render' ? [command, over, '--out', join(dir, 'budget-out')] : [command, over]);
      expect(code, command).toBe(2);
      expect(stderr).toMatch(/budget\.maxUsd: the run is estimated at \$1\.204 at list prices, over the budget of \$1 /);
    }
    expect(existsSync(join(dir, 'budget-out'))).toBe(false);
    await writeFile(over, JSON.stringify({ ...board, budget: { maxUsd: 2 } }));
    expect((await longshot(['validate', over])).stdout).toMatch(/estimated \$1\.204 at list prices, within the budget of \$2/);
  });

  it('exit 2 for a file that is not JSON or does not exist; commander rejects unknown choices', async () => {
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{ title: ');
    expect((await longshot(['validate', notJson])).code).toBe(2);
    expect((await longshot(['validate', join(dir, 'missing.json')])).stderr).toMatch(/cannot read .*missing\.json: ENOENT/);
    const wrongModel = await longshot(['render', projectPath('examples/winter-ad.json'), '--model', 'ltx-3']);
    expect(wrongModel.code).toBe(2);
    expect(wrongModel.stderr).toMatch(/Allowed choices are ltx-2-fast, ltx-2-pro/);
  });

  it('render --json: renders the single-prompt example and reports the film', async () => {
    const { code, stdout } = await longshot(['render', projectPath('examples/winter-ad-single.json'), '--out', join(dir, 'films'), '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(summary.film).toBe(join(dir, 'films', summary.runId, 'final.mp4'));
    expect(existsSync(summary.film)).toBe(true);
  }, 90_000);
});
