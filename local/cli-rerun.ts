// longshot regenerate | resume: a new run from one that ended, on the local store render kept.
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { localStoreOf, rerunLocally } from './render';
import { printRenderResult } from './run-summary';
import { UsageError, dollars, emulatorDriftOption, emulatorLatencyOption, emulatorOptions, sceneNumber, type Session } from './cli-options';
import { isRunId } from '../functions/domain/run-keys';
import type { RerunKind } from '../functions/domain/rerun';
import { isRemote } from './remote/target';
import { rerunRemotely } from './remote/run-commands';

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

export function addRerun(program: Command, session: Session, kind: RerunKind) {
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
      const body = {
        ...(opts.scene !== undefined && { scene: opts.scene }),
        ...(opts.prompt !== undefined && { prompt: opts.prompt }),
        ...(opts.maxUsd !== undefined && { maxUsd: opts.maxUsd }),
      };
      if (isRemote(opts)) return void (session.exitCode = await rerunRemotely(kind, runLocation(run, opts.out).runId, body, opts, session));
      const { runId, outDir } = runLocation(run, opts.out);
      const store = localStoreOf(outDir);
      if (!existsSync(store)) throw new UsageError(`no local store at ${store}: ${kind} works on runs rendered into ${outDir} (render keeps its bucket there)`);
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
