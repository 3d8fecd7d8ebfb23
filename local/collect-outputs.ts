// Copies a run's results out of the local bucket into DIR/<runId>/ (never callback records:
// they hold task tokens).
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RuntimeConfig } from '../functions/adapters/config';
import { downloadToFile, listKeys } from '../functions/adapters/s3';
import { runKeys } from '../functions/domain/run-keys';

const KEEP = /^(final\.mp4|manifest\.json|storyboard\.json|plan\.json|contact-sheet\.png|drift-chart\.png|continuity\.json|anchor\.png|seeds\/\d+\.png|keyframes\/\d+\.png|scenes\/\d+\/clip\.mp4)$/;

export async function collectOutputs(config: RuntimeConfig, runId: string, outDir: string): Promise<string[]> {
  const { prefix } = runKeys(runId);
  const written: string[] = [];
  for (const key of await listKeys(config, prefix)) {
    const relative = key.slice(prefix.length);
    if (!KEEP.test(relative)) continue;
    const target = join(outDir, runId, relative);
    await mkdir(dirname(target), { recursive: true });
    await downloadToFile(config, key, target);
    written.push(target);
  }
  return written.sort();
}
