// The embedded stack: s3rver, a local Step Functions API running the real ASL, the API Gateway
// adapter and (unless live) the Replicate emulator, all on loopback ports in this process.
// Handlers learn about this world only through the environment set here.
import './polyfills';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { HANDLERS, type AnyHandler } from './handlers';
import { LocalStepFunctions, type Execution } from './step-functions';
import { startSfnApi } from './sfn-api';
import { startS3Server } from './s3-server';
import { startHttpGateway } from './http-gateway';
import { startReplicateEmulator, type EmulatorOptions, type ReplicateEmulator } from './replicate-emulator';
import { loadConfig, type RuntimeConfig } from '../functions/adapters/config';
import { INBOX_PREFIX } from '../functions/domain/run-keys';
import { logger } from '../functions/adapters/logger';

export const LOCAL_BUCKET = 'longshot-local';
const REGION = 'us-east-1';

export interface StackOptions {
  /** 'emulator' (default, offline) or 'live' (real Replicate; needs REPLICATE_API_TOKEN). */
  replicate?: 'emulator' | 'live';
  /** false: Replicate sends no webhooks and every task completes through the poll path. */
  webhooks?: boolean;
  /** Ms a task waits for its webhook before polling (default: the ASL's TimeoutSeconds; 1500 without webhooks). */
  callbackTimeoutMs?: number;
  /** Ms between polls after a wait timed out (default: the ASL's Wait seconds; 1000 on the emulator when waits are shortened). */
  pollIntervalMs?: number;
  /** Port of the API gateway (0 = any free port). */
  apiPort?: number;
  s3Port?: number;
  /** Where s3rver keeps objects (default: a temp dir removed on stop). */
  s3Directory?: string;
  emulator?: EmulatorOptions;
  /** Shrink every Retry interval to this many ms (tests). */
  retryIntervalMs?: number;
  /** Start a run when a storyboard lands under inbox/ (the S3-upload trigger). */
  watchInbox?: boolean;
  /** Replace handlers (tests inject faults); defaults to the real ones. */
  handlers?: Partial<Record<string, AnyHandler>>;
  logLevel?: string;
}

export interface LocalStack {
  bucket: string;
  apiUrl: string;
  s3Endpoint: string;
  sfnEndpoint: string;
  engine: LocalStepFunctions;
  emulator: ReplicateEmulator | null;
  config: RuntimeConfig;
  /** Inbox events handled (for tests and the dev console). */
  inboxResults: Promise<unknown>[];
  /** "Execution Status Change" events handled for runs that failed, timed out or were aborted. */
  statusChanges: Promise<unknown>[];
  stop(): Promise<void>;
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  const live = options.replicate === 'live';
  const webhooks = options.webhooks ?? !live; // webhooks cannot reach a laptop from the real Replicate
  if (live && !process.env.REPLICATE_API_TOKEN) {
    throw new Error('--replicate live needs REPLICATE_API_TOKEN in the environment');
  }

  const ownS3Dir = !options.s3Directory;
  const s3Directory = options.s3Directory ?? (await mkdtemp(join(tmpdir(), 'longshot-s3-')));
  await mkdir(s3Directory, { recursive: true });
  const s3 = await startS3Server({ port: options.s3Port ?? 0, directory: s3Directory, bucket: LOCAL_BUCKET });
  const s3Endpoint = s3.endpoint;

  const emulator = live ? null : await startReplicateEmulator({ token: 'local-emulator-token', ...options.emulator });

  const handlers = { ...HANDLERS, ...options.handlers } as Record<string, AnyHandler>;
  const callbackTimeoutMs = options.callbackTimeoutMs ?? (webhooks ? undefined : 1500);
  const engine = new LocalStepFunctions({
    region: REGION,
    handlers,
    retryIntervalMs: options.retryIntervalMs,
    callbackTimeoutMs,
    // Live Replicate keeps the real poll interval: a prediction takes a minute or more there.
    waitMs: options.pollIntervalMs ?? (!live && callbackTimeoutMs !== undefined ? 1000 : undefined),
  });
  const sfn = await startSfnApi(engine);
  const gateway = await startHttpGateway(handlers, options.apiPort ?? 0);

  // s3rver's fixed local credentials (not a secret); the local SFN API accepts any signature.
  Object.assign(process.env, {
    LONGSHOT_BUCKET: LOCAL_BUCKET,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    S3_ENDPOINT: s3Endpoint,
    SFN_ENDPOINT: sfn.url,
    STATE_MACHINE_ARN: engine.stateMachineArn,
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.LONGSHOT_LOG_LEVEL ?? 'SILENT',
  });
  // The shared logger was built at import time, before this environment existed.
  logger.setLogLevel(process.env.POWERTOOLS_LOG_LEVEL as Parameters<typeof logger.setLogLevel>[0]);
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  if (webhooks) process.env.WEBHOOK_URL = `${gateway.url}/webhooks/replicate`;
  else delete process.env.WEBHOOK_URL;
  if (emulator) {
    process.env.REPLICATE_BASE_URL = emulator.baseUrl;
    process.env.REPLICATE_API_TOKEN = 'local-emulator-token';
  } else {
    delete process.env.REPLICATE_BASE_URL;
  }
  delete process.env.REPLICATE_WEBHOOK_SECRET;

  const inboxResults: Promise<unknown>[] = [];
  if (options.watchInbox) {
    s3.events.on('event', (event: { Records: { eventName: string; eventTime: string; s3: { bucket: { name: string }; object: { key: string; eTag?: string; size?: number } } }[] }) => {
      for (const record of event.Records ?? []) {
        // Like the deployed rule: every object under inbox/, key as s3rver has it; the handler decides.
        const key = record.s3.object.key;
        if (!record.eventName.startsWith('ObjectCreated') || !key.startsWith(INBOX_PREFIX)) continue;
        // The same EventBridge "Object Created" shape the deployed rule delivers.
        const handled = handlers['start-from-upload']({
          version: '0',
          id: `local-${Date.now()}`,
          'detail-type': 'Object Created',
          source: 'aws.s3',
          time: record.eventTime ?? new Date().toISOString(),
          region: REGION,
          resources: [],
          detail: { bucket: { name: record.s3.bucket.name }, object: { key: record.s3.object.key, etag: record.s3.object.eTag, size: record.s3.object.size } },
        }).catch((error: Error) => ({ error: error.message }));
        inboxResults.push(handled);
      }
    });
  }

  // The deployed EventBridge rule on Step Functions status changes, for ends the ASL cannot catch
  // (a stop from outside, the execution timeout).
  const statusChanges: Promise<unknown>[] = [];
  let stopping = false;
  engine.on('finished', (execution: Execution) => {
    if (stopping || execution.status === 'SUCCEEDED') return;
    statusChanges.push(
      handlers['execution-ended']({
        version: '0',
        id: `local-${Date.now()}`,
        'detail-type': 'Step Functions Execution Status Change',
        source: 'aws.states',
        time: new Date().toISOString(),
        region: REGION,
        resources: [execution.executionArn],
        detail: { executionArn: execution.executionArn, stateMachineArn: execution.stateMachineArn, name: execution.name, status: execution.status, error: execution.error ?? null, cause: execution.cause ?? null },
      }).catch((error: Error) => ({ error: error.message })),
    );
  });

  return {
    bucket: LOCAL_BUCKET,
    apiUrl: gateway.url,
    s3Endpoint,
    sfnEndpoint: sfn.url,
    engine,
    emulator,
    config: loadConfig(),
    inboxResults,
    statusChanges,
    async stop() {
      await Promise.all(statusChanges);
      stopping = true;
      for (const execution of engine.list()) if (execution.status === 'RUNNING') engine.stopExecution(execution.executionArn, 'StackStopped', 'local stack stopped');
      await Promise.all([closeServer(gateway.server), closeServer(sfn.server)]);
      await emulator?.stop();
      await s3.close();
      if (ownS3Dir) await rm(s3Directory, { recursive: true, force: true });
    },
  };
}
