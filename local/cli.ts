// longshot: render | regenerate | resume | compare | validate | dev. Exit codes: 0 ok, 1 the run failed, 2 a usage error
// (invalid storyboard, port in use, missing token: one line says what to do), 130 interrupted (Ctrl-C).
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { InterruptedError, render } from './render';
import { addRerun } from './cli-rerun';
import { printProblems, printRenderResult } from './run-summary';
import {
  UsageError,
  emulatorDriftOption,
  emulatorFaultOption,
  emulatorLatencyOption,
  emulatorOptions,
  port,
  replicateOption,
  type Session,
} from './cli-options';
import { runDevServer } from './dev-server';
import { LocalStackError, PortInUseError } from './stack';
import { compare } from './compare';
import { DEFAULT_VARIANTS, parseVariants } from '../functions/domain/compare';
import { STRATEGIES, parseStoryboard } from '../functions/domain/storyboard';
import { buildPlan } from '../functions/domain/plan';
import { InvalidStoryboardError } from '../functions/domain/errors';
import { VIDEO_MODEL_IDS } from '../functions/domain/models';
import { EmulatorFaultError, withEmulatorFaults } from './emulator-faults';
import { addCancel, addStatus, addTargetOptions } from './remote/cli-remote';
import { renderRemotely } from './remote/run-commands';
import { compareRemotely } from './remote/compare-remote';
import { isRemote } from './remote/target';
import { runDevAgainst } from './remote/api-proxy';
import { serveViewer } from './viewer-files';

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
      if (isRemote(opts)) return void (session.exitCode = await renderRemotely(storyboard, file, opts, session));
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
      if (isRemote(opts)) return void (session.exitCode = await compareRemotely(storyboard, file, variants, opts, session));
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
    .option('--out <dir>', 'where runs are kept: the bucket render, regenerate and resume use (DIR/.longshot/bucket)', 'out')
    .option('--verbose', 'show the handlers’ structured logs')
    .action(async (opts) => {
      if (isRemote(opts)) return runDevAgainst(opts, session.signal, serveViewer);
      const stack = { apiPort: opts.port, s3Port: opts.s3Port, replicate: opts.replicate, webhooks: opts.webhooks, emulator: emulatorOptions(opts) };
      const options = withEmulatorFaults(stack, opts.emulatorFault, null);
      await runDevServer({ ...options, logLevel: opts.verbose ? 'INFO' : undefined }, session.signal, opts.out);
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
  addStatus(program, session);
  addCancel(program, session);
  addValidate(program);
  addDev(program, session);
  for (const name of ['render', 'regenerate', 'resume', 'compare', 'dev']) addTargetOptions(program.commands.find((c) => c.name() === name)!);
  try {
    await program.parseAsync(argv);
    return session.exitCode;
  } catch (error) {
    return exitCodeFor(error, argv);
  } finally {
    signals.dispose();
  }
}
