// longshot: render | validate | dev. Exit codes: 0 ok, 1 the run failed, 2 invalid storyboard.
import { readFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { render } from './render';
import { runDevServer } from './dev-server';
import { compare } from './compare';
import { DEFAULT_VARIANTS, parseVariants } from '../functions/domain/compare';
import { STRATEGIES, parseStoryboard } from '../functions/domain/storyboard';
import { buildPlan } from '../functions/domain/plan';
import { InvalidStoryboardError } from '../functions/domain/errors';
import { VIDEO_MODEL_IDS } from '../functions/domain/models';

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

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('longshot')
    .description('Storyboard in, cinematic video with sound out (LTX-2 on Replicate, orchestrated by Step Functions).')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('render')
    .description('render a storyboard offline through the real state machine (or live Replicate)')
    .argument('<storyboard>', 'storyboard JSON file')
    .option('--out <dir>', 'output directory; the film lands in DIR/<runId>/final.mp4', 'out')
    .addOption(new Option('--model <model>', 'override the storyboard model').choices(VIDEO_MODEL_IDS))
    .addOption(new Option('--strategy <strategy>', 'override the storyboard strategy').choices([...STRATEGIES]))
    .addOption(new Option('--replicate <where>', 'emulator (offline) or live (needs REPLICATE_API_TOKEN)').choices(['emulator', 'live']).default('emulator'))
    .option('--no-webhooks', 'complete every prediction through the poll path')
    .option('--full-size', 'emulator renders real output sizes (1920x1080) instead of 640x360')
    .option('--json', 'print a JSON summary on stdout')
    .option('--verbose', 'show the handlers’ structured logs')
    .action(async (file: string, opts) => {
      const storyboard = await readStoryboard(file);
      const result = await render({
        storyboard,
        outDir: opts.out,
        overrides: { model: opts.model, strategy: opts.strategy },
        progress: !opts.json,
        stack: {
          replicate: opts.replicate,
          webhooks: opts.webhooks,
          emulator: { fullSize: Boolean(opts.fullSize) },
          logLevel: opts.verbose ? 'INFO' : undefined,
        },
      });
      exitCode = result.exitCode;
      if (result.outcome === 'invalid') {
        if (opts.json) process.stdout.write(`${JSON.stringify({ outcome: 'invalid', problems: result.problems }, null, 2)}\n`);
        else printProblems(file, result.problems);
        return;
      }
      if (opts.json) {
        const { manifest, ...summary } = result;
        process.stdout.write(`${JSON.stringify({ ...summary, failure: manifest.failure, film: result.film, manifestFile: `${result.dir}/manifest.json` }, null, 2)}\n`);
        return;
      }
      if (result.outcome === 'succeeded') {
        const film = result.manifest.film!;
        process.stderr.write(
          `✓ ${result.runId}: ${film.durationSec.toFixed(2)} s, ${film.width}x${film.height} @ ${film.fps} fps, ${result.manifest.scenesDone} clip(s), ~$${result.manifest.cost.usd} at list prices, rendered in ${result.seconds.toFixed(1)} s\n`,
        );
        process.stdout.write(`${result.film}\n`);
      } else {
        const failure = result.manifest.failure;
        process.stderr.write(`✗ ${result.runId} failed in ${failure?.state ?? 'an unknown state'}: ${failure?.error ?? result.execution.error}: ${failure?.cause ?? result.execution.cause}\n`);
        process.stderr.write(`  manifest: ${result.dir}/manifest.json\n`);
      }
    });

  program
    .command('compare')
    .description('render variants of one storyboard (model × strategy) and put the films side by side')
    .argument('<storyboard>', 'storyboard JSON file')
    .option('--variants <list>', 'comma-separated model:strategy pairs (fast/pro accepted)', DEFAULT_VARIANTS)
    .option('--out <dir>', 'output directory; results land in DIR/<compareId>/', 'out')
    .addOption(new Option('--replicate <where>').choices(['emulator', 'live']).default('emulator'))
    .option('--no-webhooks', 'complete every prediction through the poll path')
    .option('--full-size', 'emulator renders real output sizes')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (file: string, opts) => {
      let variants;
      try {
        variants = parseVariants(opts.variants);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const result = await compare({
        storyboard: await readStoryboard(file),
        variants,
        outDir: opts.out,
        progress: !opts.json,
        stack: { replicate: opts.replicate, webhooks: opts.webhooks, emulator: { fullSize: Boolean(opts.fullSize) } },
      });
      exitCode = result.exitCode;
      if (result.outcome === 'invalid') {
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else printProblems(file, result.problems);
        return;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ outcome: result.outcome, dir: result.dir, sideBySide: result.sideBySide, variants: result.rows }, null, 2)}\n`);
        return;
      }
      process.stderr.write(`\n${result.table}\n`);
      if (result.sideBySide) process.stdout.write(`${result.sideBySide}\n`);
    });

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
      for (const scene of plan.scenes) {
        process.stdout.write(`  ${scene.step}: ${scene.duration} s @ ${scene.fps} fps ${scene.resolution}, from ${scene.seedKey ? scene.seedKey.split('/').slice(-2).join('/') : 'text only'} — ${scene.name}\n`);
      }
      process.stdout.write(`  film: ~${plan.estimate.seconds} s, estimated $${plan.estimate.usd} at list prices\n`);
    });

  program
    .command('dev')
    .description('run the local API (POST/GET/DELETE /runs, POST /webhooks/replicate) and S3 with the inbox/ trigger')
    .option('--port <n>', 'API port', port, 8787)
    .option('--s3-port <n>', 'S3 port', port, 4569)
    .addOption(new Option('--replicate <where>').choices(['emulator', 'live']).default('emulator'))
    .option('--no-webhooks', 'complete predictions through the poll path')
    .option('--verbose', 'show the handlers’ structured logs')
    .action(async (opts) => {
      await runDevServer({ apiPort: opts.port, s3Port: opts.s3Port, replicate: opts.replicate, webhooks: opts.webhooks, logLevel: opts.verbose ? 'INFO' : undefined });
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; a wrong option or value is a usage error (2).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof InvalidStoryboardError) {
      printProblems(argv[3] ?? 'storyboard', error.problems);
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`✗ ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`✗ ${(error as Error).stack ?? error}\n`);
    return 1;
  }
  return exitCode;
}
