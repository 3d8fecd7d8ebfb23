// Credentials, read once per cold start. On AWS they come from one Secrets Manager secret (JSON
// {"replicateApiToken", "webhookSigningSecret"}) named by LONGSHOT_SECRET_ARN; locally from the
// environment. They are never logged and never put in URLs.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../domain/errors';

export interface StoredSecret {
  replicateApiToken?: string;
  webhookSigningSecret?: string;
}

let cached: Promise<StoredSecret> | undefined;

async function fetchStoredSecret(): Promise<StoredSecret> {
  const secretId = process.env.LONGSHOT_SECRET_ARN;
  if (!secretId) return {};
  const client = new SecretsManagerClient({ region: process.env.AWS_REGION });
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  try {
    return JSON.parse(SecretString ?? '{}') as StoredSecret;
  } catch {
    throw new ConfigError('the longshot secret must be JSON: {"replicateApiToken": "…", "webhookSigningSecret": "whsec_…"}');
  }
}

function storedSecret(): Promise<StoredSecret> {
  cached ??= fetchStoredSecret().catch((error) => {
    cached = undefined; // let the next invocation try again
    throw error;
  });
  return cached;
}

export async function replicateToken(): Promise<string> {
  const token = process.env.REPLICATE_API_TOKEN || (await storedSecret()).replicateApiToken;
  if (!token) {
    throw new ConfigError(
      'No Replicate API token: set REPLICATE_API_TOKEN locally, or "replicateApiToken" in the secret named by LONGSHOT_SECRET_ARN (see docs/deploy.md)',
    );
  }
  return token;
}

/** The webhook signing secret if configured; otherwise callers ask Replicate's API for it. */
export async function configuredWebhookSecret(): Promise<string | undefined> {
  return process.env.REPLICATE_WEBHOOK_SECRET || (await storedSecret()).webhookSigningSecret || undefined;
}

/** For tests and the local stack, which switch endpoints between runs in one process. */
export function resetSecretsCache(): void {
  cached = undefined;
}
