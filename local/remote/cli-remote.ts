// The options and commands that reach an API instead of starting a stack: --stack/--api/--region on
// render, compare, regenerate and resume, and `status` / `cancel` (which default to `longshot dev`).
import { basename } from 'node:path';
import { Option, type Command } from 'commander';
import { isRunId } from '../../functions/domain/run-keys';
import { UsageError, type Session } from '../cli-options';
import { ApiClient, unexpected } from './api-client';
import { consoleUrl, describeRun, type RunReport } from './follow';
import { followAndCollect, type RemoteCommandOptions } from './run-commands';
import { LOCAL_DEV_API, resolveTarget } from './target';

const pollMs = (value: string) => {
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 10)) throw new UsageError('--poll-ms: a whole number of milliseconds ≥ 10');
  return n;
};

/** --stack/--api/--region: run the command against that API (signed with SigV4 unless it is `longshot dev`'s). */
export function addTargetOptions(command: Command, local = 'the embedded local stack'): Command {
  return command
    .option('--stack <name>', `the deployed CloudFormation stack to use (its ApiUrl output; default: ${local})`)
    .option('--api <url>', 'the API to use, e.g. the stack\'s ApiUrl or http://127.0.0.1:8787/ (longshot dev)')
    .option('--region <region>', 'AWS region of the stack or API (default: from the API URL, AWS_REGION or your profile)')
    .addOption(new Option('--poll-ms <ms>', 'first wait between status checks').argParser(pollMs).hideHelp());
}

/** A run named on the command line: its id, or its directory (out/<runId>). */
export function runIdOf(arg: string): string {
  const id: unknown = isRunId(arg) ? arg : basename((arg as string).replace(/\/+$/, ''));
  if (!isRunId(id)) throw new UsageError(`${arg}: not a run id (like 20261125-1042-winter-ad-3f9c2a7be41d08c6) or a run's directory (out/<runId>)`);
  return id;
}

const runNotFound = (runId: string, client: ApiClient) =>
  new UsageError(`run ${runId} is not known to ${client.target.apiUrl.href}`);

export function addStatus(program: Command, session: Session) {
  const command = program
    .command('status')
    .description(`show a run's status, scenes, current step and cost (from GET /runs/{runId}); --follow waits for its end and downloads it`)
    .argument('<run>', 'the run id (or its directory out/<runId>)')
    .option('--follow', 'follow the run to its end, then download it into DIR/<runId>/')
    .option('--out <dir>', 'with --follow: where the results land', 'out')
    .option('--json', 'print the API’s answer as JSON');
  addTargetOptions(command, `longshot dev at ${LOCAL_DEV_API}`).action(async (run: string, opts: RemoteCommandOptions & { follow?: boolean }) => {
    const runId = runIdOf(run);
    const client = new ApiClient(await resolveTarget(opts));
    if (opts.follow) {
      session.exitCode = await followAndCollect(client, runId, opts, session);
      return;
    }
    const response = await client.call('GET', `runs/${runId}`);
    if (response.status === 404) throw runNotFound(runId, client);
    if (response.status !== 200) throw unexpected(`GET /runs/${runId}`, response);
    const report = response.body as unknown as RunReport;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${runId}: ${describeRun(report)}\n`);
    const failure = report.manifest?.failure ?? report.error;
    if (failure) process.stdout.write(`  ${failure.error}: ${failure.cause}\n`);
    if (report.urls.film) process.stdout.write(`  film ready: longshot status ${runId} ${client.target.flag} --follow downloads it\n`);
    const url = consoleUrl(report.execution?.arn, client.target.stateMachineArn, report.manifest?.executionName ?? runId);
    if (url) process.stdout.write(`  console: ${url}\n`);
  });
}

export function addCancel(program: Command, session: Session) {
  const command = program
    .command('cancel')
    .description('stop a run and cancel its predictions (DELETE /runs/{runId}); a run that already ended is left as it is')
    .argument('<run>', 'the run id (or its directory out/<runId>)')
    .option('--json', 'print the API’s answer as JSON');
  addTargetOptions(command, `longshot dev at ${LOCAL_DEV_API}`).action(async (run: string, opts: RemoteCommandOptions) => {
    const runId = runIdOf(run);
    const client = new ApiClient(await resolveTarget(opts));
    const response = await client.call('DELETE', `runs/${runId}`);
    if (response.status === 404) throw runNotFound(runId, client);
    if (response.status !== 202) throw unexpected(`DELETE /runs/${runId}`, response);
    const { status, canceledPredictions } = response.body as { status: string; canceledPredictions?: string[] };
    if (opts.json) process.stdout.write(`${JSON.stringify(response.body, null, 2)}\n`);
    else if (status === 'canceled') process.stdout.write(`✓ ${runId}: canceled; ${canceledPredictions?.length ?? 0} prediction(s) canceled\n`);
    else process.stdout.write(`${runId} had already ended: ${status}; nothing to cancel\n`);
    session.exitCode = 0;
  });
}
