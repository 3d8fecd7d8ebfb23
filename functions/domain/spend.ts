// What a run spends at Replicate, prediction by prediction (runs/{runId}/spend.json). Before each
// prediction is created its list price is reserved against the run's budget, in one conditional
// write, so side-by-side scenes cannot both slip under it; when Replicate reports the prediction's
// end (webhook, poll, cancel) the reservation is replaced by what it actually cost. Failed and
// canceled attempts stay in the ledger with their cost. Pure: the adapter does the writes.
import { SDXL, VIDEO_MODELS, type VideoModelId } from './models';

/** How one prediction is priced: per second of output (LTX-2, official) or per second of GPU time (SDXL). */
export type Billing = { per: 'output-second'; model: VideoModelId; seconds: number } | { per: 'predict-second' };

export interface SpendEntry {
  step: string;
  attempt: number;
  /** null until the create call has answered. */
  predictionId: string | null;
  billing: Billing;
  /** The list price held against the budget until the prediction ends. */
  reservedUsd: number;
  /** What it cost, once Replicate reported its end; null while it runs (or if its end was never seen). */
  usd: number | null;
  status: string | null;
}

export interface SpendLedger {
  runId: string;
  budgetUsd: number | null;
  entries: SpendEntry[];
}

/** What the ledger says a prediction's end looked like. */
export interface PredictionEnd {
  status: string;
  startedAt: string | null;
  predictTimeSec: number | null;
}

export const BILLING_BASIS =
  'LTX-2: seconds of output × the model price, for clips that succeeded, and in full for clips canceled after they started; ' +
  'SDXL: GPU seconds × the hardware price. Prices in models.ts (approximate).';

const cents = (usd: number) => Math.round(usd * 10000) / 10000;

export const emptyLedger = (runId: string, budgetUsd: number | null): SpendLedger => ({ runId, budgetUsd, entries: [] });

/** The list price of one prediction: what is reserved before it is made. */
export function listPrice(billing: Billing): number {
  return cents(billing.per === 'output-second' ? billing.seconds * VIDEO_MODELS[billing.model].usdPerSecond : SDXL.usdPerImage);
}

/**
 * What a prediction cost, from what Replicate reported. Output-priced models bill the output: none
 * for a failure or an abort (never started); a cancel after the start is counted in full, as an
 * upper bound (Replicate bills canceled work, and how much of an official model's price is not
 * published). GPU-time models bill the predict time; without one, the list price if it ran.
 */
export function actualCost(billing: Billing, end: PredictionEnd): number {
  if (billing.per === 'output-second') {
    const charged = end.status === 'succeeded' || (end.status === 'canceled' && end.startedAt !== null);
    return charged ? listPrice(billing) : 0;
  }
  if (end.predictTimeSec !== null) return cents(end.predictTimeSec * SDXL.usdPerPredictSecond);
  return end.status === 'succeeded' || (end.status === 'canceled' && end.startedAt !== null) ? listPrice(billing) : 0;
}

/** Spent (settled) plus held (reserved for predictions still running). */
export function committedUsd(ledger: SpendLedger): number {
  return cents(ledger.entries.reduce((sum, e) => sum + (e.usd ?? e.reservedUsd), 0));
}

export function spentUsd(ledger: SpendLedger): number {
  return cents(ledger.entries.reduce((sum, e) => sum + (e.usd ?? 0), 0));
}

export type Reservation =
  | { ok: true; ledger: SpendLedger; changed: boolean }
  | { ok: false; committedUsd: number; nextUsd: number; budgetUsd: number };

/**
 * Holds the list price of step's attempt against the budget. The same attempt again (a retried
 * start) holds nothing more. Refused when it would take committed spend past the budget.
 */
export function reserve(ledger: SpendLedger, step: string, attempt: number, billing: Billing): Reservation {
  if (ledger.entries.some((e) => e.step === step && e.attempt === attempt)) return { ok: true, ledger, changed: false };
  const nextUsd = listPrice(billing);
  const committed = committedUsd(ledger);
  if (ledger.budgetUsd !== null && committed + nextUsd > ledger.budgetUsd + 1e-9) {
    return { ok: false, committedUsd: committed, nextUsd, budgetUsd: ledger.budgetUsd };
  }
  const entry: SpendEntry = { step, attempt, predictionId: null, billing, reservedUsd: nextUsd, usd: null, status: null };
  return { ok: true, ledger: { ...ledger, entries: [...ledger.entries, entry] }, changed: true };
}

/** The create call answered: the attempt's entry is that prediction. */
export function withPredictionId(ledger: SpendLedger, step: string, attempt: number, predictionId: string): SpendLedger | undefined {
  const i = ledger.entries.findIndex((e) => e.step === step && e.attempt === attempt);
  if (i < 0 || ledger.entries[i].predictionId === predictionId) return undefined;
  const entries = ledger.entries.with(i, { ...ledger.entries[i], predictionId });
  return { ...ledger, entries };
}

/** Replicate reported the prediction's end: its cost replaces the reservation (once). */
export function settled(ledger: SpendLedger, predictionId: string, end: PredictionEnd): SpendLedger | undefined {
  const i = ledger.entries.findIndex((e) => e.predictionId === predictionId);
  if (i < 0 || ledger.entries[i].usd !== null) return undefined;
  const entry = ledger.entries[i];
  const entries = ledger.entries.with(i, { ...entry, usd: actualCost(entry.billing, end), status: end.status });
  return { ...ledger, entries };
}
