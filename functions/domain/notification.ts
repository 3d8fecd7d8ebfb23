// Telling the caller that a run (or a compare) ended: the notify target given on POST /runs or
// POST /compares, the summary sent to it (and to EventBridge), its stable id, and which answers are
// worth another attempt. Pure: the sending is in adapters/notify.ts, the orchestration in
// workflow/notify-run.ts.
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { RunEnding } from './ending';
import type { Manifest } from './manifest';
import type { CompareEnding, CompareRequestRecord } from './compare';
import { addressRefusal, ipLiteralOf } from './public-address';
import { InvalidStoryboardError } from './errors';

/** Stored with the run (runs/{runId}/notify.json) or compare (compares/{id}/notify.json) when its POST asked for a notification. */
export interface NotifyTarget {
  url: string;
}

export const NOTIFY_URL_MAX_CHARS = 2048;

export interface NotifyUrlRules {
  /**
   * The local stack only: http:// and loopback addresses are let through, so a receiver on
   * 127.0.0.1 can be tested. Private and metadata addresses are refused everywhere.
   */
  allowLoopback: boolean;
}

const isLoopback = (address: string) => {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return ipaddr.isValid(bare) && ipaddr.process(bare).range() === 'loopback';
};

/** Why a notification may not connect to `address` (see public-address.ts), or null. */
export function notifyAddressRefusal(rules: NotifyUrlRules): (address: string) => string | null {
  return (address) => (rules.allowLoopback && isLoopback(address) ? null : addressRefusal(address));
}

/** What is wrong with a notify URL, or null. Addresses behind DNS names are checked when sending. */
export function notifyUrlProblem(url: string, rules: NotifyUrlRules): string | null {
  if (url.length > NOTIFY_URL_MAX_CHARS) return `is longer than ${NOTIFY_URL_MAX_CHARS} characters`;
  if (!URL.canParse(url)) return 'is not a URL';
  const target = new URL(url);
  const schemes = rules.allowLoopback ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(target.protocol)) return `must be an ${schemes.map((s) => `${s}//`).join(' or ')} URL`;
  if (target.username || target.password) return 'must not carry a user name or password (put a token in the path or query instead)';
  if (target.hash) return 'must not have a #fragment (it is never sent)';
  const literal = ipLiteralOf(target.hostname);
  const refusal = literal && notifyAddressRefusal(rules)(literal);
  if (refusal) return `points at ${literal}, ${refusal}; only public addresses are notified`;
  if (target.protocol === 'http:' && !literal && target.hostname !== 'localhost') return 'may use http:// only for a loopback receiver; use https://';
  return null;
}

/**
 * The `notify` field of a POST /runs or POST /compares body: absent, or {url}. Anything else is refused before a run
 * starts, with the field named (a 400, like a storyboard problem).
 */
export function parseNotify(value: unknown, rules: NotifyUrlRules): NotifyTarget | undefined {
  if (value === undefined || value === null) return undefined;
  const fail = (problem: string): never => {
    throw new InvalidStoryboardError([problem]);
  };
  if (typeof value !== 'object' || Array.isArray(value)) return fail('notify: must be an object {"url": "https://…"}');
  const { url, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) fail(`notify: unknown field ${JSON.stringify(unknown[0])}; the only field is "url"`);
  if (typeof url !== 'string' || !url.trim()) return fail('notify.url: required, an https:// URL that accepts POST');
  const problem = notifyUrlProblem(url.trim(), rules);
  if (problem) fail(`notify.url: ${JSON.stringify(url.length > 100 ? `${url.slice(0, 100)}…` : url)} ${problem}`);
  return { url: url.trim() };
}

/** EventBridge detail types: a cancel is asked for, so it is not a failure an alarm should page on. */
export const DETAIL_TYPES = { succeeded: 'Run Completed', failed: 'Run Failed', canceled: 'Run Canceled' } as const;
export const COMPARE_DETAIL_TYPES = { succeeded: 'Compare Completed', failed: 'Compare Failed', canceled: 'Compare Canceled' } as const;
export const EVENT_SOURCE = 'longshot';

/** What the caller learns: enough to act on, small enough for any receiver (and EventBridge's 256 KB). */
export interface RunSummary {
  /** Also the webhook-id: the same for every attempt at telling about this ending. */
  notificationId: string;
  runId: string;
  status: RunEnding['status'];
  endedAt: string;
  endedBy: RunEnding['by'];
  title: string | null;
  model: string | null;
  strategy: string | null;
  cost: { usd: number; basis: string };
  estimate: { usd: number; seconds: number } | null;
  film: { key: string; durationSec: number; width: number; height: number } | null;
  failure: { state: string; error: string; cause: string } | null;
  /** GET this (on the API) for presigned film URLs. */
  statusPath: string;
}

/** What a compare's caller learns: each variant's run, its outcome and cost, and the side-by-side film. */
export interface CompareSummary {
  /** Also the webhook-id (see notificationId). */
  notificationId: string;
  compareId: string;
  status: CompareEnding['status'];
  endedAt: string;
  endedBy: CompareEnding['by'];
  title: string | null;
  variants: { label: string; runId: string; status: string; cost: { usd: number; basis: string }; film: string | null }[];
  /** The variants' costs added up. */
  cost: { usd: number };
  estimate: { usd: number } | null;
  /** The side-by-side film's key (GET statusPath for presigned URLs); null when none was made. */
  sideBySideKey: string | null;
  variantsFailed: number;
  failure: { state: string; error: string; cause: string } | null;
  statusPath: string;
}

export type EndingSummary = RunSummary | CompareSummary;

/** The Standard Webhooks envelope: {type, timestamp, data}; type is run.<status> or compare.<status>. */
export interface WebhookPayload<S extends EndingSummary = RunSummary> {
  type: `${S extends CompareSummary ? 'compare' : 'run'}.${S['status']}`;
  timestamp: string;
  data: S;
}

const CAUSE_MAX = 2000;
const cut = (failure: { state: string; error: string; cause: string }) => ({ state: failure.state, error: failure.error, cause: failure.cause.slice(0, CAUSE_MAX) });

/**
 * One id per run (or compare) ending, the same however often it is sent (receivers dedupe on
 * webhook-id). The ending's own time is part of it: a run resumed after a failure ends again, and
 * that is news. Compare ids and run ids never collide (a compare's title ends in "compare" and the
 * random suffixes differ), so one namespace serves both.
 */
export function notificationId(runId: string, ending: Pick<RunEnding | CompareEnding, 'status' | 'at'>): string {
  return `msg_${createHash('sha256').update(`${runId}\n${ending.status}\n${ending.at}`).digest('hex').slice(0, 32)}`;
}

export function runSummary(runId: string, ending: RunEnding, manifest: Manifest | null): RunSummary {
  return {
    notificationId: notificationId(runId, ending),
    runId,
    status: ending.status,
    endedAt: ending.at,
    endedBy: ending.by,
    title: manifest?.title ?? null,
    model: manifest?.model ?? null,
    strategy: manifest?.strategy ?? null,
    cost: manifest?.cost ?? { usd: 0, basis: 'unknown (no manifest)' },
    estimate: manifest?.estimate ? { usd: manifest.estimate.usd, seconds: manifest.estimate.seconds } : null,
    film:
      ending.status === 'succeeded'
        ? { key: ending.film.key, durationSec: ending.film.durationSec, width: ending.film.width, height: ending.film.height }
        : null,
    failure: ending.status === 'succeeded' ? null : cut(ending.failure),
    statusPath: `/runs/${runId}`,
  };
}

const isCompareSummary = (summary: EndingSummary): summary is CompareSummary => 'compareId' in summary;


/**
 * A compare's ending with what its variants' manifests say (the manifests are in request order;
 * null where a run never wrote one: it did not get past its start).
 */
export function compareSummary(
  compareId: string,
  ending: CompareEnding,
  request: CompareRequestRecord | null,
  manifests: (Manifest | null)[],
): CompareSummary {
  const variants = (request?.runs ?? []).map((run, i) => {
    const manifest = manifests[i] ?? null;
    return {
      label: run.label,
      runId: run.runId,
      status: manifest?.status ?? 'not started',
      cost: manifest ? { usd: manifest.cost.usd, basis: manifest.cost.basis } : { usd: 0, basis: 'unknown (no manifest)' },
      film: manifest?.film?.key ?? null,
    };
  });
  const usd = variants.reduce((sum, v) => sum + v.cost.usd, 0);
  return {
    notificationId: notificationId(compareId, ending),
    compareId,
    status: ending.status,
    endedAt: ending.at,
    endedBy: ending.by,
    title: request?.title ?? null,
    variants,
    cost: { usd: Math.round(usd * 10_000) / 10_000 },
    estimate: request ? { usd: request.estimate.usd } : null,
    sideBySideKey: ending.status === 'succeeded' ? ending.sideBySideKey : null,
    variantsFailed: ending.status === 'succeeded' ? ending.variantsFailed : variants.filter((v) => v.status !== 'succeeded').length,
    failure: ending.status === 'succeeded' ? null : cut(ending.failure),
    statusPath: `/compares/${compareId}`,
  };
}

/** The id of what the summary is about, for logs and messages: {runId} or {compareId}. */
export const subjectOf = (summary: EndingSummary): { runId: string } | { compareId: string } =>
  isCompareSummary(summary) ? { compareId: summary.compareId } : { runId: summary.runId };

/** The EventBridge detail type: Run … or Compare …. */
export const detailTypeOf = (summary: EndingSummary): string =>
  isCompareSummary(summary) ? COMPARE_DETAIL_TYPES[summary.status] : DETAIL_TYPES[summary.status];

export function webhookPayload<S extends EndingSummary>(summary: S): WebhookPayload<S> {
  const kind = isCompareSummary(summary) ? 'compare' : 'run';
  return { type: `${kind}.${summary.status}` as WebhookPayload<S>['type'], timestamp: summary.endedAt, data: summary };
}

// ---- Delivery ----

/** Attempts per invocation of the notify function; Lambda's own async retries come on top. */
export const NOTIFY_ATTEMPTS = 4;
/** Per attempt: connect, send and read the answer's status. */
export const NOTIFY_TIMEOUT_MS = 10_000;

export type DeliveryVerdict = 'delivered' | 'retry' | 'final';

/**
 * 2xx: delivered. 5xx, 429, 408 and no answer at all (network, timeout): worth another attempt.
 * Any other answer (4xx, a redirect, which is never followed) will not change by asking again.
 */
export function deliveryVerdict(answer: { status: number } | { error: string }): DeliveryVerdict {
  if ('error' in answer) return 'retry';
  const { status } = answer;
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || status === 429 || status === 408) return 'retry';
  return 'final';
}

/** Wait before attempt `attempt` (2, 3, …): exponential from baseMs, ×4 each time, with ±20% jitter. */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const nominal = baseMs * 4 ** Math.max(0, attempt - 2);
  return Math.round(nominal * (0.8 + 0.4 * random()));
}
