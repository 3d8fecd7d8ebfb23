// A local stand-in for api.replicate.com: the same HTTP shapes for the models longshot uses (LTX-2
// Fast/Pro, SDXL), real ffmpeg-rendered outputs, signed webhooks and injectable faults.
// Start it, point `new Replicate({ baseUrl: emu.baseUrl })` at it, and stop() it when done.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from './engine';
import { createRouter } from './server';
import type { EmulatorFaults, EmulatorOptions, ReplicateEmulator } from './types';
import { Takes } from './takes';
export { EMULATOR_DRIFT_MODES, isEmulatorDrift, type EmulatorDrift } from './drift';
export { STEP_FAULT_KINDS, DEFAULT_SLOW_MS } from './step-faults';
import { WebhookSender } from './webhooks';

export type {
  EmulatorFaults,
  EmulatorOptions,
  Prediction,
  PredictionStatus,
  ReplicateEmulator,
  StepFault,
  StepFaultKind,
  StepRequestMatcher,
} from './types';

const HOUR_MS = 3_600_000;

/** What --emulator-latency and EmulatorOptions.latencySeconds accept: a finite number of seconds ≥ 0. */
export function isEmulatorLatency(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

export async function startReplicateEmulator(options: EmulatorOptions = {}): Promise<ReplicateEmulator> {
  if (options.latencySeconds !== undefined && !isEmulatorLatency(options.latencySeconds)) {
    throw new RangeError(`latencySeconds must be a number of seconds ≥ 0, got ${String(options.latencySeconds)}`);
  }
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const secret = options.secret ?? `whsec_${randomBytes(24).toString('base64')}`;
  const faults: EmulatorFaults = options.faults ?? {};
  const ownWorkDir = !options.workDir;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'replicate-emulator-')));
  await mkdir(workDir, { recursive: true });

  const stopping = new AbortController();
  const webhooks = new WebhookSender({
    secret,
    faults,
    log,
    retryDelaysMs: options.webhookRetryDelaysMs ?? [200, 500, 1000, 2000],
    signal: stopping.signal,
  });

  // The engine needs the URLs, which exist only once the server listens, so the handler comes later.
  let handler: ReturnType<typeof createRouter> | undefined;
  const server = createServer((req, res) => {
    if (handler) return void handler(req, res);
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const baseUrl = `${origin}/v1`;

  const engine = new Engine({
    workDir,
    origin,
    baseUrl,
    fullSize: options.fullSize ?? false,
    drift: options.drift ?? 'realistic',
    concurrency: Math.max(1, options.concurrency ?? 1),
    latencyMs: (options.latencySeconds ?? 0) * 1000,
    outputTtlMs: options.outputTtlMs ?? HOUR_MS,
    faults,
    log,
    webhooks,
    takes: new Takes(options.takesFile),
  });
  handler = createRouter({ engine, faults, token: options.token, secret, log });
  log(`replicate emulator listening on ${baseUrl} (work dir ${workDir})`);

  let stopped: Promise<void> | undefined;
  return {
    baseUrl,
    origin,
    secret,
    faults,
    predictions: () => engine.list(),
    webhookDeliveries: () => webhooks.deliveries.map((d) => ({ ...d })),
    settled: (id, timeoutMs = 30_000) => engine.settled(id, timeoutMs),
    idle: () => engine.idle(),
    stop: () =>
      (stopped ??= (async () => {
        stopping.abort(new Error('emulator stopped'));
        server.closeAllConnections();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await engine.stop();
        await closed;
        if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
      })()),
  };
}
