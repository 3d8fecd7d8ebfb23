// notify-run: after a run's (or a compare's) one ending is recorded, tell the caller. The
// EventBridge event (for AWS users' rules) and the signed POST to notify.url (when POST /runs or
// POST /compares asked for one) are sent at most once each per ending, as far as this function can
// know: what went out is recorded in {runs|compares}/{id}/notifications/{id}.json, so a retried
// invocation sends only what is missing. Receivers still dedupe on webhook-id /
// detail.notificationId (delivery is at least once). Runs and compares differ only in how the
// summary is read; the delivery below is one implementation.
import type { RuntimeConfig } from '../adapters/config';
import { findJson, updateJson } from '../adapters/s3';
import { findEnding, findManifest } from '../adapters/run-store';
import { loadNotifyConfig, postNotification, putEndingEvent, signedHeaders, signingSecret, type NotifyConfig } from '../adapters/notify';
import { FetchRefusedError } from '../adapters/safe-fetch';
import { logger } from '../adapters/logger';
import { runKeys } from '../domain/run-keys';
import { compareKeys, type CompareEnding, type CompareRequestRecord } from '../domain/compare';
import {
  compareSummary,
  deliveryVerdict,
  NOTIFY_ATTEMPTS,
  retryDelayMs,
  runSummary,
  subjectOf,
  webhookPayload,
  type EndingSummary,
  type NotifyTarget,
} from '../domain/notification';
import { NotificationUndeliveredError } from '../domain/errors';

/** What went out for one notification (one run ending). */
export interface DeliveryRecord {
  id: string;
  event?: { at: string };
  /** Final: delivered (2xx) or refused for good (other 4xx, a redirect, a refused address). */
  webhook?: { at: string; status: number | null; attempts: number; outcome: 'delivered' | 'refused'; reason?: string };
}

export interface NotifyOutcome {
  runId?: string;
  compareId?: string;
  notificationId?: string;
  event: 'sent' | 'already-sent' | 'no-ending';
  webhook: 'delivered' | 'refused' | 'already-done' | 'not-requested' | 'no-ending';
}

export interface NotifyDeps {
  notify?: NotifyConfig;
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function notifyRun(config: RuntimeConfig, runId: string, deps: NotifyDeps = {}): Promise<NotifyOutcome> {
  const keys = runKeys(runId);
  const [ending, manifest, target] = await Promise.all([
    findEnding(config, runId),
    findManifest(config, runId),
    findJson<NotifyTarget>(config, keys.notify),
  ]);
  // Only an ending writer asks for this, after writing: a missing ending is a bug or a hand-made event.
  if (!ending) {
    logger.warn('no ending recorded: nothing to notify', { runId });
    return { runId, event: 'no-ending', webhook: 'no-ending' };
  }
  const summary = runSummary(runId, ending, manifest);
  return { runId, ...(await tell(config, summary, target, keys.notification(summary.notificationId), deps)) };
}

/** A compare's ending: the same delivery, with the compare summary (each variant's run read from its manifest). */
export async function notifyCompare(config: RuntimeConfig, compareId: string, deps: NotifyDeps = {}): Promise<NotifyOutcome> {
  const keys = compareKeys(compareId);
  const [ending, request, target] = await Promise.all([
    findJson<CompareEnding>(config, keys.ending),
    findJson<CompareRequestRecord>(config, keys.request),
    findJson<NotifyTarget>(config, keys.notify),
  ]);
  if (!ending) {
    logger.warn('no ending recorded: nothing to notify', { compareId });
    return { compareId, event: 'no-ending', webhook: 'no-ending' };
  }
  const manifests = await Promise.all((request?.runs ?? []).map((run) => findManifest(config, run.runId)));
  const summary = compareSummary(compareId, ending, request, manifests);
  return { compareId, ...(await tell(config, summary, target, keys.notification(summary.notificationId), deps)) };
}

/** The event, then the webhook (when asked for), each skipped when the delivery record says it went out. */
async function tell(
  config: RuntimeConfig,
  summary: EndingSummary,
  target: NotifyTarget | null,
  recordKey: string,
  deps: NotifyDeps,
): Promise<Omit<NotifyOutcome, 'runId' | 'compareId'>> {
  const notify = deps.notify ?? loadNotifyConfig();
  const record = (await findJson<DeliveryRecord>(config, recordKey)) ?? { id: summary.notificationId };
  const note = (change: Partial<DeliveryRecord>) =>
    updateJson<DeliveryRecord>(config, recordKey, (current) => ({ ...(current ?? { id: summary.notificationId }), ...change }));

  let event: NotifyOutcome['event'] = 'already-sent';
  if (!record.event) {
    await putEndingEvent(config, summary, notify);
    await note({ event: { at: new Date().toISOString() } });
    event = 'sent';
  }
  let webhook: NotifyOutcome['webhook'] = 'not-requested';
  if (target && record.webhook) webhook = 'already-done';
  else if (target) {
    const delivery = await deliverWebhook(target, summary, notify, deps.sleep ?? sleep);
    await note({ webhook: delivery });
    webhook = delivery.outcome;
  }
  return { notificationId: summary.notificationId, event, webhook };
}

/**
 * Up to NOTIFY_ATTEMPTS signed POSTs with backoff. Delivered or refused for good: the outcome.
 * Still failing after the last attempt: NotificationUndeliveredError, so Lambda retries the
 * invocation later (and keeps it in the failure destination after its own retries).
 */
async function deliverWebhook(
  target: NotifyTarget,
  summary: EndingSummary,
  notify: NotifyConfig,
  wait: (ms: number) => Promise<void>,
): Promise<NonNullable<DeliveryRecord['webhook']>> {
  const secret = await signingSecret(notify);
  const body = JSON.stringify(webhookPayload(summary));
  const subject = subjectOf(summary);
  const where = { ...subject, notificationId: summary.notificationId, host: new URL(target.url).host };
  let last = '';
  for (let attempt = 1; attempt <= NOTIFY_ATTEMPTS; attempt++) {
    if (attempt > 1) await wait(retryDelayMs(attempt, notify.retryBaseMs));
    let answer: { status: number } | { error: string };
    try {
      answer = await postNotification(target.url, body, signedHeaders(secret, summary.notificationId, body), notify);
    } catch (error) {
      // A refused address will not change by asking again (the message names notify.url, never the query).
      if (error instanceof FetchRefusedError) {
        logger.warn('notification refused', { ...where, reason: error.message });
        return { at: new Date().toISOString(), status: null, attempts: attempt, outcome: 'refused', reason: error.message };
      }
      answer = { error: (error as NodeJS.ErrnoException).code ?? (error as Error).name };
    }
    const verdict = deliveryVerdict(answer);
    const status = 'status' in answer ? answer.status : null;
    if (verdict === 'delivered') return { at: new Date().toISOString(), status, attempts: attempt, outcome: 'delivered' };
    if (verdict === 'final') {
      logger.warn('notification refused by the receiver', { ...where, status, attempts: attempt });
      return { at: new Date().toISOString(), status, attempts: attempt, outcome: 'refused', reason: `HTTP ${status}` };
    }
    last = status ? `HTTP ${status}` : (answer as { error: string }).error;
    logger.info('notification attempt failed', { ...where, attempt, answer: last });
  }
  const named = 'runId' in subject ? `run ${subject.runId}` : `compare ${subject.compareId}`;
  throw new NotificationUndeliveredError(`${named}: the notification to ${where.host} failed ${NOTIFY_ATTEMPTS} times (last: ${last})`);
}
