// Everything that differs between AWS and the laptop comes from the environment: endpoints,
// names and credentials. Handlers never branch on "local" beyond this.
import { ConfigError } from '../domain/errors';
import { CANCEL_AFTER, durationSeconds } from '../domain/prediction-windows';

export interface RuntimeConfig {
  bucket: string;
  region: string;
  /** Set for s3rver or any other S3-compatible endpoint; unset on AWS. */
  s3Endpoint?: string;
  sfnEndpoint?: string;
  stateMachineArn?: string;
  /** The compare state machine (POST/GET /compares). */
  compareStateMachineArn?: string;
  replicateBaseUrl?: string;
  /** Public URL of POST /webhooks/replicate; unset → no webhooks, tasks finish through polling. */
  webhookUrl: string | null;
  /** Replicate cancels a prediction that runs longer than this (Cancel-After header): a cost guard. See domain/prediction-windows.ts. */
  cancelAfter: string;
  /** Lifetime of presigned seed-frame URLs handed to Replicate. */
  presignSeconds: number;
}

/**
 * Attempts per AWS SDK call (standard retry mode: exponential backoff with full jitter, longer for
 * throttling). Throttling and 5xx are retried here, not by the state machine; see docs/design-notes.md.
 */
export const AWS_MAX_ATTEMPTS = 5;

const positiveInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
};

export function loadConfig(): RuntimeConfig {
  const bucket = process.env.LONGSHOT_BUCKET;
  if (!bucket) throw new ConfigError('LONGSHOT_BUCKET is not set (the bucket that holds runs/)');
  return {
    bucket,
    region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
    s3Endpoint: process.env.S3_ENDPOINT || undefined,
    sfnEndpoint: process.env.SFN_ENDPOINT || undefined,
    stateMachineArn: process.env.STATE_MACHINE_ARN || undefined,
    compareStateMachineArn: process.env.COMPARE_STATE_MACHINE_ARN || undefined,
    replicateBaseUrl: process.env.REPLICATE_BASE_URL || undefined,
    webhookUrl: process.env.WEBHOOK_URL || null,
    cancelAfter: process.env.PREDICTION_CANCEL_AFTER || CANCEL_AFTER,
    presignSeconds: positiveInt('PRESIGN_SECONDS', 3600),
  };
}

/**
 * PREDICTION_CANCEL_AFTER in seconds: the longest a prediction may run. Each prediction's own
 * Cancel-After is at most this, and a prediction without one recorded is judged by it.
 */
export function cancelAfterCeilingSeconds(config: RuntimeConfig): number {
  const seconds = durationSeconds(config.cancelAfter);
  if (seconds === null) throw new ConfigError(`PREDICTION_CANCEL_AFTER must be a duration like 1800s or 30m, got "${config.cancelAfter}"`);
  return seconds;
}

export function requireStateMachineArn(config: RuntimeConfig): string {
  if (!config.stateMachineArn) throw new ConfigError('STATE_MACHINE_ARN is not set');
  return config.stateMachineArn;
}
