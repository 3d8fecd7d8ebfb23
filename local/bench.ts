// `npm run bench [-- --quick]`: issue 8's figures in one run, written to docs/bench.md (a report, not
// timed tests). Figures are computed in bench-report.ts; CPU is measured per child by tool-cpu.ts.
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from './stack';
import { render } from './render';
import { installToolCpuMeter, type ToolCpuMeter } from './tool-cpu';
import { runFfmpeg } from '../functions/adapters/binaries';
import { FUNCTIONS, projectPath } from '../functions/catalog';
import { HANDLERS, type AnyHandler } from './handlers';
import { sizingOf } from '../cdk/sizing';
import { headObject, listKeys } from '../functions/adapters/s3';
import { runKeys } from '../functions/domain/run-keys';
import { SEGMENT_VIDEO_CODEC } from '../functions/domain/segment-recipe';
import { JOIN_SAMPLE_RATE } from '../functions/domain/join-audio';
import {
  executionSeconds, finishingCpuSeconds, finishingParts, runCost, stateTransitions, type Invocation, finishingSeconds, formatBenchReport, keyframesModelSeconds, modelSeconds, stageSeconds,
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

async function withStack<T>(
  emulator: { fullSize: boolean; latencySeconds: number },
  use: (stack: LocalStack) => Promise<T>,
  handlers?: Record<string, AnyHandler>,
) {
  const stack = await startLocalStack({ emulator, handlers });
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
    ...SEGMENT_VIDEO_CODEC, '-c:a', 'aac', '-b:a', '192k', out,
  ]);
  const samples = await meter.samples();
  if (samples.length !== 1) throw new Error(`the baseline encode left ${samples.length} samples, not 1`);
  return samples[0].cpuSeconds;
}

/** Every handler, timed per invocation (what Lambda would bill). */
function timedHandlers(log: Invocation[]): Record<string, AnyHandler> {
  return Object.fromEntries(
    Object.entries(HANDLERS).map(([fn, handler]) => [
      fn,
      async (...args: Parameters<AnyHandler>) => {
        const started = performance.now();
        try {
          return await handler(...args);
        } finally {
          log.push({ fn, ms: performance.now() - started });
        }
      },
    ]),
  );
}

/** Sizes (MB) of the run's objects of each kind, read from the bucket: what the functions hold in /tmp. */
async function fileSizes(stack: LocalStack, runId: string, filmSeconds: number): Promise<FinishingRow['largestMb']> {
  const keys = await listKeys(stack.config, runKeys(runId).prefix);
  const sizes = async (pattern: RegExp) =>
    Promise.all(keys.filter((k) => pattern.test(k)).map(async (k) => ((await headObject(stack.config, k))?.size ?? 0) / 1e6));
  const [clips, segments, pieces, film] = await Promise.all([
    sizes(/scenes\/\d+\/clip\.mp4$/), sizes(/segments\/\d+\/video\.mp4$/), sizes(/segments\/\d+\/audio\.f32$/), sizes(/final\.mp4$/),
  ]);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // JoinFilm holds every segment and sound piece, the film, and the mix as 32-bit stereo WAV at 48 kHz.
  const mix = (filmSeconds * JOIN_SAMPLE_RATE * 2 * 4) / 1e6;
  return {
    clip: Math.max(0, ...clips),
    segment: Math.max(0, ...segments),
    audioPiece: Math.max(0, ...pieces),
    film: Math.max(0, ...film),
    joinTmp: sum(segments) + sum(pieces) + sum(film) + mix,
  };
}

async function finishingRun(meter: ToolCpuMeter, name: string, board: Storyboard, dir: string): Promise<FinishingRow> {
  const invocations: Invocation[] = [];
  return withStack({ fullSize: true, latencySeconds: FINISHING_LATENCY_S }, async (stack) => {
    await meter.clear();
    const result = await renderOn(stack, name, board, dir);
    const samples = await meter.samples();
    const clips = result.files.filter((f) => /scenes\/\d+\/clip\.mp4$/.test(f)).sort((a, b) => sceneOf(a) - sceneOf(b));
    return {
      name,
      scenes: clips.length,
      cost: runCost(invocations, stateTransitions(result.history), lambdaSizing),
      largestMb: await fileSizes(stack, result.runId, result.manifest.film!.durationSec),
      filmSeconds: result.manifest.film!.durationSec,
      finishingSeconds: finishingSeconds(result.history),
      ...finishingParts(result.history),
      finishingCpuSeconds: finishingCpuSeconds(samples, result.history),
      baselineCpuSeconds: await baselineCpuSeconds(meter, clips, join(dir, `${result.runId}-baseline.mp4`)),
    };
  }, timedHandlers(invocations));
}

/** Each function's deployed memory, /tmp and architecture (cdk/sizing.ts, functions/catalog.ts). */
function lambdaSizing(fn: string) {
  const spec = FUNCTIONS.find((f) => f.name === fn);
  return { ...sizingOf(fn), arch: spec?.media ? ('x86_64' as const) : ('arm64' as const) };
}

const sceneOf = (file: string) => Number(/scenes\/(\d+)\//.exec(file)![1]);

async function chainWait(board: Storyboard, dir: string, latency: number) {
  return withStack({ fullSize: true, latencySeconds: latency }, async (stack) => {
    const result = await renderOn(stack, `winter-ad chain, latency ${latency} s`, board, dir);
    const predictions = stack.emulator!.predictions();
    return { latency, wallSeconds: executionSeconds(result.history), modelSeconds: modelSeconds(predictions), predictions: predictions.length };
  });
}

/** winter-day's six scenes as keyframes on a model that ends a clip on a given frame. */
async function keyframesWait(dir: string, latency: number) {
  const board = JSON.parse(await readFile(projectPath('examples/winter-day.json'), 'utf8'));
  return withStack({ fullSize: true, latencySeconds: latency }, async (stack) => {
    const result = await renderOn(stack, `winter-day keyframes, latency ${latency} s`, board, dir, { strategy: 'keyframes', model: 'ltx-2.3-fast' });
    return {
      latency,
      scenes: result.manifest.film!.scenes.length,
      wallSeconds: executionSeconds(result.history),
      model: keyframesModelSeconds(stack.emulator!.predictions()),
    };
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
    const keyframes = await keyframesWait(dir, quick ? 10 : 30);
    const { rows, skipped } = await stageRows(rounds, dir);
    const report: BenchReport = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadAtStart.toFixed(1)} at start`,
      quick,
      rounds,
      finishingLatency: FINISHING_LATENCY_S,
      finishing,
      chainWait: wait,
      keyframesWait: keyframes,
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
