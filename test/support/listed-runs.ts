// Runs to list and describe: one that finished and one canceled while its clip was generating,
// started through the local API as a client would.
import type { LocalStack } from '../../local/stack';
import type { Execution, ProgressEvent } from '../../local/step-functions';
import { shortStoryboard } from '../e2e/short-storyboard';
import { nextEvent } from './wait';

export async function postRun(stack: LocalStack, title: string): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...shortStoryboard(title, 1), anchor: false }),
  });
  return ((await response.json()) as { runId: string }).runId;
}

const executionOf = (stack: LocalStack, runId: string) => stack.engine.list().find((e) => e.name === runId)!;

/** Waits (on the engine's progress events, with a deadline) until the run's execution enters `state`. */
export async function enteredState(stack: LocalStack, runId: string, state: string): Promise<Execution> {
  const execution = executionOf(stack, runId);
  const entered = (e: ProgressEvent) => e.type === 'StateEntered' && e.state === state;
  // Checked and subscribed in the same tick: no event can slip in between.
  if (!execution.history.some(entered)) {
    await nextEvent<[Execution, ProgressEvent]>(stack.engine, 'progress', (x, e) => x === execution && entered(e), `${runId} to enter ${state}`);
  }
  return execution;
}

/** A run that succeeded, and one canceled by DELETE once its clip was generating. */
export async function finishedAndCanceledRuns(stack: LocalStack, titles: [string, string]): Promise<{ finished: string; canceled: string }> {
  const finished = await postRun(stack, titles[0]);
  await executionOf(stack, finished).done;
  const canceled = await postRun(stack, titles[1]);
  const execution = await enteredState(stack, canceled, 'Clip');
  await fetch(`${stack.apiUrl}/runs/${canceled}`, { method: 'DELETE' });
  await execution.done;
  return { finished, canceled };
}
