// The embedded stack: s3rver, a local Step Functions API running the real ASL, the API Gateway
// adapter and (unless live) the Replicate emulator, all on loopback ports in this process.
// Handlers learn about this world only through the environment set here.
import './polyfills';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANDLERS, type AnyHandler } from './handlers';
import { LocalStepFunctions } from './step-functions';
import { startSfnApi } from './sfn-api';
import { startS3Server, type S3Server } from './s3-server';
import { startHttpGateway } from './http-gateway';
import { startLambdaApi, type AsyncInvocation } from './lambda-api';
import { startEventsApi, type PutEvent } from './events-api';
import { startReplicateEmulator, type EmulatorOptions, type ReplicateEmulator } from './replicate-emulator';
import { loadConfig, type RuntimeConfig } from '../functions/adapters/config';
import { logger } from '../functions/adapters/logger';
import { followExecutionEnds, interruptRuns, settledWithin, watchInbox } from './event-rules';

export const LOCAL_BUCKET = 'longshot-local';
const REGION = 'us-east-1';
/** How long stop() waits for interrupted runs to be recorded before it closes everything anyway. */
const RECORD_DEADLINE_MS = 3000;
/** What an interrupted run's manifest says (the execution-ended path records it as canceled). */
export const INTERRUPTED_ERROR = 'Interrupted';
export const DEFAULT_INTERRUPT_CAUSE = 'the local stack was stopped while this run was in flight; start it again';

/** A problem starting the stack that the user can fix; the message says how, in one line. */
export class LocalStackError extends Error {
  override name = 'LocalStackError';
}

export class PortInUseError extends LocalStackError {
  constructor(readonly port: number, readonly service: 'api' | 's3', code: string) {
    super(code === 'EADDRINUSE' ? `port ${port} is in use` : `cannot listen on port ${port} (${code})`);
  }
}

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
  /** Ms before a run notification's second attempt (×4 after); default 200. */
  notifyRetryMs?: number;
  /** Ms before the local Lambda retries an asynchronous invocation that threw (×attempt); default 1000. */
  asyncRetryMs?: number;
  /** Replace handlers (tests inject faults); defaults to the real ones. */
  handlers?: Partial<Record<string, AnyHandler>>;
  logLevel?: string;
}

export interface Interruption {
  /** Runs stopped and recorded as interrupted in their manifests. */
  recorded: string[];
  /** Runs stopped whose recording did not finish before the deadline. */
  unrecorded: string[];
  /** The same for compares (their ending.json; their variants' runs are in the lists above). */
  compares: { recorded: string[]; unrecorded: string[] };
}

export interface LocalStack {
  bucket: string;
  /** Where s3rver keeps the bucket's objects. */
  s3Directory: string;
  apiUrl: string;
  s3Endpoint: string;
  sfnEndpoint: string;
  engine: LocalStepFunctions;
  /** The compare state machine's engine; its Map starts runs on `engine`. */
  compareEngine: LocalStepFunctions;
  emulator: ReplicateEmulator | null;
  config: RuntimeConfig;
  /** Inbox events handled (for tests and the dev console). */
  inboxResults: Promise<unknown>[];
  /** The run notifications' signing secret (whsec_…), made for this stack: receivers verify with it. */
  notifySecret: string;
  /** What was put on the local stand-in for EventBridge's default bus (Run Completed / Failed / Canceled). */
  events: PutEvent[];
  /** Asynchronous Lambda invocations (the ending writers' requests to notify), with their outcome. */
  asyncInvocations: AsyncInvocation[];
  /** "Execution Status Change" events handled for runs and compares that failed, timed out or were aborted. */
  statusChanges: Promise<unknown>[];
  /**
   * Stops every running execution with error Interrupted and `cause`, and waits (up to 3 s) until
   * the execution-ended path has recorded each one and canceled its predictions.
   */
  interrupt(cause?: string): Promise<Interruption>;
  /** interrupt(), then closes every server and removes the stack's own temp directories. */
  stop(options?: { cause?: string }): Promise<Interruption>;
}

const closeServer = (server: Server) => {
  // Keep-alive sockets (SDK clients, curl) would hold close() open for seconds.
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
};

/** s3rver and node's http servers throw an unhandled EADDRINUSE: find out before starting them. */
async function assertPortFree(port: number | undefined, service: 'api' | 's3') {
  if (!port) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
  } catch (error) {
    throw new PortInUseError(port, service, (error as NodeJS.ErrnoException).code ?? 'error');
  }
  await new Promise((resolve) => probe.close(resolve));
}

function requireToken(options: StackOptions) {
  if (options.replicate === 'live' && !process.env.REPLICATE_API_TOKEN) {
    throw new LocalStackError(
      '--replicate live needs REPLICATE_API_TOKEN: export it (a token from https://replicate.com/account/api-tokens), or leave out --replicate live to render offline with the emulator',
    );
  }
}

interface S3Part {
  directory: string;
  server: S3Server['events'];
  endpoint: string;
  stop(): Promise<void>;
}

async function startS3(options: StackOptions): Promise<S3Part> {
  const ownDirectory = !options.s3Directory;
  const directory = options.s3Directory ?? (await mkdtemp(join(tmpdir(), 'longshot-s3-')));
  await mkdir(directory, { recursive: true });
  const s3 = await startS3Server({ port: options.s3Port ?? 0, directory, bucket: LOCAL_BUCKET });
  return {
    directory,
    server: s3.events,
    endpoint: s3.endpoint,
    async stop() {
      await s3.close();
      if (ownDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Points the handlers (and the shared SDK clients, logger, secrets cache) at this stack. */
function configureEnvironment(env: { s3Endpoint: string; sfnUrl: string; stateMachineArn: string; compareStateMachineArn: string; webhookUrl?: string; emulator: ReplicateEmulator | null; logLevel?: string }) {
  // s3rver's fixed local credentials (not a secret); the local SFN API accepts any signature.
  Object.assign(process.env, {
    LONGSHOT_BUCKET: LOCAL_BUCKET,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    S3_ENDPOINT: env.s3Endpoint,
    SFN_ENDPOINT: env.sfnUrl,
    STATE_MACHINE_ARN: env.stateMachineArn,
    COMPARE_STATE_MACHINE_ARN: env.compareStateMachineArn,
    POWERTOOLS_LOG_LEVEL: env.logLevel ?? process.env.LONGSHOT_LOG_LEVEL ?? 'SILENT',
  });
  // The shared logger was built at import time, before this environment existed.
  logger.setLogLevel(process.env.POWERTOOLS_LOG_LEVEL as Parameters<typeof logger.setLogLevel>[0]);
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  if (env.webhookUrl) process.env.WEBHOOK_URL = env.webhookUrl;
  else delete process.env.WEBHOOK_URL;
  if (env.emulator) {
    process.env.REPLICATE_BASE_URL = env.emulator.baseUrl;
    process.env.REPLICATE_API_TOKEN = 'local-emulator-token';
  } else {
    delete process.env.REPLICATE_BASE_URL;
  }
  delete process.env.REPLICATE_WEBHOOK_SECRET;
}

export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  requireToken(options);
  await assertPortFree(options.apiPort, 'api');
  await assertPortFree(options.s3Port, 's3');
  const live = options.replicate === 'live';
  const webhooks = options.webhooks ?? !live; // webhooks cannot reach a laptop from the real Replicate
  const started: (() => Promise<void>)[] = [];
  try {
    const s3 = await startS3(options);
    started.push(s3.stop);
    const emulator = live ? null : await startReplicateEmulator({ token: 'local-emulator-token', ...options.emulator });
    if (emulator) started.push(emulator.stop);
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
    const compareEngine = new LocalStepFunctions({
      region: REGION,
      handlers,
      machine: 'compare',
      nested: [engine],
      retryIntervalMs: options.retryIntervalMs,
    });
    const sfn = await startSfnApi([engine, compareEngine]);
    started.push(() => closeServer(sfn.server));
    const gateway = await startHttpGateway(handlers, options.apiPort ?? 0);
    started.push(() => closeServer(gateway.server));
    const lambda = await startLambdaApi(handlers, { retryDelayMs: options.asyncRetryMs });
    started.push(() => closeServer(lambda.server));
    const eventBus = await startEventsApi();
    started.push(() => closeServer(eventBus.server));
    const notifySecret = `whsec_${randomBytes(32).toString('base64')}`;
    // Run notifications: the same notify handler, invoked through the local Lambda API; receivers
    // on 127.0.0.1 (http) are let through here only.
    Object.assign(process.env, {
      LAMBDA_ENDPOINT: lambda.url,
      EVENTS_ENDPOINT: eventBus.url,
      NOTIFY_FUNCTION_NAME: 'notify',
      NOTIFY_SIGNING_SECRET: notifySecret,
      NOTIFY_ALLOW_LOOPBACK: 'true',
      NOTIFY_RETRY_BASE_MS: String(options.notifyRetryMs ?? 200),
    });
    configureEnvironment({
      s3Endpoint: s3.endpoint,
      sfnUrl: sfn.url,
      stateMachineArn: engine.stateMachineArn,
      compareStateMachineArn: compareEngine.stateMachineArn,
      webhookUrl: webhooks ? `${gateway.url}/webhooks/replicate` : undefined,
      emulator,
      logLevel: options.logLevel,
    });
    const inboxResults = options.watchInbox ? watchInbox(s3.server, handlers['start-from-upload']) : [];
    const ends = followExecutionEnds([engine, compareEngine], handlers['execution-ended']);
    const interrupt = (cause = DEFAULT_INTERRUPT_CAUSE) => interruptRuns(engine, compareEngine, ends, cause);
    const shutdown = async (cause?: string) => {
      await settledWithin(Promise.all(ends.all), RECORD_DEADLINE_MS);
      const interruption = await interrupt(cause);
      ends.close();
      // Notifications of the runs that just ended go out before the servers close.
      await settledWithin(Promise.all(lambda.invocations.map((i) => i.done)), RECORD_DEADLINE_MS);
      for (const stop of started.reverse()) await stop();
      return interruption;
    };
    const stack = { bucket: LOCAL_BUCKET, s3Directory: s3.directory, apiUrl: gateway.url, s3Endpoint: s3.endpoint, sfnEndpoint: sfn.url, engine, compareEngine, emulator, config: loadConfig() };
    const notifications = { notifySecret, events: eventBus.events, asyncInvocations: lambda.invocations };
    return { ...stack, ...notifications, inboxResults, statusChanges: ends.all, interrupt, stop: (stopOptions) => shutdown(stopOptions?.cause) };
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
