// Webhook delivery the way Replicate does it: Standard Webhooks signatures, no redirects, retries of
// a failed delivery with the same webhook-id (Replicate keeps retrying for about a minute; the
// emulator compresses that into a few short backoffs so tests stay fast).
import { Webhook } from 'standardwebhooks';
import type { EmulatorFaults } from './types';
import { sleep, webhookMessageId } from './util';

export interface WebhookDelivery {
  predictionId: string;
  webhookId: string;
  url: string;
  status: number | 'error';
  at: string;
}

export interface WebhookSenderOptions {
  secret: string;
  faults: EmulatorFaults;
  retryDelaysMs: number[];
  log: (line: string) => void;
  /** Aborted by stop(): pending retries and in-flight POSTs give up. */
  signal: AbortSignal;
}

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly signer: Webhook;

  constructor(private readonly options: WebhookSenderOptions) {
    this.signer = new Webhook(options.secret);
  }

  /** Delivers one event (retrying per the schedule); resolves when done or given up, never throws. */
  async send(predictionId: string, url: string, body: unknown, retry: boolean): Promise<void> {
    const { faults, log, signal } = this.options;
    if (faults.dropWebhooks) {
      log(`webhook for ${predictionId} dropped (faults.dropWebhooks)`);
      return;
    }
    try {
      if (faults.webhookDelayMs) await sleep(faults.webhookDelayMs, signal);
      const payload = JSON.stringify(body);
      const webhookId = webhookMessageId();
      const copies = faults.duplicateWebhooks ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        await this.deliverWithRetries(predictionId, url, webhookId, payload, retry);
      }
    } catch (error) {
      if (!signal.aborted) log(`webhook for ${predictionId} gave up: ${String(error)}`);
    }
  }

  private async deliverWithRetries(
    predictionId: string,
    url: string,
    webhookId: string,
    payload: string,
    retry: boolean,
  ): Promise<void> {
    const delays = retry ? this.options.retryDelaysMs : [];
    for (let attempt = 0; ; attempt++) {
      const status = await this.post(url, webhookId, payload);
      this.deliveries.push({ predictionId, webhookId, url, status, at: new Date().toISOString() });
      this.options.log(`webhook ${webhookId} for ${predictionId} -> ${url}: ${status}`);
      if (typeof status === 'number' && status >= 200 && status < 300) return;
      if (attempt >= delays.length) {
        this.options.log(`webhook ${webhookId} for ${predictionId} failed after ${attempt + 1} attempts`);
        return;
      }
      await sleep(delays[attempt], this.options.signal);
    }
  }

  private async post(url: string, webhookId: string, payload: string): Promise<number | 'error'> {
    // Whole seconds: the header carries seconds and the signature must cover the same value.
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'replicate-emulator/1 (longshot)',
          'webhook-id': webhookId,
          'webhook-timestamp': String(now.getTime() / 1000),
          'webhook-signature': this.signer.sign(webhookId, now, payload),
        },
        body: payload,
        signal: AbortSignal.any([this.options.signal, AbortSignal.timeout(10_000)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.status;
    } catch {
      return 'error';
    }
  }
}
