// render | regenerate | resume over the API (--stack or --api): start the run, follow it with the
// same progress lines, download its results into DIR/<runId>/ and print its console link.
import { join, resolve } from 'node:path';
import { continuitySummary } from '../../functions/domain/continuity-report';
import type { RerunKind } from '../../functions/domain/rerun';
import { costLine, printProblems } from '../run-summary';
import type { Session } from '../cli-options';
import { ApiClient, unexpected } from './api-client';
import { RemoteError } from './errors';
import { consoleUrl, downloadRun, followRun, type RunReport } from './follow';
import { resolveTarget, type RemoteTarget, type TargetOptions } from './target';

export interface RemoteCommandOptions extends TargetOptions {
  out?: string;
  json?: boolean;
  /** First wait between GETs (tests make it short). */
  pollMs?: number;
}

const stamp = (started: number) => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;

/** Prints the console link once it is known: from the report's execution ARN, or the stack's state machine. */
function consoleLinker(target: RemoteTarget, json: boolean) {
  let printed: string | null = null;
  return (runId: string, report?: RunReport) => {
    if (printed) return printed;
    const url = consoleUrl(report?.execution?.arn, target.stateMachineArn, report?.manifest?.executionName ?? runId);
    if (url && !json) process.stderr.write(`  console: ${url}\n`);
    printed = url;
    return url;
  };
}

/** Follows the run to its end (or Ctrl-C), downloads what it made, prints the summary; returns the exit code. */
export async function followAndCollect(client: ApiClient, runId: string, opts: RemoteCommandOptions, session: Session): Promise<number> {
  const started = Date.now();
  const json = Boolean(opts.json);
  const link = consoleLinker(client.target, json);
  link(runId);
  let last: RunReport | undefined;
  const { value: report, interrupted } = await followRun(client, runId, {
    firstMs: opts.pollMs,
    signal: session.signal,
    onChange: (line) => !json && process.stderr.write(`${stamp(started)}  ${runId}: ${line}\n`),
    onReport: (r) => {
      last = r;
      link(runId, r);
    },
  });
  const url = link(runId, report ?? last);
  const next = `longshot status ${runId} ${client.target.flag}`;
  if (interrupted || !report) {
    if (json) process.stdout.write(`${JSON.stringify({ outcome: 'detached', runId, consoleUrl: url }, null, 2)}\n`);
    else process.stderr.write(`✗ stopped following ${runId}; the run goes on: ${next} --follow, or longshot cancel ${runId} ${client.target.flag}\n`);
    return 130;
  }
  const dir = join(resolve(opts.out ?? 'out'), runId);
  const files = await downloadRun(report, resolve(opts.out ?? 'out'));
  const succeeded = report.status === 'succeeded';
  const film = succeeded && report.urls.film ? join(dir, 'final.mp4') : null;
  if (json) {
    const summary = { outcome: succeeded ? 'succeeded' : 'failed', runId, status: report.status, dir, film, files, consoleUrl: url, cost: report.manifest?.cost, failure: report.manifest?.failure ?? report.error ?? null };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    printRemoteResult(report, dir, film, client.target, (Date.now() - started) / 1000);
  }
  return succeeded ? 0 : 1;
}

function printRemoteResult(report: RunReport, dir: string, film: string | null, target: RemoteTarget, seconds: number) {
  const { runId, manifest } = report;
  if (film && manifest?.film) {
    const f = manifest.film;
    process.stderr.write(`✓ ${runId}: ${f.durationSec.toFixed(2)} s, ${f.width}x${f.height} @ ${f.fps} fps, ${manifest.scenesDone} clip(s), followed for ${seconds.toFixed(1)} s\n`);
    process.stderr.write(`  ${costLine(manifest)}\n`);
    for (const line of continuitySummary(f.continuity)) process.stderr.write(`  ${line}\n`);
    process.stderr.write(`  downloaded to ${dir}/: final.mp4, contact-sheet.png, drift-chart.png, manifest.json\n`);
    process.stdout.write(`${film}\n`);
    return;
  }
  const failure = manifest?.failure ?? { state: undefined, ...report.error };
  if (manifest) process.stderr.write(`  ${costLine(manifest)}\n`);
  process.stderr.write(`  go on from here: longshot resume ${runId} ${target.flag}\n`);
  process.stderr.write(`✗ ${runId} ${report.status}${failure.state ? ` in ${failure.state}` : ''}: ${failure.error ?? 'unknown error'}: ${failure.cause ?? ''}\n`);
  if (manifest) process.stderr.write(`  manifest: ${dir}/manifest.json\n`);
}

/** 202 is the new run's id; 400 lists the problems (nothing started); 404/409 say why not. */
async function started(client: ApiClient, path: string, payload: unknown, file: string, json: boolean): Promise<{ runId: string } | { exitCode: number }> {
  const response = await client.post(path, payload);
  const { status, body } = response;
  if (status === 202 && typeof body.runId === 'string') {
    if (!json) process.stderr.write(`started ${body.runId} on ${client.target.apiUrl.href}\n`);
    return { runId: body.runId };
  }
  if (status === 400 && Array.isArray(body.problems)) {
    if (json) process.stdout.write(`${JSON.stringify({ outcome: 'invalid', problems: body.problems }, null, 2)}\n`);
    else printProblems(file, body.problems as string[]);
    return { exitCode: 2 };
  }
  if (status === 404 && body.error === 'RunNotFound') throw new RemoteError(`run ${String(body.runId)} is not known to ${client.target.apiUrl.href}`);
  if (status === 400 || status === 409) throw new RemoteError(`${String(body.message ?? body.error)}; nothing was started`);
  throw unexpected(`POST /${path}`, response);
}

export async function renderRemotely(storyboard: unknown, file: string, opts: RemoteCommandOptions & { model?: string; strategy?: string }, session: Session): Promise<number> {
  const client = new ApiClient(await resolveTarget(opts));
  const body = { storyboard, ...(opts.model && { model: opts.model }), ...(opts.strategy && { strategy: opts.strategy }) };
  const start = await started(client, 'runs', body, file, Boolean(opts.json));
  return 'exitCode' in start ? start.exitCode : followAndCollect(client, start.runId, opts, session);
}

export async function rerunRemotely(kind: RerunKind, runId: string, body: Record<string, unknown>, opts: RemoteCommandOptions, session: Session): Promise<number> {
  const client = new ApiClient(await resolveTarget(opts));
  const start = await started(client, `runs/${runId}/${kind}`, body, `${kind} ${runId}`, Boolean(opts.json));
  return 'exitCode' in start ? start.exitCode : followAndCollect(client, start.runId, opts, session);
}
