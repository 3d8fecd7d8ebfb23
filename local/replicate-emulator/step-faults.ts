// Which step a create request belongs to, and so which `--emulator-fault`s hit it. The webhook URL
// names the step (`?run=…&step=…`) when there is one; without a webhook (poll mode, and always with
// live Replicate) the step is recognised by what its request carries (StepRequestMatcher), which the
// CLI derives from the storyboard's plan with the product's own request builders.
import { isDeepStrictEqual } from 'node:util';
import type { StepFault, StepFaultKind, StepRequestMatcher } from './types';

export const STEP_FAULT_KINDS: readonly StepFaultKind[] = ['fail', '429', 'slow', 'drop-webhook', 'corrupt'];

/** How much longer a `slow` step's prediction stays "processing" unless `faults.slowMs` says otherwise. */
export const DEFAULT_SLOW_MS = 20_000;

/** The create as the emulator sees it: the model it resolved, the raw input and the webhook URL. */
export interface CreateSeen {
  model: string;
  version: string;
  input: Record<string, unknown>;
  webhook?: string;
}

/** Presigned and data URLs: their values differ per run, only their presence says something. */
export const isUrlValue = (value: unknown) => typeof value === 'string' && /^(https?:|data:)/.test(value);

const urlFields = (input: Record<string, unknown>) => Object.keys(input).filter((k) => isUrlValue(input[k])).sort();

export function requestMatches(matcher: StepRequestMatcher, create: CreateSeen): boolean {
  const model = matcher.model !== undefined ? create.model === matcher.model : create.version === matcher.version;
  if (!model) return false;
  if (!isDeepStrictEqual(urlFields(create.input), [...matcher.urls].sort())) return false;
  return Object.entries(matcher.input).every(([key, value]) => isDeepStrictEqual(create.input[key], value));
}

/** The `step` the webhook URL names, or undefined when there is no webhook or it names none. */
export function webhookStep(webhook: string | undefined): string | undefined {
  if (!webhook) return undefined;
  try {
    return new URL(webhook).searchParams.get('step') ?? undefined;
  } catch {
    return undefined;
  }
}

/** The faults that hit this create: by the webhook's step when it names one, else by its request. */
export function stepFaultsFor(faults: StepFault[] | undefined, create: CreateSeen): StepFault[] {
  if (!faults?.length) return [];
  const step = webhookStep(create.webhook);
  if (step !== undefined) return faults.filter((f) => f.step === step);
  return faults.filter((f) => f.requests?.some((m) => requestMatches(m, create)));
}

/** What a prediction does because of its step's faults (429 is answered before it exists). */
export interface PredictionFaults {
  fail: string | null;
  corrupt: boolean;
  slow: boolean;
  dropWebhook: boolean;
}

export function predictionFaults(hits: StepFault[]): PredictionFaults {
  const of = (kind: StepFaultKind) => hits.find((f) => f.kind === kind);
  const fail = of('fail');
  return {
    // Worded like Replicate's content-filter failure (E005), which no retry of the same input passes.
    fail: fail ? `The input or output was flagged as sensitive (E005; emulator fault ${fail.step}:fail)` : null,
    corrupt: Boolean(of('corrupt')),
    slow: Boolean(of('slow')),
    dropWebhook: Boolean(of('drop-webhook')),
  };
}
