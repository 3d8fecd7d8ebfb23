// The compare variant of the notification: what a compare's caller learns when its one ending is
// recorded (each variant's run, outcome and cost, the side-by-side film or the failure), and how it
// is typed on the webhook and on EventBridge next to run notifications.
import { describe, expect, it } from 'vitest';
import { compareSummary, detailTypeOf, runSummary, subjectOf, webhookPayload } from '../../functions/domain/notification';
import type { CompareEnding, CompareRequestRecord } from '../../functions/domain/compare';
import type { Manifest } from '../../functions/domain/manifest';
import { failedEnding } from '../../functions/domain/ending';

const COMPARE = '20261127-1200-notified-compare-0123456789abcdef';
const FAST = '20261127-1200-notified-1111111111111111';
const PRO = '20261127-1200-notified-2222222222222222';
const AT = '2026-11-27T12:30:00.000Z';

const request: CompareRequestRecord = {
  compareId: COMPARE,
  title: 'Notified',
  executionName: COMPARE,
  createdAt: '2026-11-27T12:00:00.000Z',
  runs: [
    { runId: FAST, label: 'ltx-2-fast × chain', model: 'ltx-2-fast', strategy: 'chain' },
    { runId: PRO, label: 'ltx-2-pro × chain', model: 'ltx-2-pro', strategy: 'chain' },
  ],
  estimate: { usd: 1.5 },
};

const manifestOf = (status: string, usd: number, film: string | null) =>
  ({ status, cost: { usd, runningUsd: 0, estimateUsd: 1, budgetUsd: null, reusedSteps: 0, basis: 'reported' }, film: film && { key: film } }) as unknown as Manifest;

const succeeded: CompareEnding = { status: 'succeeded', at: AT, by: 'join-comparison', sideBySideKey: `compares/${COMPARE}/side-by-side.mp4`, variantsFailed: 1 };
const failed: CompareEnding = { status: 'failed', at: AT, by: 'record-compare-failure', failure: { state: 'JoinComparison', error: 'NothingToCompareError', cause: 'x'.repeat(5000) } };
const manifests = [manifestOf('succeeded', 0.24, `runs/${FAST}/final.mp4`), manifestOf('failed', 0.123456, null)];

describe('compareSummary', () => {
  it('of a success lists each variant with its run, status, cost and film, and names the side-by-side', () => {
    expect(compareSummary(COMPARE, succeeded, request, manifests)).toEqual({
      notificationId: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
      compareId: COMPARE,
      status: 'succeeded',
      endedAt: AT,
      endedBy: 'join-comparison',
      title: 'Notified',
      variants: [
        { label: 'ltx-2-fast × chain', runId: FAST, status: 'succeeded', cost: { usd: 0.24, basis: 'reported' }, film: `runs/${FAST}/final.mp4` },
        { label: 'ltx-2-pro × chain', runId: PRO, status: 'failed', cost: { usd: 0.123456, basis: 'reported' }, film: null },
      ],
      cost: { usd: 0.3635 },
      estimate: { usd: 1.5 },
      sideBySideKey: `compares/${COMPARE}/side-by-side.mp4`,
      variantsFailed: 1,
      failure: null,
      statusPath: `/compares/${COMPARE}`,
    });
  });

  it('of a failure gives state, error and a cause cut to 2000 characters, no side-by-side, and counts the variants that did not succeed', () => {
    const summary = compareSummary(COMPARE, failed, request, manifests);
    expect(summary).toMatchObject({ status: 'failed', endedBy: 'record-compare-failure', sideBySideKey: null, variantsFailed: 1, failure: { state: 'JoinComparison', error: 'NothingToCompareError' } });
    expect(summary.failure!.cause).toHaveLength(2000);
  });

  it('says a variant whose run never wrote a manifest did not start, at no cost', () => {
    const summary = compareSummary(COMPARE, failed, request, [manifests[0], null]);
    expect(summary.variants[1]).toEqual({ label: 'ltx-2-pro × chain', runId: PRO, status: 'not started', cost: { usd: 0, basis: 'unknown (no manifest)' }, film: null });
    expect(summary.cost.usd).toBe(0.24);
  });

  it('without a request record (a console start refused before PrepareCompare wrote it) still says how the compare ended', () => {
    expect(compareSummary(COMPARE, failed, null, [])).toMatchObject({ compareId: COMPARE, status: 'failed', title: null, variants: [], estimate: null, cost: { usd: 0 } });
  });

  it('keeps its id for the same ending and changes it for another', () => {
    const id = compareSummary(COMPARE, succeeded, request, manifests).notificationId;
    expect(compareSummary(COMPARE, succeeded, request, [null, null]).notificationId).toBe(id);
    expect(compareSummary(COMPARE, { ...succeeded, at: '2026-11-27T13:00:00.000Z' }, request, manifests).notificationId).not.toBe(id);
  });
});

describe('a compare notification next to a run notification', () => {
  const runEnding = failedEnding('record-failure', 'failed', { state: 'Scenes', error: 'E', cause: 'c' }, AT);

  it.each([
    ['succeeded', 'compare.succeeded', 'Compare Completed', succeeded],
    ['failed', 'compare.failed', 'Compare Failed', failed],
  ] as const)('a compare %s is the webhook type %s and the EventBridge detail type %s', (_, type, detailType, ending) => {
    const summary = compareSummary(COMPARE, ending, request, manifests);
    expect(webhookPayload(summary)).toEqual({ type, timestamp: AT, data: summary });
    expect(detailTypeOf(summary)).toBe(detailType);
  });

  it('a run keeps run.<status> and "Run …"', () => {
    const summary = runSummary(FAST, runEnding, null);
    expect(webhookPayload(summary).type).toBe('run.failed');
    expect(detailTypeOf(summary)).toBe('Run Failed');
  });

  it('names its subject by compareId, a run by runId', () => {
    expect(subjectOf(compareSummary(COMPARE, failed, request, manifests))).toEqual({ compareId: COMPARE });
    expect(subjectOf(runSummary(FAST, runEnding, null))).toEqual({ runId: FAST });
  });
});
