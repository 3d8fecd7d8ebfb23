// Shared helpers for the handler tests: API Gateway / EventBridge events and small storyboards.
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, EventBridgeEvent } from 'aws-lambda';
import { toApiGatewayEvent } from '../../local/http-gateway';
import { findJson } from '../../functions/adapters/s3';
import { runKeys } from '../../functions/domain/run-keys';
import type { RuntimeConfig } from '../../functions/adapters/config';
import { waitUntil } from '../support/wait';

const RESOURCES: [string, RegExp][] = [
  ['/runs', /^\/runs\/?$/],
  ['/runs/{runId}', /^\/runs\/(?<runId>[^/]+)\/?$/],
  ['/runs/{runId}/regenerate', /^\/runs\/(?<runId>[^/]+)\/regenerate\/?$/],
  ['/runs/{runId}/resume', /^\/runs\/(?<runId>[^/]+)\/resume\/?$/],
  ['/webhooks/replicate', /^\/webhooks\/replicate\/?$/],
];

/** An API Gateway REST proxy event, built by the same function the local gateway uses. */
export function apiEvent(
  method: string,
  url: string,
  options: { body?: string; headers?: Record<string, string>; resource?: string } = {},
): APIGatewayProxyEvent {
  const path = new URL(url, 'http://localhost').pathname;
  const match = RESOURCES.find(([, pattern]) => pattern.test(path));
  const resource = options.resource ?? match?.[0] ?? path;
  const groups = match ? match[1].exec(path)?.groups : undefined;
  const req = { url, method, headers: { ...(options.headers ?? {}) } } as unknown as IncomingMessage;
  const body = Buffer.from(options.body ?? '', 'utf8');
  return toApiGatewayEvent(
    req,
    body,
    { method, resource, pattern: match?.[1] ?? /^$/, handler: 'api' },
    groups && Object.keys(groups).length ? { ...groups } : null,
  );
}

export const bodyOf = <T = Record<string, any>>(result: APIGatewayProxyResult): T => JSON.parse(result.body) as T;

export function objectCreatedEvent(
  bucket: string,
  key: string,
  options: { etag?: string; time?: string } = {},
): EventBridgeEvent<'Object Created', { bucket: { name: string }; object: { key: string; etag?: string; size?: number } }> {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: options.time ?? '2026-11-25T10:42:13Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: { bucket: { name: bucket }, object: { key, etag: options.etag ?? 'etag-1', size: 100 } },
  };
}

/**
 * A storyboard the emulator renders in about a second per scene. The title is in every prompt:
 * tests on one stack must not reuse each other's outputs (reuse.ts) unless they mean to.
 */
export function tinyStoryboard(title = 'Handler test', scenes = 1): Record<string, unknown> {
  return {
    title,
    strategy: 'chain',
    model: 'ltx-2-fast',
    clip: { duration: 6, fps: 25, resolution: '1080p', generateAudio: false },
    anchor: false,
    scenes: Array.from({ length: scenes }, (_, i) => ({ prompt: `A red kite over a beach, shot ${i + 1} (${title})` })),
  };
}

/** The raw text of an S3 object (null if absent), for before/after comparisons. */
export async function rawObject(config: RuntimeConfig, key: string): Promise<string | null> {
  const value = await findJson<unknown>(config, key);
  return value === null ? null : JSON.stringify(value);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  return (await waitUntil(what, probe, { timeoutMs, intervalMs: 25 })) as T;
}

/**
 * For polling only: the object's JSON, or null while it is absent or half-written. s3rver rewrites
 * objects in place (truncate + write), so a read racing a write can see a prefix; S3 itself is atomic.
 */
export async function settledJson<T>(config: RuntimeConfig, key: string): Promise<T | null> {
  try {
    return await findJson<T>(config, key);
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

/** Waits until the run's manifest shows `step` with `status` (its last write then has completed). */
export function waitForStep(config: RuntimeConfig, runId: string, step: string, status: string) {
  return waitFor(`${runId} ${step} ${status}`, async () => {
    const manifest = await settledJson<{ steps: { step: string; status: string; predictionId?: string }[] }>(config, runKeys(runId).manifest);
    return manifest?.steps.find((s) => s.step === step && s.status === status) ?? null;
  });
}
