// Prediction lifecycle: queue (status "starting") → render ("processing") → terminal status, with
// faults, Cancel-After, output expiry and webhook notifications.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESOLUTION_SIZE } from '../../functions/domain/models';
import { isTerminal } from '../../functions/domain/replicate-inputs';
import type { EmulatorDrift } from './drift';
import type { Job, ModelRef } from './inputs';
import { renderClip } from './render-clip';
import { renderImageToImage, renderPromptImage } from './render-image';
import { DEFAULT_SLOW_MS, type PredictionFaults } from './step-faults';
import type { EmulatorFaults, Prediction, PredictionStatus } from './types';
import { download, predictionId, sleep } from './util';
import type { WebhookSender } from './webhooks';
import { sha256OfBytes, type Takes } from './takes';

export interface EngineOptions {
  workDir: string;
  origin: string;
  baseUrl: string;
  fullSize: boolean;
  drift: EmulatorDrift;
  concurrency: number;
  /** Least time from creation to completion (model time); the render runs meanwhile. 0: render time only. */
  latencyMs: number;
  outputTtlMs: number;
  faults: EmulatorFaults;
  log: (line: string) => void;
  webhooks: WebhookSender;
  /** How often each clip's inputs were asked for (LTX-2 takes no seed: every take differs). */
  takes: Takes;
}

/** What makes two clip requests the same request: prompt, frames by content, length, rate, size, sound. */
async function clipInputs(job: Job & { kind: 'ltx' }, firstFrame: string, lastFrame?: string): Promise<unknown[]> {
  const [first, last] = await Promise.all([readFile(firstFrame), lastFrame ? readFile(lastFrame) : null]);
  return [job.modelId, job.prompt, sha256OfBytes(first), last && sha256OfBytes(last), job.duration, job.fps, job.resolution, job.audio];
}

export interface CreateOptions {
  webhook?: string;
  events?: string[];
  cancelAfterMs?: number;
  /** What the step's `--emulator-fault`s do to this prediction (step-faults.ts). */
  stepFaults?: PredictionFaults;
}

interface Entry {
  prediction: Prediction;
  job: Job;
  webhook?: string;
  events: Set<string>;
  fault: { fail: string | null; corrupt: boolean; slow: boolean; dropWebhook: boolean };
  abort: AbortController;
  done: Promise<void>;
  markDone: () => void;
  cancelTimer?: NodeJS.Timeout;
  createdMs: number;
  startedMs?: number;
  expiresAt?: number;
  webhookChain: Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = { png: 'image/png', mp4: 'video/mp4' };
const takeFault = (faults: EmulatorFaults, key: 'failNext' | 'corruptOutputs') => {
  if (!faults[key] || faults[key]! <= 0) return false;
  faults[key] = faults[key]! - 1;
  return true;
};

export class Engine {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private running = 0;
  private stopped = false;

  constructor(private readonly o: EngineOptions) {}

  create(ref: ModelRef, job: Job, input: Record<string, unknown>, options: CreateOptions): Prediction {
    const id = predictionId();
    const now = new Date();
    let markDone!: () => void;
    const done = new Promise<void>((resolve) => (markDone = resolve));
    const entry: Entry = {
      prediction: {
        id,
        model: ref.model,
        version: ref.version,
        input,
        status: 'starting',
        output: null,
        error: null,
        logs: '',
        data_removed: false,
        source: 'api',
        created_at: now.toISOString(),
        started_at: null,
        completed_at: null,
        urls: {
          get: `${this.o.baseUrl}/predictions/${id}`,
          cancel: `${this.o.baseUrl}/predictions/${id}/cancel`,
          web: `${this.o.origin}/p/${id}`,
        },
        metrics: {},
      },
      job,
      webhook: options.webhook,
      events: new Set(options.events?.length ? options.events : ['start', 'output', 'logs', 'completed']),
      fault: this.faultsOf(options.stepFaults),
      abort: new AbortController(),
      done,
      markDone,
      createdMs: now.getTime(),
      webhookChain: Promise.resolve(),
    };
    this.entries.set(id, entry);
    this.track(done);
    if (options.cancelAfterMs !== undefined) {
      entry.cancelTimer = setTimeout(() => {
        this.log(entry, `Cancel-After elapsed after ${options.cancelAfterMs} ms`);
        // As Replicate: still queued → aborted (not charged); running → canceled.
        this.finish(entry, entry.startedMs === undefined ? 'aborted' : 'canceled');
      }, options.cancelAfterMs);
    }
    this.queue.push(entry);
    const created = this.snapshot(entry); // answered as "starting", as Replicate does
    this.pump();
    return created;
  }

  /** The step's faults, then the global counters: drawn at create time so they hit predictions in creation order. */
  private faultsOf(step: PredictionFaults | undefined): Entry['fault'] {
    const failNext = takeFault(this.o.faults, 'failNext') ? 'Prediction failed: emulated model error (faults.failNext)' : null;
    const corruptNext = takeFault(this.o.faults, 'corruptOutputs');
    return {
      fail: step?.fail ?? failNext,
      corrupt: Boolean(step?.corrupt) || corruptNext,
      slow: Boolean(step?.slow),
      dropWebhook: Boolean(step?.dropWebhook),
    };
  }

  get(id: string): Prediction | undefined {
    const entry = this.entries.get(id);
    return entry && this.snapshot(entry);
  }

  list(): Prediction[] {
    return [...this.entries.values()].map((e) => this.snapshot(e));
  }

  /** Non-terminal → canceled (kills its ffmpeg); terminal → unchanged. */
  cancel(id: string): Prediction | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.finish(entry, 'canceled');
    return this.snapshot(entry);
  }

  /** Resolves when the prediction is terminal or `ms` has passed (for `Prefer: wait`). */
  async waitFor(id: string, ms: number): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entry.done, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  /** The prediction once it is terminal; rejects if it is not terminal within `ms`. */
  async settled(id: string, ms: number): Promise<Prediction> {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`no prediction ${id}`);
    await this.waitFor(id, ms);
    if (!isTerminal(entry.prediction.status)) throw new Error(`prediction ${id} is still ${entry.prediction.status} after ${ms} ms`);
    return this.snapshot(entry);
  }

  /** An output file if it exists and has not expired. */
  file(id: string, name: string): { path: string; contentType: string } | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.prediction.status !== 'succeeded') return undefined;
    const output = entry.prediction.output;
    const names = (Array.isArray(output) ? output : output ? [output] : []).map((u) => u.split('/').pop());
    if (!names.includes(name)) return undefined;
    if (entry.expiresAt !== undefined && Date.now() >= entry.expiresAt) {
      entry.prediction.data_removed = true;
      void rm(this.dir(id), { recursive: true, force: true });
      return undefined;
    }
    const ext = name.split('.').pop() ?? '';
    return { path: join(this.dir(id), name), contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream' };
  }

  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.cancelTimer);
      entry.abort.abort(new Error('emulator stopped'));
      entry.markDone();
    }
    this.queue.length = 0;
    await this.idle();
  }

  private snapshot(entry: Entry): Prediction {
    return structuredClone(entry.prediction);
  }

  private track(promise: Promise<unknown>) {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise));
  }

  private log(entry: Entry, line: string) {
    entry.prediction.logs += `${line}\n`;
    this.o.log(`[${entry.prediction.id}] ${line}`);
  }

  private dir(id: string) {
    return join(this.o.workDir, id);
  }

  private pump() {
    while (!this.stopped && this.running < this.o.concurrency && this.queue.length) {
      const entry = this.queue.shift()!;
      if (isTerminal(entry.prediction.status)) continue;
      this.running++;
      let released = false;
      // The render slot is freed when the render ends, not when the latency has passed: on Replicate
      // predictions wait out their model time side by side.
      const release = () => {
        if (released) return;
        released = true;
        this.running--;
        this.pump();
      };
      this.track(this.run(entry, release).finally(release));
    }
  }

  private async run(entry: Entry, releaseSlot: () => void): Promise<void> {
    const { prediction: p, abort } = entry;
    p.status = 'processing';
    p.started_at = new Date().toISOString();
    entry.startedMs = Date.now();
    if (entry.events.has('start')) this.notify(entry, false);
    try {
      const delay = this.o.faults.processingDelayMs ?? 0;
      if (delay > 0) await sleep(delay, abort.signal);
      if (entry.fault.fail) throw new Error(entry.fault.fail);
      const output = await this.render(entry);
      releaseSlot();
      await this.waitOutLatency(entry);
      // A slow step waits without holding a render slot, like latency: other steps are not held up.
      if (entry.fault.slow) await sleep(this.o.faults.slowMs ?? DEFAULT_SLOW_MS, abort.signal);
      this.finish(entry, 'succeeded', output);
    } catch (error) {
      if (abort.signal.aborted) this.finish(entry, 'canceled');
      else this.finish(entry, 'failed', null, error instanceof Error ? error.message : String(error));
    }
  }

  /** A successful prediction completes no sooner than latencyMs after creation (faults end at once). */
  private async waitOutLatency(entry: Entry): Promise<void> {
    const remaining = entry.createdMs + this.o.latencyMs - Date.now();
    if (remaining > 0) await sleep(remaining, entry.abort.signal);
  }

  private async render(entry: Entry): Promise<string | string[]> {
    const { job, prediction: p, abort } = entry;
    const dir = this.dir(p.id);
    await mkdir(dir, { recursive: true });
    const url = (name: string) => `${this.o.origin}/files/${p.id}/${name}`;
    const t0 = Date.now();
    if (job.kind === 'sdxl') {
      const seed = job.seed ?? randomInt(0, 2 ** 31);
      this.log(entry, `Using seed: ${seed}`);
      const names = Array.from({ length: job.numOutputs }, (_, i) => `out-${i}.png`);
      const source = job.image && join(dir, 'input-image');
      if (source && !entry.fault.corrupt) await download(job.image!, source, abort.signal);
      for (const [i, name] of names.entries()) {
        const request = {
          prompt: job.prompt, seed: seed + i, width: job.width, height: job.height,
          out: join(dir, name), textFile: join(dir, 'prompt.txt'), signal: abort.signal,
        };
        if (entry.fault.corrupt) await writeFile(join(dir, name), randomBytes(64 * 1024));
        else if (source) await renderImageToImage({ ...request, image: source, strength: job.promptStrength ?? 0.8 });
        else await renderPromptImage(request);
      }
      this.log(entry, `Rendered ${names.length} image(s) ${job.width}x${job.height} in ${Date.now() - t0} ms`);
      return names.map(url);
    }

    const size = this.o.fullSize ? RESOLUTION_SIZE[job.resolution] : { width: 640, height: 360 };
    const out = join(dir, 'output.mp4');
    if (entry.fault.corrupt) {
      await writeFile(out, randomBytes(256 * 1024));
      this.log(entry, 'Wrote corrupt output (emulated fault)');
      return url('output.mp4');
    }
    let firstFrame = join(dir, 'first-frame.png');
    if (job.image) {
      firstFrame = join(dir, 'input-image');
      await download(job.image, firstFrame, abort.signal);
    } else {
      await renderPromptImage({
        prompt: job.prompt, seed: 0, ...size, out: firstFrame,
        textFile: join(dir, 'prompt.txt'), signal: abort.signal,
      });
    }
    let lastFrame: string | undefined;
    if (job.lastFrameImage) {
      lastFrame = join(dir, 'last-frame-image');
      await download(job.lastFrameImage, lastFrame, abort.signal);
    }
    const frames = job.duration * job.fps;
    this.log(entry, `Rendering ${frames} frames at ${size.width}x${size.height}, ${job.fps} fps`);
    await renderClip({
      prompt: job.prompt, firstFrame, ...size, fps: job.fps, duration: job.duration, audio: job.audio,
      out, textFile: join(dir, 'title.txt'), drift: this.o.drift, seed: job.seed, lastFrame, signal: abort.signal,
      take: job.seed === undefined ? await this.o.takes.next(await clipInputs(job, firstFrame, lastFrame)) : undefined,
    });
    this.log(entry, `Rendered ${job.duration} s clip in ${Date.now() - t0} ms`);
    return url('output.mp4');
  }

  /** Moves a prediction to a terminal status once; later calls are no-ops. */
  private finish(entry: Entry, status: PredictionStatus, output: string | string[] | null = null, error?: string) {
    const p = entry.prediction;
    if (isTerminal(p.status)) return;
    const now = Date.now();
    p.status = status;
    p.output = status === 'succeeded' ? output : null;
    p.error = status === 'failed' ? (error ?? 'Prediction failed') : null;
    if (error) this.log(entry, error);
    p.completed_at = new Date(now).toISOString();
    p.metrics = {
      predict_time: entry.startedMs ? (now - entry.startedMs) / 1000 : 0,
      total_time: (now - entry.createdMs) / 1000,
    };
    entry.expiresAt = now + this.o.outputTtlMs;
    clearTimeout(entry.cancelTimer);
    if (status === 'canceled') entry.abort.abort(new Error('canceled'));
    if (entry.events.has('completed')) this.notify(entry, true);
    entry.markDone();
  }

  /** Queues a webhook behind earlier ones of the same prediction so "start" precedes "completed". */
  private notify(entry: Entry, retry: boolean) {
    if (!entry.webhook || this.stopped) return;
    if (entry.fault.dropWebhook) return this.log(entry, 'webhook dropped (emulator fault drop-webhook)');
    const url = entry.webhook;
    const body = this.snapshot(entry);
    entry.webhookChain = entry.webhookChain.then(() => this.o.webhooks.send(body.id, url, body, retry));
    this.track(entry.webhookChain);
  }
}
