// Replicate through the official client: create / get / cancel only (run() returns null for long
// video jobs). Its own 429 retry does not back off, so a 429 opens a short cooldown here and
// surfaces as RateLimitedError for the state machine's Retry with backoff.
import Replicate from 'replicate';
import type { RuntimeConfig } from './config';
import { configuredWebhookSecret, replicateToken } from './secrets';
import { RateLimitedError, ReplicateRequestError } from '../domain/errors';
import { toPredictionResult, type CreateRequest, type PredictionLike, type PredictionResult } from '../domain/replicate-inputs';

const COOLDOWN_MS = 10_000;
let cooldownUntil = 0;
let cachedWebhookSecret: { baseUrl: string; secret: string } | undefined;

function guardedFetch(cancelAfter: string): typeof fetch {
  return async (input, init) => {
    if (Date.now() < cooldownUntil) throw new RateLimitedError('Replicate rate limit: cooling down before retrying');
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers = new Headers(init?.headers);
    if (init?.method === 'POST' && /\/predictions$/.test(new URL(url).pathname)) headers.set('Cancel-After', cancelAfter);
    const response = await fetch(input, { ...init, headers, redirect: 'error' });
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      cooldownUntil = Date.now() + (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : COOLDOWN_MS);
      throw new RateLimitedError(`Replicate answered 429: ${(await response.text()).slice(0, 200)}`);
    }
    return response;
  };
}

async function client(config: RuntimeConfig): Promise<Replicate> {
  return new Replicate({
    auth: await replicateToken(),
    ...(config.replicateBaseUrl && { baseUrl: config.replicateBaseUrl }),
    fetch: guardedFetch(config.cancelAfter),
    useFileOutput: false,
  });
}

function mapError(action: string, error: unknown): never {
  if (error instanceof RateLimitedError) throw error;
  // The client's ApiError is not exported as a value; it carries the HTTP response.
  const status = (error as { response?: Response })?.response?.status;
  const message = (error as Error)?.message ?? String(error);
  if (status === 429) throw new RateLimitedError(`${action}: ${message}`);
  if (status !== undefined && status < 500) {
    throw new ReplicateRequestError(`${action}: Replicate answered ${status}: ${message.slice(0, 500)}`);
  }
  throw error;
}

export async function createPrediction(config: RuntimeConfig, request: CreateRequest): Promise<PredictionResult> {
  try {
    const replicate = await client(config);
    const prediction = await replicate.predictions.create(request as Parameters<Replicate['predictions']['create']>[0]);
    return toPredictionResult(prediction as PredictionLike);
  } catch (error) {
    mapError('create prediction', error);
  }
}

export async function getPrediction(config: RuntimeConfig, id: string): Promise<PredictionResult> {
  try {
    return toPredictionResult((await (await client(config)).predictions.get(id)) as PredictionLike);
  } catch (error) {
    mapError(`get prediction ${id}`, error);
  }
}

export async function cancelPrediction(config: RuntimeConfig, id: string): Promise<PredictionResult> {
  try {
    return toPredictionResult((await (await client(config)).predictions.cancel(id)) as PredictionLike);
  } catch (error) {
    mapError(`cancel prediction ${id}`, error);
  }
}

/** The account's webhook signing secret: configured (env or secret), else asked of the API once. */
export async function webhookSigningSecret(config: RuntimeConfig): Promise<string> {
  const configured = await configuredWebhookSecret();
  if (configured) return configured;
  const baseUrl = config.replicateBaseUrl ?? 'default';
  if (cachedWebhookSecret?.baseUrl === baseUrl) return cachedWebhookSecret.secret;
  try {
    const { key } = await (await client(config)).webhooks.default.secret.get();
    cachedWebhookSecret = { baseUrl, secret: key };
    return key;
  } catch (error) {
    mapError('get webhook signing secret', error);
  }
}

/** Test hook: forget the cooldown and cached secret between scenarios. */
export function resetReplicateState(): void {
  cooldownUntil = 0;
  cachedWebhookSecret = undefined;
}
