// Run and compare notifications, I/O side: asking the notify function to run (an asynchronous Lambda invoke),
// the signing secret, the signed POST to the caller's URL and the EventBridge event. Locally the
// same SDK calls go to the local stack's Lambda and EventBridge endpoints (LAMBDA_ENDPOINT,
// EVENTS_ENDPOINT); nothing here branches on where it runs.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Webhook } from 'standardwebhooks';
import { AWS_MAX_ATTEMPTS, type RuntimeConfig } from './config';
import { tracer } from './observability';
import { logger } from './logger';
import { postToPublicUrl } from './safe-fetch';
import { putJson } from './s3';
import { runKeys } from '../domain/run-keys';
import { compareKeys } from '../domain/compare';
import { ConfigError } from '../domain/errors';
import { detailTypeOf, EVENT_SOURCE, NOTIFY_TIMEOUT_MS, notifyAddressRefusal, type EndingSummary, type NotifyTarget, type NotifyUrlRules } from '../domain/notification';

export interface NotifyConfig extends NotifyUrlRules {
  /** The notify function (its name on AWS, "notify" locally); unset: no notifications are sent. */
  functionName?: string;
  lambdaEndpoint?: string;
  eventsEndpoint?: string;
  /** Secrets Manager secret holding the signing secret (AWS). */
  secretArn?: string;
  /** Wait before the second attempt; ×4 each attempt after. */
  retryBaseMs: number;
}

export function loadNotifyConfig(env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const base = Number(env.NOTIFY_RETRY_BASE_MS || 2000);
  if (!Number.isFinite(base) || base < 0) throw new ConfigError(`NOTIFY_RETRY_BASE_MS must be a number of ms ≥ 0, got "${env.NOTIFY_RETRY_BASE_MS}"`);
  return {
    functionName: env.NOTIFY_FUNCTION_NAME || undefined,
    lambdaEndpoint: env.LAMBDA_ENDPOINT || undefined,
    eventsEndpoint: env.EVENTS_ENDPOINT || undefined,
    secretArn: env.NOTIFY_SECRET_ARN || undefined,
    // Set by the local stack only (its receivers are on 127.0.0.1); never on AWS.
    allowLoopback: env.NOTIFY_ALLOW_LOOPBACK === 'true',
    retryBaseMs: base,
  };
}

/** Where POST /runs asked to be told: stored with the run before its execution starts. */
export const saveNotifyTarget = (config: RuntimeConfig, runId: string, target: NotifyTarget) => putJson(config, runKeys(runId).notify, target);

/** The same for POST /compares: stored under compares/{id}/ before the compare execution starts. */
export const saveCompareNotifyTarget = (config: RuntimeConfig, compareId: string, target: NotifyTarget) =>
  putJson(config, compareKeys(compareId).notify, target);

const lambdaClients = new Map<string, LambdaClient>();
const eventClients = new Map<string, EventBridgeClient>();

function cached<C>(clients: Map<string, C>, key: string, make: () => C): C {
  let client = clients.get(key);
  if (!client) clients.set(key, (client = make()));
  return client;
}

/** What the notify function is invoked with: the run or the compare whose ending was recorded. */
export type NotifySubject = { runId: string } | { compareId: string };

/**
 * Hands the run's ending to the notify function, asynchronously (Lambda queues the event, retries
 * the function and keeps what still fails in its on-failure destination). Never throws: the ending
 * is recorded whatever happens here; a lost request is logged.
 */
export const requestNotification = (config: RuntimeConfig, runId: string, notify = loadNotifyConfig()) => invokeNotify(config, { runId }, notify);

/** The same for a compare's ending (JoinComparison, RecordCompareFailure). */
export const requestCompareNotification = (config: RuntimeConfig, compareId: string, notify = loadNotifyConfig()) =>
  invokeNotify(config, { compareId }, notify);

async function invokeNotify(config: RuntimeConfig, subject: NotifySubject, notify: NotifyConfig): Promise<boolean> {
  if (!notify.functionName) return false;
  try {
    const client = cached(lambdaClients, `${config.region}|${notify.lambdaEndpoint ?? ''}`, () =>
      tracer.captureAWSv3Client(
        new LambdaClient({ region: config.region, maxAttempts: AWS_MAX_ATTEMPTS, ...(notify.lambdaEndpoint && { endpoint: notify.lambdaEndpoint }) }),
      ),
    );
    await client.send(new InvokeCommand({ FunctionName: notify.functionName, InvocationType: 'Event', Payload: JSON.stringify(subject) }));
    return true;
  } catch (error) {
    const kind = 'runId' in subject ? 'run' : 'compare';
    logger.error(`${kind} notification not requested`, { ...subject, error: { name: (error as Error).name, message: (error as Error).message } });
    return false;
  }
}

/** PutEvents on the default bus; throws if the entry was not accepted. */
export async function putEndingEvent(config: RuntimeConfig, summary: EndingSummary, notify = loadNotifyConfig()): Promise<void> {
  const client = cached(eventClients, `${config.region}|${notify.eventsEndpoint ?? ''}`, () =>
    tracer.captureAWSv3Client(
      new EventBridgeClient({ region: config.region, maxAttempts: AWS_MAX_ATTEMPTS, ...(notify.eventsEndpoint && { endpoint: notify.eventsEndpoint }) }),
    ),
  );
  const answer = await client.send(
    new PutEventsCommand({
      Entries: [{ Source: EVENT_SOURCE, DetailType: detailTypeOf(summary), Detail: JSON.stringify(summary), Resources: [] }],
    }),
  );
  const entry = answer.Entries?.[0];
  if ((answer.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new Error(`EventBridge refused the ending event: ${entry?.ErrorCode ?? 'no event id'} ${entry?.ErrorMessage ?? ''}`.trim());
  }
}

// ---- The signing secret ----

const SECRET_TTL_MS = 5 * 60_000;
let secretCache: { value: Promise<string>; expiresAt: number } | null = null;

async function readSecret(notify: NotifyConfig, env: NodeJS.ProcessEnv): Promise<string> {
  // Locally the stack generates one per start and puts it in the environment.
  if (env.NOTIFY_SIGNING_SECRET) return env.NOTIFY_SIGNING_SECRET;
  if (!notify.secretArn) throw new ConfigError('No notification signing secret: NOTIFY_SECRET_ARN (AWS) or NOTIFY_SIGNING_SECRET (local) is not set');
  const client = new SecretsManagerClient({ region: env.AWS_REGION, maxAttempts: AWS_MAX_ATTEMPTS });
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: notify.secretArn }));
  if (!SecretString) throw new ConfigError('the notification signing secret is empty');
  return SecretString.trim();
}

/** The signing secret, read once per container and kept for five minutes (a rotation shows up then). */
export function signingSecret(notify = loadNotifyConfig(), env: NodeJS.ProcessEnv = process.env, now = Date.now()): Promise<string> {
  if (env.NOTIFY_SIGNING_SECRET) return Promise.resolve(env.NOTIFY_SIGNING_SECRET);
  if (secretCache && now < secretCache.expiresAt) return secretCache.value;
  const value = readSecret(notify, env);
  value.catch(() => (secretCache = null));
  secretCache = { value, expiresAt: now + SECRET_TTL_MS };
  return value;
}

/** Standard Webhooks headers for one attempt (a fresh timestamp each time, the same id). */
export function signedHeaders(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  const signature = new Webhook(secret).sign(id, at, body);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

/** One signed POST of the payload; resolves with the answer's status (see deliveryVerdict). */
export async function postNotification(url: string, body: string, headers: Record<string, string>, notify = loadNotifyConfig()) {
  return postToPublicUrl(url, body, {
    field: 'notify.url',
    timeoutMs: NOTIFY_TIMEOUT_MS,
    headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'longshot-notify' },
    refusal: notifyAddressRefusal(notify),
    schemes: notify.allowLoopback ? ['https:', 'http:'] : ['https:'],
  });
}
