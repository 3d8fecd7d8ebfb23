// Credentials. On AWS they come from one Secrets Manager secret (JSON {"replicateApiToken",
// "webhookSigningSecret"}) named by LONGSHOT_SECRET_ARN; locally from the environment, which wins.
// The secret is cached for a few minutes, never while it is still empty (as deployed, before the
// token is stored), and re-read on demand (a Replicate 401). Never logged, never put in URLs.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../domain/errors';

export interface StoredSecret {
  replicateApiToken?: string;
  webhookSigningSecret?: string;
}

export const SECRET_TTL_MS = 5 * 60_000;
/** A forced re-read (after a 401 or a signature mismatch) happens at most this often: callers can be hostile. */
export const MIN_REFRESH_MS = 30_000;

export interface SecretCacheOptions {
  ttlMs?: number;
  minRefreshMs?: number;
  now?: () => number;
}

/** A value read through `read`, kept for `ttlMs` once it is complete; concurrent callers share one read. */
export class SecretCache {
  private entry: { value: Promise<StoredSecret>; expiresAt: number } | null = null;
  private lastForcedRead = Number.NEGATIVE_INFINITY;
  private readonly ttlMs: number;
  private readonly minRefreshMs: number;
  private readonly now: () => number;

  constructor(private readonly read: () => Promise<StoredSecret>, options: SecretCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? SECRET_TTL_MS;
    this.minRefreshMs = options.minRefreshMs ?? MIN_REFRESH_MS;
    this.now = options.now ?? Date.now;
  }

  /** `fresh`: read again unless a forced read happened in the last `minRefreshMs`. */
  get({ fresh = false } = {}): Promise<StoredSecret> {
    const now = this.now();
    if (fresh && now - this.lastForcedRead >= this.minRefreshMs) {
      this.lastForcedRead = now;
      this.entry = null;
    }
    if (this.entry && now < this.entry.expiresAt) return this.entry.value;
    const value = this.read().then(
      (secret) => {
        // Right after deploy the secret holds empty strings: ask again next time instead of for minutes.
        if (!secret.replicateApiToken && this.entry?.value === value) this.entry = null;
        return secret;
      },
      (error: unknown) => {
        if (this.entry?.value === value) this.entry = null; // let the next call try again
        throw error;
      },
    );
    this.entry = { value, expiresAt: now + this.ttlMs };
    return value;
  }
}

/** Reads the JSON secret from Secrets Manager. */
export function secretsManagerReader(client: SecretsManagerClient, secretId: string): () => Promise<StoredSecret> {
  return async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    try {
      const parsed: unknown = JSON.parse(SecretString ?? '{}');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as StoredSecret;
    } catch {
      // fall through
    }
    throw new ConfigError('the longshot secret must be JSON: {"replicateApiToken": "…", "webhookSigningSecret": "whsec_…"}');
  };
}

export interface CredentialsOptions {
  /** The environment (read at each call: the local stack sets it after import). */
  env?: NodeJS.ProcessEnv;
  /** The stored secret; null when LONGSHOT_SECRET_ARN is not set (local runs). */
  stored: SecretCache | null;
}

export class Credentials {
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: CredentialsOptions) {
    this.env = options.env ?? process.env;
  }

  private async stored(fresh: boolean): Promise<StoredSecret> {
    return this.options.stored ? this.options.stored.get({ fresh }) : {};
  }

  /** `fresh`: the cached token was refused (401); read the secret again. */
  async replicateToken({ fresh = false } = {}): Promise<string> {
    const token = this.env.REPLICATE_API_TOKEN || (await this.stored(fresh)).replicateApiToken;
    if (!token) {
      throw new ConfigError(
        'No Replicate API token: set REPLICATE_API_TOKEN locally, or "replicateApiToken" in the secret named by LONGSHOT_SECRET_ARN (see docs/deploy.md)',
      );
    }
    return token;
  }

  /** The webhook signing secret if configured; otherwise callers ask Replicate's API for it. */
  async webhookSecret({ fresh = false } = {}): Promise<string | undefined> {
    return this.env.REPLICATE_WEBHOOK_SECRET || (await this.stored(fresh)).webhookSigningSecret || undefined;
  }
}

/** Credentials for this environment: Secrets Manager when LONGSHOT_SECRET_ARN is set. */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv = process.env, client?: SecretsManagerClient): Credentials {
  const secretId = env.LONGSHOT_SECRET_ARN;
  const stored = secretId
    ? new SecretCache(secretsManagerReader(client ?? new SecretsManagerClient({ region: env.AWS_REGION }), secretId))
    : null;
  return new Credentials({ env, stored });
}

let containerCredentials: Credentials | undefined;

/** One set of credentials (and its cache) per Lambda container, made on first use. */
export const credentials = (): Credentials => (containerCredentials ??= credentialsFromEnvironment());
