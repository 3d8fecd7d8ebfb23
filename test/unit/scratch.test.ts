// Scratch directories on a real file system: cleaned after the work, and — because a Lambda that
// times out is killed before any `finally` runs — cleaned by the next invocation when a process died.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchRoot, settleAll, withScratchDir } from '../../functions/adapters/scratch';
import { PROJECT_ROOT, projectPath } from '../../functions/catalog';

let base: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'scratch-test-'));
});
afterEach(() => rm(base, { recursive: true, force: true }));

/** Starts a process that opens a scratch dir, writes a file into it, reports the dir and then hangs. */
async function processHoldingScratch(): Promise<{ dir: string; kill: () => Promise<void> }> {
  const script = join(base, 'hold-scratch.mjs');
  await writeFile(
    script,
    `const { withScratchDir } = await import(${JSON.stringify(pathToFileURL(projectPath('functions/adapters/scratch.ts')).href)});
     await withScratchDir('clip', async (dir) => {
       const { writeFileSync } = await import('node:fs');
       writeFileSync(dir + '/clip.mp4', 'partial');
       console.log(dir);
       await new Promise(() => {}); // a hung ffmpeg: the invocation never returns
     }, process.argv[2]);`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script, base], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const dir = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('the child never reported its scratch dir')), 20_000);
    child.stdout.once('data', (chunk: Buffer) => {
      clearTimeout(deadline);
      resolve(chunk.toString().trim());
    });
    child.once('exit', (code) => reject(new Error(`the child exited early (${code})`)));
  });
  return {
    dir,
    // SIGKILL, as Lambda ends a runtime at its timeout: no finally, no exit handlers.
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('withScratchDir', () => {
  it('removes the directory when the work ends', async () => {
    let seen = '';
    await withScratchDir('clip', async (dir) => {
      seen = dir;
      await writeFile(join(dir, 'clip.mp4'), 'bytes');
    }, base);
    expect(seen.startsWith(scratchRoot(base))).toBe(true);
    expect(existsSync(seen)).toBe(false);
  });

  it('removes the directory when the work throws', async () => {
    let seen = '';
    await expect(
      withScratchDir('clip', async (dir) => {
        seen = dir;
        throw new Error('ffmpeg failed');
      }, base),
    ).rejects.toThrow('ffmpeg failed');
    expect(existsSync(seen)).toBe(false);
  });

  it('removes what a killed process left behind on the next use', async () => {
    const held = await processHoldingScratch();
    expect(existsSync(join(held.dir, 'clip.mp4'))).toBe(true);
    await held.kill();
    expect(existsSync(held.dir)).toBe(true); // killed: its finally never ran

    await withScratchDir('image', async () => {}, base);
    expect(existsSync(dirname(held.dir))).toBe(false);
  }, 30_000);

  it('leaves a running process’s scratch alone', async () => {
    const held = await processHoldingScratch();
    try {
      await withScratchDir('image', async () => {}, base);
      expect(existsSync(join(held.dir, 'clip.mp4'))).toBe(true);
    } finally {
      await held.kill();
    }
  }, 30_000);

  it('removes a folder of an earlier runtime that had this same pid (a restarted Lambda runtime)', async () => {
    const earlier = join(scratchRoot(base), `${process.pid}-0badcafe`);
    await mkdir(join(earlier, 'clip-x'), { recursive: true });
    await withScratchDir('image', async () => {}, base);
    expect(existsSync(earlier)).toBe(false);
  });

  it('keeps its own in-flight directories while another invocation starts', async () => {
    await withScratchDir('join-film', async (outer) => {
      await writeFile(join(outer, 'final.mp4'), 'bytes');
      await withScratchDir('image', async () => {}, base);
      expect(existsSync(join(outer, 'final.mp4'))).toBe(true);
    }, base);
  });

  it('ignores folders it did not create', async () => {
    await mkdir(join(scratchRoot(base), 'notes'), { recursive: true });
    await withScratchDir('image', async () => {}, base);
    expect(await readdir(scratchRoot(base))).toContain('notes');
  });
});

describe('settleAll', () => {
  it('waits for the slow work to end before it throws the fast failure', async () => {
    let slowEnded = false;
    const slow = new Promise<string>((resolve) => setImmediate(() => setImmediate(() => ((slowEnded = true), resolve('slow')))));
    await expect(settleAll([Promise.reject(new Error('fast')), slow])).rejects.toThrow('fast');
    expect(slowEnded).toBe(true);
  });

  it('gives every value in order when nothing fails', async () => {
    await expect(settleAll([Promise.resolve(1), Promise.resolve('two')])).resolves.toEqual([1, 'two']);
  });
});
