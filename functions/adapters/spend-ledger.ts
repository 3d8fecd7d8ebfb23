// The run's spend ledger in S3 (runs/{runId}/spend.json), changed only by conditional writes: the
// budget check and the reservation are one write, so scenes started side by side cannot both pass.
import type { RuntimeConfig } from './config';
import { findJson, updateJson } from './s3';
import { runKeys } from '../domain/run-keys';
import { emptyLedger, reserve, settled, withPredictionId, type Billing, type PredictionEnd, type Reservation, type SpendLedger } from '../domain/spend';
import { BudgetExceeded } from '../domain/errors';

export const findSpend = (config: RuntimeConfig, runId: string) => findJson<SpendLedger>(config, runKeys(runId).spend);

const usd = (value: number) => `$${value.toFixed(3)}`;

/** Prepare opens the ledger with the run's budget (a repeat of Prepare keeps what is there). */
export const openLedger = (config: RuntimeConfig, runId: string, budgetUsd: number | null) =>
  updateJson<SpendLedger>(config, runKeys(runId).spend, (current) => (current ? undefined : emptyLedger(runId, budgetUsd)));

/** Holds the next prediction's list price against the budget; BudgetExceeded if it would cross it (nothing is made). */
export async function reserveSpend(config: RuntimeConfig, runId: string, step: string, attempt: number, billing: Billing): Promise<void> {
  let outcome: Reservation | null = null;
  await updateJson<SpendLedger>(config, runKeys(runId).spend, (current) => {
    outcome = reserve(current ?? emptyLedger(runId, null), step, attempt, billing);
    return outcome.ok && outcome.changed ? outcome.ledger : undefined;
  });
  const result = outcome as Reservation | null;
  if (result && !result.ok) {
    throw new BudgetExceeded(
      `${step}: its prediction (${usd(result.nextUsd)} at list prices) would take the run's spend to ${usd(result.committedUsd + result.nextUsd)}, ` +
        `over its budget of ${usd(result.budgetUsd)} (${usd(result.committedUsd)} spent or running); nothing more was generated. ` +
        'Resume the run with a higher budget: longshot resume <run> --max-usd N, or POST /runs/{runId}/resume {"maxUsd": N}',
    );
  }
}

/** The create call answered: the reservation belongs to this prediction. */
export const notePredictionSpend = (config: RuntimeConfig, runId: string, step: string, attempt: number, predictionId: string) =>
  updateJson<SpendLedger>(config, runKeys(runId).spend, (current) => (current ? withPredictionId(current, step, attempt, predictionId) : undefined));

/** Replicate reported the prediction's end: record what it cost (once; later reports change nothing). */
export const settleSpend = (config: RuntimeConfig, runId: string, predictionId: string, end: PredictionEnd) =>
  updateJson<SpendLedger>(config, runKeys(runId).spend, (current) => (current ? settled(current, predictionId, end) : undefined));
