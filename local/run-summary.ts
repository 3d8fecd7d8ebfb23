// What a render, regenerate or resume prints: the film, its continuity, the cost, and what to do next.
import { continuitySummary } from '../functions/domain/continuity-report';
import type { Manifest } from '../functions/domain/manifest';
import type { RerunResult } from './render';

export const printProblems = (file: string, problems: string[]) => {
  process.stderr.write(`✗ ${file} is not a valid storyboard; nothing was started:\n`);
  for (const problem of problems) process.stderr.write(`  - ${problem}\n`);
};

/** Estimate vs what the run spent, the budget, and what was reused. */
export function costLine(manifest: Manifest): string {
  const { cost } = manifest;
  const parts = [`spent $${cost.usd.toFixed(3)} on ${manifest.predictions.length} prediction(s)`];
  if (cost.runningUsd > 0) parts.push(`$${cost.runningUsd.toFixed(3)} still held for predictions whose end was not reported`);
  if (cost.estimateUsd !== null) parts.push(`estimate $${cost.estimateUsd.toFixed(3)} at list prices`);
  if (cost.budgetUsd !== null) parts.push(`budget $${cost.budgetUsd}`);
  if (cost.reusedSteps > 0) parts.push(`${cost.reusedSteps} step(s) reused at no cost`);
  const origin = manifest.origin ? ` (${manifest.origin.kind} of ${manifest.origin.parentRunId}${manifest.origin.scene ? `, scene ${manifest.origin.scene}` : ''})` : '';
  return `cost: ${parts.join('; ')}${origin}`;
}

export function printRenderResult(file: string, json: boolean, result: RerunResult) {
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
