// `longshot compare --stack|--api`: POST /compares, follow GET /compares/{id} (each variant's run and how
// far it got), then download the side-by-side, the comparison and each variant's run into DIR/<compareId>/.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Variant } from '../../functions/domain/compare';
import type { Session } from '../cli-options';
import { printProblems } from '../run-summary';
import { ApiClient, unexpected } from './api-client';
import { consoleUrl, download, downloadRun, isTerminal, poll, readReport, type RunReport } from './follow';
import type { RemoteCommandOptions } from './run-commands';
import { resolveTarget } from './target';

interface CompareReport {
  compareId: string;
  status: string;
  execution: { arn?: string } | null;
  variants: { label: string; runId: string; status: string; scenesDone: number | null; scenesTotal: number | null }[];
  results?: { urls: { sideBySide: string; comparisonMd: string; comparisonJson: string } };
}

const describeCompare = (c: CompareReport) =>
  [c.status, ...c.variants.map((v) => `${v.label} ${v.status}${v.scenesTotal ? ` ${v.scenesDone ?? 0}/${v.scenesTotal}` : ''}`)].join(' · ');

async function downloadCompare(client: ApiClient, report: CompareReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  if (report.results) {
    const { sideBySide, comparisonMd, comparisonJson } = report.results.urls;
    for (const [url, name] of [[sideBySide, 'side-by-side.mp4'], [comparisonMd, 'comparison.md'], [comparisonJson, 'comparison.json']]) {
      await download(url, join(dir, name));
      files.push(join(dir, name));
    }
  }
  for (const variant of report.variants) {
    const response = await client.call('GET', `runs/${variant.runId}`);
    if (response.status === 200) files.push(...(await downloadRun(response.body as unknown as RunReport, dir)));
  }
  return files.sort();
}

export async function compareRemotely(storyboard: unknown, file: string, variants: Variant[], opts: RemoteCommandOptions, session: Session): Promise<number> {
  const client = new ApiClient(await resolveTarget(opts));
  const json = Boolean(opts.json);
  const response = await client.post('compares', { storyboard, variants: variants.map((v) => `${v.model}:${v.strategy}`) });
  if (response.status === 400 && Array.isArray(response.body.problems)) {
    if (json) process.stdout.write(`${JSON.stringify({ outcome: 'invalid', problems: response.body.problems }, null, 2)}\n`);
    else printProblems(file, response.body.problems as string[]);
    return 2;
  }
  if (response.status !== 202 || typeof response.body.compareId !== 'string') throw unexpected('POST /compares', response);
  const compareId = response.body.compareId;
  const started = Date.now();
  if (!json) process.stderr.write(`started compare ${compareId} on ${client.target.apiUrl.href}\n`);
  let url: string | null = null;
  const { value: report, interrupted } = await poll<CompareReport>(client, `compares/${compareId}`, readReport(`GET /compares/${compareId}`), describeCompare, (c) => isTerminal(c.status), {
    firstMs: opts.pollMs,
    signal: session.signal,
    onChange: (line) => !json && process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${compareId}: ${line}\n`),
    onReport: (c) => {
      if (url) return;
      url = consoleUrl(c.execution?.arn, client.target.compareStateMachineArn, compareId);
      if (url && !json) process.stderr.write(`  console: ${url}\n`);
    },
  });
  if (interrupted || !report) {
    if (!json) process.stderr.write(`✗ stopped following compare ${compareId}; it goes on (GET /compares/${compareId})\n`);
    return 130;
  }
  const dir = join(resolve(opts.out ?? 'out'), compareId);
  const files = await downloadCompare(client, report, dir);
  const succeeded = report.status === 'succeeded';
  if (json) {
    process.stdout.write(`${JSON.stringify({ outcome: succeeded ? 'succeeded' : 'failed', compareId, status: report.status, dir, files, consoleUrl: url, variants: report.variants }, null, 2)}\n`);
  } else if (succeeded) {
    process.stderr.write(`✓ compare ${compareId}: downloaded to ${dir}/\n`);
    process.stdout.write(`${join(dir, 'side-by-side.mp4')}\n`);
  } else {
    process.stderr.write(`✗ compare ${compareId} ${report.status}; what was made is in ${dir}/\n`);
  }
  return succeeded ? 0 : 1;
}
