// Telling the caller that a run ended: the notify target given on POST /runs, the summary sent to it
// (and to EventBridge), its stable id, and which answers are worth another attempt. Pure: the
// sending is in adapters/notify.ts, the orchestration in workflow/notify-run.ts.
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { RunEnding } from './ending';
import type { Manifest } from './manifest';
import { addressRefusal, ipLiteralOf } from './public-address';
import { InvalidStoryboardError } from './errors';

/** Stored with the run (runs/{runId}/notify.json) when POST /runs asked for a notification. */
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
 * The `notify` field of a POST /runs body: absent, or {url}. Anything else is refused before a run
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

/** The Standard Webhooks envelope: {type, timestamp, data}. */
export interface WebhookPayload {
  type: `run.${RunEnding['status']}`;
  timestamp: string;
  data: RunSummary;
}

const CAUSE_MAX = 2000;

/**
 * One id per run ending, the same however often it is sent (receivers dedupe on webhook-id). The
 * ending's own time is part of it: a run resumed after a failure ends again, and that is news.
 */
export function notificationId(runId: string, ending: Pick<RunEnding, 'status' | 'at'>): string {
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
    failure:
      ending.status === 'succeeded'
        ? null
        : { state: ending.failure.state, error: ending.failure.error, cause: ending.failure.cause.slice(0, CAUSE_MAX) },
    statusPath: `/runs/${runId}`,
  };
}

export const webhookPayload = (summary: RunSummary): WebhookPayload => ({ type: `run.${summary.status}`, timestamp: summary.endedAt, data: summary });

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
