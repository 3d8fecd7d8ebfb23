// Public shapes of the emulator (re-exported from ./index).
import type { TERMINAL_STATUSES } from '../../functions/domain/replicate-inputs';
import type { EmulatorDrift } from './drift';

export interface EmulatorFaults {
  /** The next N predictions end with status "failed" and an error message. */
  failNext?: number;
  /** The next N create calls answer 429 with Retry-After: 1. */
  rateLimitCreates?: number;
  /** Never deliver webhooks. */
  dropWebhooks?: boolean;
  /** Deliver each webhook twice with the same webhook-id. */
  duplicateWebhooks?: boolean;
  /** The next N predictions succeed with garbage bytes instead of a decodable MP4/PNG. */
  corruptOutputs?: number;
  /** Extra time a prediction stays "processing". */
  processingDelayMs?: number;
  /** Delay before each webhook delivery. */
  webhookDelayMs?: number;
  /** Faults of one step each (`--emulator-fault`); they hit every prediction of that step. See step-faults.ts. */
  steps?: StepFault[];
  /** How much longer a `slow` step's prediction stays "processing" (default 20 s). */
  slowMs?: number;
}

/** What `--emulator-fault <step>:<kind>` does to every prediction of the step (step-faults.ts). */
export type StepFaultKind = 'fail' | '429' | 'slow' | 'drop-webhook' | 'corrupt';

/**
 * What a step's create request carries whatever the run, so the emulator can tell the step when the
 * create has no webhook URL (poll mode): the model or version, the input fields that must be equal,
 * and the names of the URL-valued inputs it carries (presigned URLs differ per run; others are absent).
 */
export interface StepRequestMatcher {
  model?: string;
  version?: string;
  input: Record<string, unknown>;
  urls: string[];
}

export interface StepFault {
  /** anchor, keyframe-N or scene-N: matched against the webhook URL's `step` when the create has one. */
  step: string;
  kind: StepFaultKind;
  /** The step's create requests, for creates without a webhook URL. */
  requests?: StepRequestMatcher[];
}

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** If set, `Authorization: Bearer <token>` must match; otherwise any non-empty bearer passes. */
  token?: string;
  /** whsec_... webhook signing secret; generated when absent. */
  secret?: string;
  /** false (default): videos are 640x360 for speed; true: real RESOLUTION_SIZE frames. */
  fullSize?: boolean;
  /**
   * 'realistic' (default): LTX-2 clips drift like real image-to-video models chained from a last frame
   * (colour creep, cast, re-rendered first frame, static head frames, per-clip loudness); 'none': frame 0
   * is the scaled input and nothing drifts. See drift.ts.
   */
  drift?: EmulatorDrift;
  /**
   * Least seconds from creation to completion of a successful prediction (default 0: as fast as
   * ffmpeg renders). Models Replicate's generation time; the render runs meanwhile and does not hold
   * a render slot while it waits, so predictions wait out their latency side by side.
   */
  latencySeconds?: number;
  /** Renders at once (default 1); queued predictions stay "starting". */
  concurrency?: number;
  /** Output files answer 404 this long after completion (default 1 h, like Replicate). */
  outputTtlMs?: number;
  faults?: EmulatorFaults;
  /** Where outputs go; a temp dir (removed by stop) when absent. */
  workDir?: string;
  /**
   * Where the emulator remembers how often each clip was asked for (takes.ts), so a later process
   * makes a new take of the same inputs; in memory only when absent.
   */
  takesFile?: string;
  log?: (line: string) => void;
  /** Backoff between webhook retries (default 200, 500, 1000, 2000 ms). */
  webhookRetryDelaysMs?: number[];
}

/** Replicate's statuses; the terminal ones are defined once, in the domain. */
export type PredictionStatus = 'starting' | 'processing' | (typeof TERMINAL_STATUSES)[number];

export interface Prediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  status: PredictionStatus;
  output: string | string[] | null;
  error: string | null;
  logs: string;
  data_removed: boolean;
  source: 'api';
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  urls: { get: string; cancel: string; web: string };
  metrics: { predict_time?: number; total_time?: number };
}

export interface ReplicateEmulator {
  /** e.g. http://127.0.0.1:PORT/v1, what `new Replicate({ baseUrl })` takes. */
  baseUrl: string;
  origin: string;
  secret: string;
  /** Mutable at runtime by tests. */
  faults: EmulatorFaults;
  predictions(): Prediction[];
  webhookDeliveries(): {
    predictionId: string;
    webhookId: string;
    url: string;
    status: number | 'error';
    at: string;
  }[];
  /** The prediction once it is terminal (succeeded, failed, canceled, aborted); rejects after `timeoutMs`. */
  settled(id: string, timeoutMs?: number): Promise<Prediction>;
  /** Resolves when no render or webhook is in flight. */
  idle(): Promise<void>;
  /** Closes the server, kills ffmpeg children, removes the workDir it created. */
  stop(): Promise<void>;
}
