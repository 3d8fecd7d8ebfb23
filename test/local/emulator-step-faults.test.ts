// Per-step faults (`--emulator-fault`): each kind hits the predictions of its step only, whether the
// step comes from the webhook URL or, without a webhook, from what the create request carries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SDXL } from '../../functions/domain/models';
import { startReplicateEmulator, type Prediction, type ReplicateEmulator, type StepFault } from '../../local/replicate-emulator';

const TOKEN = 'local-test-token';
const PROMPTS = { 'scene-1': 'a lighthouse at dusk', 'scene-2': 'a harbour at night' } as const;
type Step = keyof typeof PROMPTS;

let emu: ReplicateEmulator;
let server: Server;
let hookBase: string;
let hooks: { id: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/replicate`;
  emu = await startReplicateEmulator({ token: TOKEN });
});

afterAll(async () => {
  await emu?.stop();
  await new Promise((r) => server?.close(r));
});

beforeEach(async () => {
  await emu.idle();
  for (const key of Object.keys(emu.faults)) delete (emu.faults as Record<string, unknown>)[key];
  hooks = [];
});

/** The request matcher the CLI would build for `step` (local/emulator-faults.ts). */
const matcher = (step: Step) => ({ version: SDXL.version, input: { prompt: PROMPTS[step], width: 256, height: 256 }, urls: [] });

/** A create of `step`'s request, with a webhook naming `webhookStep` (or none). */
async function create(step: Step, webhookStep: string | null = step): Promise<Response> {
  const webhook = webhookStep && `${hookBase}?run=20260101-0000-film-0123456789abcdef&step=${webhookStep}`;
  return fetch(`${emu.baseUrl}/predictions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: SDXL.version, input: { prompt: PROMPTS[step], width: 256, height: 256 }, ...(webhook && { webhook, webhook_events_filter: ['completed'] }) }),
  });
}

async function settle(step: Step, webhookStep: string | null = step): Promise<Prediction> {
  const response = await create(step, webhookStep);
  expect(response.status).toBe(201);
  return emu.settled(((await response.json()) as Prediction).id);
}

const isPng = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer()).subarray(0, 8).equals(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'));

describe.each([
  ['the webhook URL', (step: Step): StepFault => ({ step, kind: 'fail' }), (step: Step) => step],
  ['the request (no webhook)', (step: Step): StepFault => ({ step, kind: 'fail', requests: [matcher(step)] }), () => null],
])('a step recognised by %s', (_how, fault, webhookOf) => {
  it('fails every attempt of that step with a content-filter message, and no other step', async () => {
    emu.faults.steps = [fault('scene-2')];
    const [first, second] = [await settle('scene-2', webhookOf('scene-2')), await settle('scene-2', webhookOf('scene-2'))];
    const other = await settle('scene-1', webhookOf('scene-1'));
    for (const p of [first, second]) expect(p).toMatchObject({ status: 'failed', error: expect.stringMatching(/flagged as sensitive.*scene-2:fail/) });
    expect(other.status).toBe('succeeded');
  });
});

describe('per-step faults hit only their step', () => {
  it('prefers the webhook URL\'s step to the request: a matching request under another step is not hit', async () => {
    emu.faults.steps = [{ step: 'scene-2', kind: 'fail', requests: [matcher('scene-2')] }];
    expect((await settle('scene-2', 'scene-1')).status).toBe('succeeded');
  });

  it('429: every create of that step is throttled with Retry-After, other steps are created', async () => {
    emu.faults.steps = [{ step: 'scene-2', kind: '429', requests: [matcher('scene-2')] }];
    const before = emu.predictions().length;
    for (const webhookStep of ['scene-2', null]) {
      const limited = await create('scene-2', webhookStep);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
    }
    expect((await create('scene-1')).status).toBe(201);
    expect(emu.predictions().slice(before).map((p) => p.input.prompt)).toEqual([PROMPTS['scene-1']]);
  });

  it('drop-webhook: that step\'s prediction succeeds without a webhook, the other step\'s is delivered', async () => {
    emu.faults.steps = [{ step: 'scene-2', kind: 'drop-webhook' }];
    const dropped = await settle('scene-2');
    const delivered = await settle('scene-1');
    await emu.idle();
    expect(dropped.status).toBe('succeeded');
    expect(hooks.map((h) => h.id)).toEqual([delivered.id]);
  });

  it('corrupt: that step\'s output is undecodable bytes, the other step\'s a PNG', async () => {
    emu.faults.steps = [{ step: 'scene-2', kind: 'corrupt' }];
    const corrupt = await settle('scene-2');
    const fine = await settle('scene-1');
    expect(corrupt.status).toBe('succeeded');
    expect(await isPng((corrupt.output as string[])[0])).toBe(false);
    expect(await isPng((fine.output as string[])[0])).toBe(true);
  });

  it('slow: that step\'s prediction stays processing slowMs longer; a later one of another step ends first', async () => {
    emu.faults.steps = [{ step: 'scene-2', kind: 'slow' }];
    emu.faults.slowMs = 3000;
    const slow = (await (await create('scene-2')).json()) as Prediction;
    const fast = await settle('scene-1');
    expect(emu.predictions().find((p) => p.id === slow.id)!.status).toBe('processing');
    const slowed = await emu.settled(slow.id, 20_000);
    expect(slowed.status).toBe('succeeded');
    expect(Date.parse(slowed.completed_at!) - Date.parse(slowed.created_at)).toBeGreaterThanOrEqual(3000);
    expect(Date.parse(fast.completed_at!)).toBeLessThan(Date.parse(slowed.completed_at!));
  });
});
