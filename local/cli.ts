// longshot: render | regenerate | resume | compare | validate | dev. Exit codes: 0 ok, 1 the run failed, 2 a usage error
// (invalid storyboard, port in use, missing token: one line says what to do), 130 interrupted (Ctrl-C).
import { continuitySummary } from '../functions/domain/continuity-report';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InterruptedError, localStoreOf, render, rerunLocally, type RerunResult } from './render';
import { isRunId } from '../functions/domain/run-keys';
import type { RerunKind } from '../functions/domain/rerun';
import { runDevServer } from './dev-server';
import { LocalStackError, PortInUseError } from './stack';
import { compare } from './compare';
import { DEFAULT_VARIANTS, parseVariants } from '../functions/domain/compare';
import { LIMITS, STRATEGIES, parseStoryboard } from '../functions/domain/storyboard';
import { buildPlan } from '../functions/domain/plan';
import { InvalidStoryboardError } from '../functions/domain/errors';
import { VIDEO_MODEL_IDS } from '../functions/domain/models';
import type { Manifest } from '../functions/domain/manifest';
import { EMULATOR_DRIFT_MODES, isEmulatorLatency, type EmulatorDrift } from './replicate-emulator';
import { EmulatorFaultError, withEmulatorFaults } from './emulator-faults';

class UsageError extends Error {}

async function readStoryboard(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidStoryboardError([`(file): ${file} is not valid JSON: ${(error as Error).message}`]);
  }
}

const printProblems = (file: string, problems: string[]) => {
  process.stderr.write(`✗ ${file} is not a valid storyboard; nothing was started:\n`);
  for (const problem of problems) process.stderr.write(`  - ${problem}\n`);
};

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number 0–65535');
  return n;
};

/** What the commands share: the exit code they set and the Ctrl-C signal. */
interface Session {
  exitCode: number;
  signal: AbortSignal;
}

/** Ctrl-C must end the command within 5 s, whatever is still running after cleanup. */
const HARD_EXIT_MS = 4500;

/** SIGINT/SIGTERM abort the session's signal (commands clean up); a second one exits at once. */
function watchSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      process.stderr.write('✗ stopped again: exiting without waiting for cleanup\n');
      process.exit(130);
    }
    process.stderr.write('stopping… (Ctrl-C again exits at once, without cleanup)\n');
    controller.abort();
    setTimeout(() => {
      process.stderr.write('✗ cleanup did not finish within 5 s; exiting\n');
      process.exit(130);
    }, HARD_EXIT_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Every temp directory of this command (s3rver's, the emulator's, each step's scratch directory)
 * goes under one directory that is removed when the process exits, however it exits: a step cut
 * short by Ctrl-C leaves nothing behind.
 */
function useOwnTempDir() {
  const root = mkdtempSync(join(tmpdir(), 'longshot-'));
  Object.assign(process.env, { TMPDIR: root, TMP: root, TEMP: root });
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
}

/** Estimate vs what the run spent, the budget, and what was reused. */
function costLine(manifest: Manifest): string {
  const { cost } = manifest;
  const parts = [`spent $${cost.usd.toFixed(3)} on ${manifest.predictions.length} prediction(s)`];
  if (cost.runningUsd > 0) parts.push(`$${cost.runningUsd.toFixed(3)} still held for predictions whose end was not reported`);
  if (cost.estimateUsd !== null) parts.push(`estimate $${cost.estimateUsd.toFixed(3)} at list prices`);
  if (cost.budgetUsd !== null) parts.push(`budget $${cost.budgetUsd}`);
  if (cost.reusedSteps > 0) parts.push(`${cost.reusedSteps} step(s) reused at no cost`);
  const origin = manifest.origin ? ` (${manifest.origin.kind} of ${manifest.origin.parentRunId}${manifest.origin.scene ? `, scene ${manifest.origin.scene}` : ''})` : '';
  return `cost: ${parts.join('; ')}${origin}`;
}

function printRenderResult(file: string, json: boolean, result: RerunResult) {
  if (result.outcome === 'invalid') {
    if (json) process.stdout.write(`${JSON.stringify({ outcome: 'invalid', problems: result.problems }, null, 2)}\n`);
    else printProblems(file, result.problems);
    return;
  }
  if (result.outcome === 'refused') {
    if (json) process.stdout.write(`${JSON.stringify({ outcome: 'refused', message: result.message }, null, 2)}\n`);
    else process.stderr.write(`✗ ${result.message}; nothing was started\n`);
    return;
  }
  if (json) {
    const { manifest, ...summary } = result;
    process.stdout.write(`${JSON.stringify({ ...summary, failure: manifest.failure, film: result.film, manifestFile: `${result.dir}/manifest.json` }, null, 2)}\n`);
    return;
  }
  if (result.outcome === 'succeeded') {
    const film = result.manifest.film!;
    process.stderr.write(
      `✓ ${result.runId}: ${film.durationSec.toFixed(2)} s, ${film.width}x${film.height} @ ${film.fps} fps, ${result.manifest.scenesDone} clip(s), rendered in ${result.seconds.toFixed(1)} s\n`,
    );
    process.stderr.write(`  ${costLine(result.manifest)}\n`);
    for (const line of continuitySummary(film.continuity)) process.stderr.write(`  ${line}\n`);
    process.stderr.write(`  continuity: ${result.dir}/continuity.json, drift-chart.png, contact-sheet.png\n`);
    process.stdout.write(`${result.film}\n`);
    return;
  }
  if (result.outcome === 'interrupted') {
    process.stderr.write(`✗ ${result.runId} interrupted: recorded as canceled, predictions canceled; what was made is in ${result.dir}/\n`);
    process.stderr.write(`  ${costLine(result.manifest)}\n  go on from here: longshot resume ${result.dir}\n`);
    return;
  }
  const failure = result.manifest.failure;
  process.stderr.write(`  ${costLine(result.manifest)}\n`);
  if (failure?.error === 'BudgetExceeded') process.stderr.write(`  resume it with a higher budget: longshot resume ${result.dir} --max-usd N\n`);
  else process.stderr.write(`  go on from here: longshot resume ${result.dir}\n`);
  process.stderr.write(`✗ ${result.runId} failed in ${failure?.state ?? 'an unknown state'}: ${failure?.error ?? result.execution.error}: ${failure?.cause ?? result.execution.cause}\n`);
  process.stderr.write(`  manifest: ${result.dir}/manifest.json\n`);
}

const replicateOption = () =>
  new Option('--replicate <where>', 'emulator (offline) or live (needs REPLICATE_API_TOKEN)').choices(['emulator', 'live']).default('emulator');

const emulatorDriftOption = () =>
  new Option('--emulator-drift <mode>', 'realistic: emulated clips drift like real chained models (colour creep, static heads, loudness); none: they copy their input')
    .choices([...EMULATOR_DRIFT_MODES])
    .default('realistic');

const latencySeconds = (value: string) => {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!isEmulatorLatency(n)) throw new InvalidArgumentError('a number of seconds ≥ 0 (e.g. 8 or 0.5)');
  return n;
};

const emulatorLatencyOption = () =>
  new Option('--emulator-latency <seconds>', 'least time each emulated prediction takes, as Replicate\'s model time (0: as fast as ffmpeg renders)')
    .argParser(latencySeconds)
    .default(0);

const emulatorFaultOption = () =>
  new Option('--emulator-fault <step:kind>', 'every prediction of a step (anchor, keyframe-N, scene-N) gets a fault: fail, 429, slow, drop-webhook or corrupt; repeatable')
    .argParser((value: string, previous: string[] = []) => [...previous, value]);

const emulatorOptions = (opts: { fullSize?: boolean; emulatorDrift: EmulatorDrift; emulatorLatency: number }) => ({
  fullSize: Boolean(opts.fullSize),
  drift: opts.emulatorDrift,
  latencySeconds: opts.emulatorLatency,
});

function addRender(program: Command, session: Session) {
  program
    .command('render')
    .description('render a storyboard offline through the real state machine (or live Replicate)')
    .argument('<storyboard>', 'storyboard JSON file')
    .option('--out <dir>', 'output directory; the film lands in DIR/<runId>/final.mp4', 'out')
    .addOption(new Option('--model <model>', 'override the storyboard model').choices(VIDEO_MODEL_IDS))
    .addOption(new Option('--strategy <strategy>', 'override the storyboard strategy').choices([...STRATEGIES]))
    .addOption(replicateOption())
    .option('--no-webhooks', 'complete every prediction through the poll path')
    .option('--full-size', 'emulator renders real output sizes (1920x1080) instead of 640x360')
    .addOption(emulatorDriftOption())
    .addOption(emulatorLatencyOption())
    .addOption(emulatorFaultOption())
    .option('--json', 'print a JSON summary on stdout')
    .option('--verbose', 'show the handlers’ structured logs')
    .action(async (file: string, opts) => {
      const storyboard = await readStoryboard(file);
      const overrides = { model: opts.model, strategy: opts.strategy };
      const stack = { replicate: opts.replicate, webhooks: opts.webhooks, emulator: emulatorOptions(opts), logLevel: opts.verbose ? 'INFO' : undefined };
      const result = await render({
        storyboard,
        outDir: opts.out,
        overrides,
        progress: !opts.json,
        signal: session.signal,
        stack: withEmulatorFaults(stack, opts.emulatorFault, [{ storyboard, overrides }]),
      });
      session.exitCode = result.exitCode;
      printRenderResult(file, Boolean(opts.json), result);
    });
}

const dollars = (value: string) => {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!(n > 0 && n <= LIMITS.maxBudgetUsd)) throw new InvalidArgumentError(`a budget in US dollars, more than 0 and at most ${LIMITS.maxBudgetUsd}`);
  return n;
};

const sceneNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a scene number: 1, 2, 3…');
  return n;
};

/**
 * A run named on the command line: its directory (out/<runId>, as render printed it) or its id
 * (under --out). Its local store is DIR/.longshot/bucket, which render left behind.
 */
function runLocation(arg: string, out: string): { runId: string; outDir: string } {
  if (isRunId(arg)) return { runId: arg, outDir: out };
  const dir = resolve(arg);
  if (!isRunId(basename(dir))) {
    throw new UsageError(`${arg}: not a run id (like 20261125-1042-winter-ad-3f9c2a7be41d08c6) or a run's directory (out/<runId>)`);
  }
  return { runId: basename(dir), outDir: dirname(dir) };
}

function addRerun(program: Command, session: Session, kind: RerunKind) {
  const command = program
    .command(kind)
    .description(
      kind === 'regenerate'
        ? 'make one scene again (and, in a chain, the scenes after it), reusing everything else; a new run'
        : 'go on with a failed, canceled or budget-stopped run: only what is missing is generated; a new run',
    )
    .argument('<run>', 'the run: its directory (out/<runId>) or its id');
  if (kind === 'regenerate') {
    command.requiredOption('--scene <n>', 'the scene to generate again', sceneNumber).option('--prompt <text>', 'a new prompt for that scene');
  }
  command
    .option('--max-usd <usd>', 'a new budget for the new run (storyboard budget.maxUsd)', dollars)
    .option('--out <dir>', 'where runs are kept (when <run> is an id)', 'out')
    .option('--no-webhooks', 'complete every prediction through the poll path')
    .option('--full-size', 'emulator renders real output sizes (1920x1080) instead of 640x360')
    .addOption(emulatorDriftOption())
    .addOption(emulatorLatencyOption())
    .option('--json', 'print a JSON summary on stdout')
    .action(async (run: string, opts) => {
      const { runId, outDir } = runLocation(run, opts.out);
      const store = localStoreOf(outDir);
      if (!existsSync(store)) throw new UsageError(`no local store at ${store}: ${kind} works on runs rendered into ${outDir} (render keeps its bucket there)`);
      const body = {
        ...(opts.scene !== undefined && { scene: opts.scene }),
        ...(opts.prompt !== undefined && { prompt: opts.prompt }),
        ...(opts.maxUsd !== undefined && { maxUsd: opts.maxUsd }),
      };
      const result = await rerunLocally({
        kind,
        parentRunId: runId,
        body,
        outDir,
        progress: !opts.json,
        signal: session.signal,
        stack: { webhooks: opts.webhooks, emulator: emulatorOptions(opts) },
      });
      session.exitCode = result.exitCode;
      printRenderResult(run, Boolean(opts.json), result);
    });
}

function addCompare(program: Command, session: Session) {
  program
    .command('compare')
    .description('render variants of one storyboard (model × strategy) as one compare execution and put the films side by side')
    .argument('<storyboard>', 'storyboard JSON file')
    .option('--variants <list>', 'comma-separated model:strategy pairs (fast/pro/fast23/pro23 accepted)', DEFAULT_VARIANTS)
    .option('--out <dir>', 'output directory; results land in DIR/<compareId>/', 'out')
    .addOption(replicateOption())
    .option('--no-webhooks', 'complete every prediction through the poll path')
    .option('--full-size', 'emulator renders real output sizes')
    .addOption(emulatorDriftOption())
    .addOption(emulatorLatencyOption())
    .addOption(emulatorFaultOption())
    .option('--json', 'print a JSON summary on stdout')
    .action(async (file: string, opts) => {
      let variants;
      try {
        variants = parseVariants(opts.variants);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const storyboard = await readStoryboard(file);
      const runs = variants.map((v) => ({ storyboard, overrides: { model: v.model, strategy: v.strategy } }));
      const result = await compare({
        storyboard,
        variants,
        outDir: opts.out,
        progress: !opts.json,
        signal: session.signal,
        stack: withEmulatorFaults({ replicate: opts.replicate, webhooks: opts.webhooks, emulator: emulatorOptions(opts) }, opts.emulatorFault, runs),
      });
      session.exitCode = result.exitCode;
      if (result.outcome === 'invalid') {
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else printProblems(file, result.problems);
        return;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ outcome: result.outcome, compareId: result.compareId, dir: result.dir, sideBySide: result.sideBySide, variants: result.rows }, null, 2)}\n`);
        return;
      }
      process.stderr.write(`\n${result.table}\n`);
      if (result.outcome === 'interrupted') process.stderr.write(`✗ interrupted: the variants rendered so far are in ${result.dir}/\n`);
      else if (result.execution.status !== 'SUCCEEDED') process.stderr.write(`✗ compare ${result.compareId} failed: ${result.execution.error}: ${result.execution.cause}\n`);
      if (result.sideBySide) process.stdout.write(`${result.sideBySide}\n`);
    });
}

function addValidate(program: Command) {
  program
    .command('validate')
    .description('check a storyboard and show what would be generated; starts nothing')
    .argument('<storyboard>', 'storyboard JSON file')
    .addOption(new Option('--model <model>').choices(VIDEO_MODEL_IDS))
    .addOption(new Option('--strategy <strategy>').choices([...STRATEGIES]))
    .action(async (file: string, opts) => {
      const board = parseStoryboard(await readStoryboard(file), { model: opts.model, strategy: opts.strategy });
      const plan = buildPlan('00000000-0000-validate-0000000000000000', board);
      process.stdout.write(`✓ ${file}: "${board.title}", ${board.strategy} with ${board.model}\n`);
      process.stdout.write(`  anchor: ${plan.anchor.mode}${plan.anchor.mode === 'generate' ? ` (SDXL ${plan.anchor.width}x${plan.anchor.height})` : ''}\n`);
      const short = (key: string) => key.split('/').slice(-2).join('/');
      if (plan.keyframes) process.stdout.write(`  keyframes: ${plan.keyframes.length} (SDXL image-to-image from the anchor, seed ${plan.keyframes[0].seed})\n`);
      for (const scene of plan.scenes) {
        const to = scene.endFrameKey ? ` to ${short(scene.endFrameKey)}` : '';
        process.stdout.write(`  ${scene.step}: ${scene.duration} s @ ${scene.fps} fps ${scene.resolution}, from ${scene.seedKey ? short(scene.seedKey) : 'text only'}${to} — ${scene.name}\n`);
      }
      const budget = board.budget ? `, within the budget of $${board.budget.maxUsd}` : '';
      process.stdout.write(`  film: ~${plan.estimate.seconds} s, estimated $${plan.estimate.usd} at list prices${budget}\n`);
    });
}

function addDev(program: Command, session: Session) {
  program
    .command('dev')
    .description('run the local API (POST/GET/DELETE /runs, POST /webhooks/replicate), S3 with the inbox/ trigger and Step Functions')
    .option('--port <n>', 'API port', port, 8787)
    .option('--s3-port <n>', 'S3 port', port, 4569)
    .addOption(replicateOption())
    .option('--no-webhooks', 'complete predictions through the poll path')
    .option('--full-size', 'emulator renders real output sizes (1920x1080) instead of 640x360')
    .addOption(emulatorDriftOption())
    .addOption(emulatorLatencyOption())
    .addOption(emulatorFaultOption())
    .option('--verbose', 'show the handlers’ structured logs')
    .action(async (opts) => {
      const stack = { apiPort: opts.port, s3Port: opts.s3Port, replicate: opts.replicate, webhooks: opts.webhooks, emulator: emulatorOptions(opts) };
      const options = withEmulatorFaults(stack, opts.emulatorFault, null);
      await runDevServer({ ...options, logLevel: opts.verbose ? 'INFO' : undefined }, session.signal);
    });
}

/** Expected problems get one line that says what to do, never a stack trace. */
function exitCodeFor(error: unknown, argv: string[]): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; a wrong option or value is a usage error (2).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof InvalidStoryboardError) {
    printProblems(argv[3] ?? 'storyboard', error.problems);
    return 2;
  }
  if (error instanceof PortInUseError) {
    process.stderr.write(`✗ ${error.message}; pass ${error.service === 'api' ? '--port' : '--s3-port'} N\n`);
    return 2;
  }
  if (error instanceof UsageError || error instanceof LocalStackError || error instanceof EmulatorFaultError) {
    process.stderr.write(`✗ ${error.message}\n`);
    return 2;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write(`✗ ${error.message}\n`);
    return 130;
  }
  process.stderr.write(`✗ ${(error as Error).stack ?? error}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  useOwnTempDir();
  const signals = watchSignals();
  const session: Session = { exitCode: 0, signal: signals.signal };
  const program = new Command('longshot')
    .description('Storyboard in, cinematic video with sound out (LTX-2 on Replicate, orchestrated by Step Functions).')
    .showHelpAfterError()
    .exitOverride();
  addRender(program, session);
  addRerun(program, session, 'regenerate');
  addRerun(program, session, 'resume');
  addCompare(program, session);
  addValidate(program);
  addDev(program, session);
  try {
    await program.parseAsync(argv);
    return session.exitCode;
  } catch (error) {
    return exitCodeFor(error, argv);
  } finally {
    signals.dispose();
  }
}
