// Speed and memory of local renders, as a written report (docs/bench.md) rather than timed tests.
import { cpus, tmpdir, totalmem } from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalStack } from './stack';
import { render } from './render';
import type { ProgressEvent } from './step-functions';
import { projectPath } from '../functions/catalog';

interface Sample {
  name: string;
  seconds: number;
  filmSeconds: number;
  stages: Record<string, number>;
}

/** Seconds spent in each state (summed over Map iterations), from the executor's event log. */
function stageSeconds(history: ProgressEvent[]): Record<string, number> {
  const open = new Map<string, number>();
  const totals: Record<string, number> = {};
  for (const event of history) {
    if (!event.state) continue;
    const key = `${event.state}#${event.index ?? ''}`;
    if (event.type === 'StateEntered') open.set(key, event.at);
    if (event.type === 'StateExited' && open.has(key)) {
      totals[event.state] = (totals[event.state] ?? 0) + (event.at - open.get(key)!) / 1000;
      open.delete(key);
    }
  }
  return totals;
}

export async function runBench(args: string[]): Promise<number> {
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 2);
  const fullSize = args.includes('--full-size');
  const cases: [string, string, Record<string, string>][] = [
    ['winter-ad (chain, 3 × 10 s)', 'examples/winter-ad.json', {}],
    ['winter-ad (independent, 3 × 10 s)', 'examples/winter-ad.json', { strategy: 'independent' }],
    ['winter-ad-single (single, 20 s)', 'examples/winter-ad-single.json', {}],
  ];
  const dir = await mkdtemp(join(tmpdir(), 'longshot-bench-'));
  const stack = await startLocalStack({ emulator: { fullSize } });
  const samples: Sample[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, file, overrides] of cases) {
        const storyboard = JSON.parse(await readFile(projectPath(file), 'utf8'));
        const result = await render({ storyboard, overrides, outDir: dir, on: stack, progress: false });
        if (result.outcome !== 'succeeded') throw new Error(`${name} did not succeed: ${JSON.stringify(result).slice(0, 500)}`);
        samples.push({ name, seconds: result.seconds, filmSeconds: result.manifest.film!.durationSec, stages: stageSeconds(result.history) });
        process.stderr.write(`${name}: ${result.seconds.toFixed(2)} s\n`);
      }
    }
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = cases.map(([name]) => {
    const mine = samples.filter((s) => s.name === name);
    const stage = (state: string) => median(mine.map((s) => s.stages[state] ?? 0)).toFixed(2);
    return `| ${name} | ${median(mine.map((s) => s.seconds)).toFixed(2)} | ${mine[0].filmSeconds.toFixed(2)} | ${stage('Anchor')} | ${stage('Clip')} | ${stage('StoreClip')} | ${stage('JoinFilm')} |`;
  });
  const report = [
    '# Local render benchmark',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.`,
    `Emulator output size: ${fullSize ? 'full (1920×1080)' : '640×360 (default)'}; ${rounds} round(s), medians shown. Stage columns sum each state's time over all scenes.`,
    '',
    '| storyboard | wall s | film s | Anchor s | Clip s (Σ) | StoreClip s (Σ) | JoinFilm s |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Peak resident memory of the CLI process (stack, handlers, emulator; ffmpeg children excluded): ${peakRssMb.toFixed(0)} MB.`,
    '',
    'Clip time is the emulator rendering with ffmpeg and the webhook round trip; StoreClip streams the clip',
    'into S3, probes it and extracts the true last frame; JoinFilm re-encodes the film once and writes the',
    'contact sheet and continuity report. On AWS the Clip column is Replicate time (minutes per clip).',
    '',
  ].join('\n');
  await writeFile(projectPath(fullSize ? 'docs/bench-full-size.md' : 'docs/bench.md'), report);
  process.stdout.write(report);
  return 0;
}
