// `npm run bench [-- --quick]`: issue 8's figures in one run, written to docs/bench.md (a report, not
// timed tests). Figures are computed in bench-report.ts; CPU is measured per child by tool-cpu.ts.
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from './stack';
import { render } from './render';
import { installToolCpuMeter, type ToolCpuMeter } from './tool-cpu';
import { runFfmpeg } from '../functions/adapters/binaries';
import { projectPath } from '../functions/catalog';
import {
  executionSeconds, finishingCpuSeconds, finishingSeconds, formatBenchReport, modelSeconds, stageSeconds,
  type BenchReport, type FinishingRow, type StageRow,
} from './bench-report';

type Storyboard = Record<string, unknown> & { scenes: unknown[]; clip: Record<string, unknown> };

const FINISHING_LATENCY_S = 8;

async function winterAd(): Promise<Storyboard> {
  return JSON.parse(await readFile(projectPath('examples/winter-ad.json'), 'utf8'));
}

/** winter-ad's three scenes repeated to ten clips of 6 s (a film length the join must stay flat in). */
async function winterTen(): Promise<Storyboard> {
  const board = await winterAd();
  const scenes = Array.from({ length: 10 }, (_, i) => ({ ...(board.scenes[i % 3] as object), name: `scene ${i + 1}` }));
  return { ...board, title: 'Winter ten', clip: { ...board.clip, duration: 6 }, scenes };
}

async function renderOn(stack: LocalStack, name: string, storyboard: unknown, outDir: string, overrides = {}) {
  const result = await render({ storyboard, overrides, outDir, on: stack, progress: false });
  if (result.outcome !== 'succeeded') throw new Error(`${name} did not succeed: ${JSON.stringify(result).slice(0, 500)}`);
  process.stderr.write(`${name}: ${result.seconds.toFixed(2)} s\n`);
  return result;
}

async function withStack<T>(emulator: { fullSize: boolean; latencySeconds: number }, use: (stack: LocalStack) => Promise<T>) {
  const stack = await startLocalStack({ emulator });
  try {
    return await use(stack);
  } finally {
    await stack.stop();
  }
}

/** CPU of one bare x264 re-encode of the clips with the join's video and audio settings. */
async function baselineCpuSeconds(meter: ToolCpuMeter, clips: string[], out: string): Promise<number> {
  await meter.clear();
  const inputs = clips.flatMap((clip) => ['-i', clip]);
  const concat = `${clips.map((_, i) => `[${i}:v][${i}:a]`).join('')}concat=n=${clips.length}:v=1:a=1[v][a]`;
  await runFfmpeg([
    ...inputs, '-filter_complex', concat, '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '192k', out,
  ]);
  const samples = await meter.samples();
  if (samples.length !== 1) throw new Error(`the baseline encode left ${samples.length} samples, not 1`);
  return samples[0].cpuSeconds;
}

async function finishingRun(meter: ToolCpuMeter, name: string, board: Storyboard, dir: string): Promise<FinishingRow> {
  return withStack({ fullSize: true, latencySeconds: FINISHING_LATENCY_S }, async (stack) => {
    await meter.clear();
    const result = await renderOn(stack, name, board, dir);
    const samples = await meter.samples();
    const clips = result.files.filter((f) => /scenes\/\d+\/clip\.mp4$/.test(f)).sort((a, b) => sceneOf(a) - sceneOf(b));
    return {
      name,
      scenes: clips.length,
      filmSeconds: result.manifest.film!.durationSec,
      finishingSeconds: finishingSeconds(result.history),
      finishingCpuSeconds: finishingCpuSeconds(samples, result.history),
      baselineCpuSeconds: await baselineCpuSeconds(meter, clips, join(dir, `${result.runId}-baseline.mp4`)),
    };
  });
}

const sceneOf = (file: string) => Number(/scenes\/(\d+)\//.exec(file)![1]);

async function chainWait(board: Storyboard, dir: string, latency: number) {
  return withStack({ fullSize: true, latencySeconds: latency }, async (stack) => {
    const result = await renderOn(stack, `winter-ad chain, latency ${latency} s`, board, dir);
    const predictions = stack.emulator!.predictions();
    return { latency, wallSeconds: executionSeconds(result.history), modelSeconds: modelSeconds(predictions), predictions: predictions.length };
  });
}

async function stageRows(rounds: number, dir: string): Promise<{ rows: StageRow[]; skipped: string[] }> {
  const board = await winterAd();
  const single = JSON.parse(await readFile(projectPath('examples/winter-ad-single.json'), 'utf8'));
  const cases: [string, unknown, Record<string, string>][] = [
    ['winter-ad (chain, 3 × 10 s)', board, {}],
    ['winter-ad (independent, 3 × 10 s)', board, { strategy: 'independent' }],
    ['winter-ad-single (single, 20 s)', single, {}],
  ];
  const skipped: string[] = [];
  // Keyframes needs a model that ends a clip on a given frame.
  cases.push(['winter-ad (keyframes on ltx-2.3-fast, 3 × 10 s)', board, { strategy: 'keyframes', model: 'ltx-2.3-fast' }]);
  const rows: StageRow[] = cases.map(([name]) => ({ name, wallSeconds: [], filmSeconds: 0, stages: [] }));
  await withStack({ fullSize: false, latencySeconds: 0 }, async (stack) => {
    for (let round = 0; round < rounds; round++) {
      for (const [i, [name, storyboard, overrides]] of cases.entries()) {
        const result = await renderOn(stack, name, storyboard, dir, overrides);
        rows[i].wallSeconds.push(result.seconds);
        rows[i].filmSeconds = result.manifest.film!.durationSec;
        rows[i].stages.push(stageSeconds(result.history));
      }
    }
  });
  return { rows, skipped };
}

export async function runBench(args: string[]): Promise<number> {
  const quick = args.includes('--quick');
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? (quick ? 1 : 2));
  // Wall times depend on what else the machine runs: the report states the load the bench started on.
  const loadAtStart = loadavg()[0];
  const dir = await mkdtemp(join(tmpdir(), 'longshot-bench-'));
  const meter = await installToolCpuMeter(join(dir, 'meter'));
  try {
    const finishing = [await finishingRun(meter, 'winter-ad (chain, 3 × 10 s)', await winterAd(), dir)];
    if (!quick) finishing.push(await finishingRun(meter, 'winter-ten (chain, 10 × 6 s)', await winterTen(), dir));
    // --quick shortens the model time so the run fits a laptop break; the ratio is reported with its latency.
    const wait = await chainWait(await winterAd(), dir, quick ? 10 : 30);
    const { rows, skipped } = await stageRows(rounds, dir);
    const report: BenchReport = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadAtStart.toFixed(1)} at start`,
      quick,
      rounds,
      finishingLatency: FINISHING_LATENCY_S,
      finishing,
      chainWait: wait,
      stages: rows,
      skipped,
    };
    const text = formatBenchReport(report);
    await writeFile(projectPath('docs/bench.md'), text);
    process.stdout.write(text);
    return 0;
  } finally {
    meter.uninstall();
    await rm(dir, { recursive: true, force: true });
  }
}
