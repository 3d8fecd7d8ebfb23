// LTX-2 takes no seed: asked for the same clip again it makes a different one. The emulator counts
// how often it was asked for each set of inputs; the first take renders as before (so films and
// figures stay reproducible), every later take carries its number and differs, frames and last
// frame included. With a file the count outlives the process, as the real model's randomness does
// (a later `longshot regenerate` gets a new take, not the first one again).
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export class Takes {
  private counts: Map<string, number> | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file?: string) {}

  /** 1 for the first request of these inputs, 2 for the next, … */
  async next(inputs: unknown[]): Promise<number> {
    const counts = await this.load();
    const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
    const take = (counts.get(key) ?? 0) + 1;
    counts.set(key, take);
    if (this.file) {
      const file = this.file;
      const snapshot = JSON.stringify(Object.fromEntries(counts));
      this.writing = this.writing.then(async () => {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, snapshot);
      });
      await this.writing;
    }
    return take;
  }

  private async load(): Promise<Map<string, number>> {
    if (this.counts) return this.counts;
    let saved: Record<string, number> = {};
    if (this.file) saved = JSON.parse(await readFile(this.file, 'utf8').catch(() => '{}')) as Record<string, number>;
    this.counts ??= new Map(Object.entries(saved));
    return this.counts;
  }
}

export const sha256OfBytes = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
