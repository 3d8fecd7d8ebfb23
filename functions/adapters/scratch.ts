// A private temp directory per invocation. Lambda's /tmp outlives invocations, and a `finally` never
// runs when an invocation times out (the runtime is killed mid-work): each process keeps its scratch
// under <tmpdir>/longshot-scratch/<pid>-<random>/, and every new scratch dir first removes the folders
// of processes that no longer run — on Lambda, the killed runtime's leftovers.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Tells this process's folder from one a killed process with the same pid (a restarted runtime) left. */
const PROCESS_TAG = `${process.pid}-${randomBytes(4).toString('hex')}`;

export const scratchRoot = (base = tmpdir()) => join(base, 'longshot-scratch');

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/** A folder `<pid>-<tag>` is stale when it is not ours and its process is gone (or is us, restarted). */
export function isStale(folder: string, own = PROCESS_TAG): boolean {
  if (folder === own) return false;
  const pid = Number(/^(\d+)-[0-9a-f]+$/.exec(folder)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false; // not ours to judge
  return pid === process.pid || !isRunning(pid);
}

/** Removes scratch folders left by processes that ended without cleaning up. Returns what it removed. */
export async function removeStaleScratch(base = tmpdir(), own = PROCESS_TAG): Promise<string[]> {
  const root = scratchRoot(base);
  const folders = await readdir(root).catch(() => [] as string[]);
  const stale = folders.filter((folder) => isStale(folder, own));
  await Promise.all(stale.map((folder) => rm(join(root, folder), { recursive: true, force: true })));
  return stale;
}

export async function withScratchDir<T>(label: string, work: (dir: string) => Promise<T>, base = tmpdir()): Promise<T> {
  await removeStaleScratch(base);
  const parent = join(scratchRoot(base), PROCESS_TAG);
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `${label}-`));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Like Promise.all, but waits for every promise before throwing the first rejection: work that writes
 * into a scratch dir (downloads, ffmpeg) must have ended before the dir is removed, or a fast failure
 * would leave the others writing into a folder being deleted (ENOTEMPTY, and the real error lost).
 */
export async function settleAll<T extends readonly unknown[]>(work: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
