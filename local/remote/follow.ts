// Following a run (or compare) over the API: GET it with backoff, print a line whenever something
// changed (status, scenes done, current step, its attempts, cost), and download what it made.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Manifest } from '../../functions/domain/manifest';
import { executionArnOf } from '../../functions/domain/execution';
import { ApiClient, unexpected, type ApiResponse } from './api-client';
import { RemoteError } from './errors';
import { LOCAL_ACCOUNT } from '../step-functions';

export interface RunReport {
  runId: string;
  status: string;
  execution: { status: string; arn?: string; startDate?: string; stopDate?: string } | null;
  manifest: Manifest | null;
  urls: { film?: string; contactSheet?: string; driftChart?: string };
  error?: { error?: string; cause?: string };
}

export interface PollOptions<T = unknown> {
  /** First wait between GETs; it grows ×1.5 up to maxMs while nothing changes. */
  firstMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
  /** Called with a line whenever what the run shows changed. */
  onChange?: (line: string) => void;
  /** Called with every answer read. */
  onReport?: (value: T) => void;
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
/** Answers that may pass (a deploy in progress, throttling, a run not visible yet): retried this many times in a row. */
const MAX_TRANSIENT = 6;

export const isTerminal = (status: string) => TERMINAL.has(status);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** "running · scenes 1/3 · scene-2 (attempt 2) · $0.240 spent, $0.080 running · estimate $0.720". */
export function describeRun(report: RunReport): string {
  const m = report.manifest;
  const parts = [report.status];
  if (m) {
    if (m.scenesTotal) parts.push(`scenes ${m.scenesDone}/${m.scenesTotal}`);
    if (m.currentStep) {
      const attempts = m.steps.find((s) => s.step === m.currentStep)?.attempts ?? 0;
      parts.push(`${m.currentStep}${attempts > 1 ? ` (attempt ${attempts})` : ''}`);
    }
    const running = m.cost.runningUsd > 0 ? `, $${m.cost.runningUsd.toFixed(3)} running` : '';
    parts.push(`$${m.cost.usd.toFixed(3)} spent${running}`);
    if (m.cost.estimateUsd !== null) parts.push(`estimate $${m.cost.estimateUsd.toFixed(3)}`);
  }
  return parts.join(' · ');
}

/** GETs `path` until `done` says the answer is final, or the signal aborts (then `interrupted`). */
export async function poll<T>(
  client: ApiClient,
  path: string,
  read: (response: ApiResponse) => T | undefined,
  describe: (value: T) => string,
  done: (value: T) => boolean,
  options: PollOptions<T> = {},
): Promise<{ value: T | undefined; interrupted: boolean }> {
  const firstMs = options.firstMs ?? 1000;
  const maxMs = options.maxMs ?? 10_000;
  let delay = firstMs;
  let transient = 0;
  let last: string | undefined;
  let value: T | undefined;
  for (;;) {
    if (options.signal?.aborted) return { value, interrupted: true };
    const response = await client.call('GET', path);
    const read_ = read(response);
    if (read_ === undefined) {
      if (++transient > MAX_TRANSIENT) throw unexpected(`GET ${path}`, response);
    } else {
      transient = 0;
      value = read_;
      options.onReport?.(value);
      const line = describe(value);
      if (line !== last) {
        options.onChange?.(line);
        last = line;
        delay = firstMs;
      }
      if (done(value)) return { value, interrupted: false };
    }
    await sleep(delay, options.signal);
    delay = Math.min(delay * 1.5, maxMs);
  }
}

/** 200 is the report; 404 (not visible yet), 429 and 5xx are retried; anything else is an error. */
export const readReport =
  <T>(what: string) =>
  (response: ApiResponse): T | undefined => {
    if (response.status === 200) return response.body as T;
    if (response.status === 404 || response.status === 429 || response.status >= 500) return undefined;
    throw unexpected(what, response);
  };

export function followRun(client: ApiClient, runId: string, options: PollOptions<RunReport> = {}) {
  return poll<RunReport>(client, `runs/${runId}`, readReport(`GET /runs/${runId}`), describeRun, (r) => isTerminal(r.status), options);
}

/** Downloads a presigned URL (never signed again: its query is its signature) to `file`. */
export async function download(url: string, file: string): Promise<void> {
  if (!/^https?:\/\//.test(url)) throw new RemoteError(`the API gave a download URL that is not http(s): ${url.slice(0, 100)}`);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new RemoteError(`cannot download ${new URL(url).origin}${new URL(url).pathname}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) {
    throw new RemoteError(`downloading ${new URL(url).pathname} answered ${response.status}; the link lasts an hour: run the command again to get a new one`);
  }
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(file));
}

/** The run's results as in a local render's DIR/<runId>/: film, contact sheet, drift chart, manifest. */
export async function downloadRun(report: RunReport, outDir: string): Promise<string[]> {
  const dir = join(outDir, report.runId);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const wanted: [string | undefined, string][] = [
    [report.urls.film, 'final.mp4'],
    [report.urls.contactSheet, 'contact-sheet.png'],
    [report.urls.driftChart, 'drift-chart.png'],
  ];
  for (const [url, name] of wanted) {
    if (!url) continue;
    await download(url, join(dir, name));
    files.push(join(dir, name));
  }
  if (report.manifest) {
    await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(report.manifest, null, 2)}\n`);
    files.push(join(dir, 'manifest.json'));
  }
  return files.sort();
}

/** The execution's page in the Step Functions console (from its ARN, or the state machine's and the name). */
export function consoleUrl(executionArn: string | undefined, stateMachineArn?: string, executionName?: string): string | null {
  const arn =
    executionArn ??
    (stateMachineArn && executionName ? executionArnOf(stateMachineArn, executionName) : undefined);
  const [, , , region, account] = arn?.split(':') ?? [];
  // A `longshot dev` execution has no page in any console.
  if (!arn || !region || account === LOCAL_ACCOUNT) return null;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${arn}`;
}
