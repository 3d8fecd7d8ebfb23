// --emulator-latency: a prediction takes at least its latency from creation to completion, its render
// runs meanwhile, and predictions wait out their latency side by side (as on Replicate).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Replicate from 'replicate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDXL } from '../../functions/domain/models';
import { startReplicateEmulator, type ReplicateEmulator } from '../../local/replicate-emulator';
import { nextEvent } from '../support/wait';
import { EventEmitter } from 'node:events';

const TOKEN = 'local-test-token';
const LATENCY_S = 1.5;

let emu: ReplicateEmulator;
let replicate: Replicate;
let server: Server;
let hookUrl: string;
const hooks = new EventEmitter();

const sdxl = (prompt: string) =>
  replicate.predictions.create({
    version: SDXL.version,
    input: { prompt, width: 256, height: 256 },
    webhook: hookUrl,
    webhook_events_filter: ['completed'],
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(204).end();
      hooks.emit('hook', JSON.parse(Buffer.concat(chunks).toString('utf8')), Date.now());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  emu = await startReplicateEmulator({ token: TOKEN, latencySeconds: LATENCY_S });
  replicate = new Replicate({ auth: TOKEN, baseUrl: emu.baseUrl });
});

afterAll(async () => {
  await emu?.stop();
  await new Promise((r) => server?.close(r));
});

describe('emulator latency', () => {
  it('completes a prediction, and sends its webhook, no sooner than its latency after creation', async () => {
    const created = await sdxl('a lighthouse at dusk');
    const [hook, hookAt] = await nextEvent<[{ id: string; status: string }, number]>(
      hooks, 'hook', (body) => body.id === created.id, 'the completed webhook', 20_000,
    );
    const done = await emu.settled(created.id);
    const createdMs = Date.parse(done.created_at);
    expect(hook.status).toBe('succeeded');
    expect(Date.parse(done.completed_at!) - createdMs).toBeGreaterThanOrEqual(LATENCY_S * 1000);
    expect(hookAt - createdMs).toBeGreaterThanOrEqual(LATENCY_S * 1000);
    // The metrics tell the model time, not the (much shorter) ffmpeg render time.
    expect(done.metrics.total_time).toBeGreaterThanOrEqual(LATENCY_S);
    expect(done.metrics.predict_time).toBeCloseTo((Date.parse(done.completed_at!) - Date.parse(done.started_at!)) / 1000, 2);
  });

  it('lets predictions wait out their latency side by side (the render slot is not held)', async () => {
    const [a, b] = await Promise.all([sdxl('first'), sdxl('second')]);
    const [doneA, doneB] = await Promise.all([emu.settled(a.id), emu.settled(b.id)]);
    const [earlier, later] = Date.parse(doneA.started_at!) <= Date.parse(doneB.started_at!) ? [doneA, doneB] : [doneB, doneA];
    // With one render slot, the second render starts while the first still waits out its latency.
    expect(Date.parse(later.started_at!)).toBeLessThan(Date.parse(earlier.completed_at!));
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses latencySeconds %s', async (latencySeconds) => {
    await expect(startReplicateEmulator({ latencySeconds })).rejects.toThrow(/latencySeconds must be a number of seconds ≥ 0/);
  });
});
