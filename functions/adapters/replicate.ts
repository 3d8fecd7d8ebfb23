// Replicate through the official client: create / get / cancel only (run() returns null for long
// video jobs). Its own 429 retry does not back off, so a 429 opens a short cooldown here and
// surfaces as RateLimitedError for the state machine's Retry with backoff. A 401 re-reads the
// token once: it may have been stored or rotated after this container read it.
import Replicate from 'replicate';
import type { RuntimeConfig } from './config';
import { credentials as containerCredentials, MIN_REFRESH_MS, SECRET_TTL_MS, type Credentials } from './secrets';
import { RateLimitedError, ReplicateRequestError } from '../domain/errors';
import { toPredictionResult, type CreateRequest, type PredictionLike, type PredictionResult } from '../domain/replicate-inputs';

const COOLDOWN_MS = 10_000;

export interface ReplicateApiOptions {
  baseUrl?: string;
  /** The Cancel-After header sent with every create. */
  cancelAfter: string;
  credentials: Credentials;
  /** The network; tests inject one. Defaults to the global fetch, looked up at each call. */
  fetch?: typeof fetch;
  now?: () => number;
}

const httpStatus = (error: unknown) => (error as { response?: Response })?.response?.status;

function mapError(action: string, error: unknown): never {
  if (error instanceof RateLimitedError) throw error;
  // The client's ApiError is not exported as a value; it carries the HTTP response.
  const status = httpStatus(error);
  const message = (error as Error)?.message ?? String(error);
  if (status === 429) throw new RateLimitedError(`${action}: ${message}`);
  if (status !== undefined && status < 500) {
    throw new ReplicateRequestError(`${action}: Replicate answered ${status}: ${message.slice(0, 500)}`);
  }
  throw error;
}

/** One Replicate endpoint with its rate-limit cooldown and the webhook secret it handed out. */
export class ReplicateApi {
  private cooldownUntil = 0;
  private signingSecret: { key: string; fetchedAt: number } | null = null;
  private lastForcedSecretRead = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: ReplicateApiOptions) {
    this.now = options.now ?? Date.now;
  }

  async create(request: CreateRequest): Promise<PredictionResult> {
    const prediction = await this.call('create prediction', (r) => r.predictions.create(request as Parameters<Replicate['predictions']['create']>[0]));
    return toPredictionResult(prediction as PredictionLike);
  }

  async get(id: string): Promise<PredictionResult> {
    return toPredictionResult((await this.call(`get prediction ${id}`, (r) => r.predictions.get(id))) as PredictionLike);
  }

  async cancel(id: string): Promise<PredictionResult> {
    return toPredictionResult((await this.call(`cancel prediction ${id}`, (r) => r.predictions.cancel(id))) as PredictionLike);
  }

  /**
   * The account's webhook signing secret: configured (env or secret), else asked of the API and kept
   * for a few minutes. `fresh` (a signature did not match) reads both again, at most every 30 s.
   */
  async webhookSigningSecret({ fresh = false } = {}): Promise<string> {
    const configured = await this.options.credentials.webhookSecret({ fresh });
    if (configured) return configured;
    const now = this.now();
    const forced = fresh && now - this.lastForcedSecretRead >= MIN_REFRESH_MS;
    if (forced) this.lastForcedSecretRead = now;
    if (!forced && this.signingSecret && now - this.signingSecret.fetchedAt < SECRET_TTL_MS) return this.signingSecret.key;
    const { key } = await this.call('get webhook signing secret', (r) => r.webhooks.default.secret.get());
    this.signingSecret = { key, fetchedAt: now };
    return key;
  }

  private async call<T>(action: string, request: (client: Replicate) => Promise<T>): Promise<T> {
    const token = await this.options.credentials.replicateToken();
    try {
      return await request(this.client(token));
    } catch (error) {
      if (httpStatus(error) !== 401) mapError(action, error);
      const fresh = await this.options.credentials.replicateToken({ fresh: true });
      if (fresh === token) mapError(action, error);
      try {
        return await request(this.client(fresh));
      } catch (retried) {
        mapError(action, retried);
      }
    }
  }

  private client(auth: string): Replicate {
    return new Replicate({
      auth,
      ...(this.options.baseUrl && { baseUrl: this.options.baseUrl }),
      fetch: this.guardedFetch,
      useFileOutput: false,
    });
  }

  private readonly guardedFetch: typeof fetch = async (input, init) => {
    if (this.now() < this.cooldownUntil) throw new RateLimitedError('Replicate rate limit: cooling down before retrying');
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers = new Headers(init?.headers);
    if (init?.method === 'POST' && /\/predictions$/.test(new URL(url).pathname)) headers.set('Cancel-After', this.options.cancelAfter);
    const response = await (this.options.fetch ?? globalThis.fetch)(input, { ...init, headers, redirect: 'error' });
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      this.cooldownUntil = this.now() + (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : COOLDOWN_MS);
      throw new RateLimitedError(`Replicate answered 429: ${(await response.text()).slice(0, 200)}`);
    }
    return response;
  };
}

const endpoints = new Map<string, ReplicateApi>();

/** One ReplicateApi per endpoint for the container's life: the cooldown and cached secret are that endpoint's. */
export function replicateApi(config: RuntimeConfig): ReplicateApi {
  const key = `${config.replicateBaseUrl ?? 'default'}|${config.cancelAfter}`;
  let api = endpoints.get(key);
  if (!api) {
    api = new ReplicateApi({ baseUrl: config.replicateBaseUrl, cancelAfter: config.cancelAfter, credentials: containerCredentials() });
    endpoints.set(key, api);
  }
  return api;
}

export const createPrediction = (config: RuntimeConfig, request: CreateRequest) => replicateApi(config).create(request);
export const getPrediction = (config: RuntimeConfig, id: string) => replicateApi(config).get(id);
export const cancelPrediction = (config: RuntimeConfig, id: string) => replicateApi(config).cancel(id);
