// Replicate signs webhooks the Standard Webhooks way: HMAC-SHA256 over `id.timestamp.rawBody`,
// timestamp within ±5 minutes, constant-time compare — all inside the standardwebhooks library.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { RuntimeConfig } from './config';
import { replicateApi } from './replicate';
import { WebhookRejectedError } from '../domain/errors';

export interface VerifiedWebhook {
  /** The webhook-id header: the same for every retry of one delivery. */
  id: string;
  payload: unknown;
}

const lowerCaseKeys = (headers: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v ?? '']));

const isMismatch = (error: unknown) => error instanceof WebhookVerificationError && /no matching signature/i.test(error.message);

type Verification = { ok: true; payload: unknown } | { ok: false; error: unknown };

function verify(secret: string, rawBody: string, headers: Record<string, string>): Verification {
  try {
    // The library's fixed tolerance is 5 minutes, which is Replicate's recommendation.
    return { ok: true, payload: new Webhook(secret).verify(rawBody, headers) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * The verified payload, or WebhookRejectedError naming why not. A signature that does not match the
 * cached secret is checked once more against a freshly read one (rotated, or stored after deploy).
 */
export async function verifyReplicateWebhook(
  config: RuntimeConfig,
  rawBody: string,
  rawHeaders: Record<string, string | undefined>,
): Promise<VerifiedWebhook> {
  const headers = lowerCaseKeys(rawHeaders);
  const api = replicateApi(config);
  const secret = await api.webhookSigningSecret();
  let result = verify(secret, rawBody, headers);
  if (!result.ok && isMismatch(result.error)) {
    const fresh = await api.webhookSigningSecret({ fresh: true });
    if (fresh !== secret) result = verify(fresh, rawBody, headers);
  }
  if (!result.ok) {
    const reason = result.error instanceof WebhookVerificationError ? result.error.message : 'malformed request';
    throw new WebhookRejectedError(`webhook rejected: ${reason}`);
  }
  return { id: headers['webhook-id'], payload: result.payload };
}
