// The CostUsd metric of a run that just ended: its manifest's cost (stored outputs × list prices).
import { loadConfig } from '../adapters/config';
import { findManifest } from '../adapters/run-store';
import { usd, type MetricValue } from '../adapters/observability';
import { isRunId } from '../domain/run-keys';

export async function runCost(runId: string): Promise<MetricValue[]> {
  if (!isRunId(runId)) return [];
  const manifest = await findManifest(loadConfig(), runId);
  return manifest ? [usd(manifest.cost.usd)] : [];
}
