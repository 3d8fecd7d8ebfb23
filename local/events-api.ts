// A stand-in for EventBridge's PutEvents (AWS JSON 1.1) that records what was put on the default
// bus, so a handler uses the real @aws-sdk/client-eventbridge pointed at EVENTS_ENDPOINT and tests
// (or `longshot dev`) can see the events an AWS user's rules would match. No rules, no targets.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { browserRefusal } from './loopback-only';

export interface PutEvent {
  id: string;
  source: string;
  detailType: string;
  detail: unknown;
  eventBusName: string;
  time: string;
}

export interface LocalEventsApi {
  url: string;
  server: Server;
  /** Every event put, in order; 'event' is emitted with each one. */
  events: PutEvent[];
  emitter: EventEmitter;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

type Entry = { Source?: string; DetailType?: string; Detail?: string; EventBusName?: string };

export async function startEventsApi(): Promise<LocalEventsApi> {
  const events: PutEvent[] = [];
  const emitter = new EventEmitter();
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    const refusal = browserRefusal(req.headers);
    if (refusal) return reply(403, { __type: 'AccessDeniedException', message: refusal });
    if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
      return reply(400, { __type: 'UnknownOperationException', message: `unsupported operation "${String(req.headers['x-amz-target'] ?? '')}"` });
    }
    try {
      const { Entries = [] } = JSON.parse((await readBody(req)) || '{}') as { Entries?: Entry[] };
      const results = Entries.map((entry) => {
        // As EventBridge: each entry needs a source, a detail type and a JSON object as detail.
        let detail: unknown;
        try {
          detail = JSON.parse(entry.Detail ?? '');
        } catch {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
        }
        if (!entry.Source || !entry.DetailType) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source and DetailType are required.' };
        const event: PutEvent = { id: randomUUID(), source: entry.Source, detailType: entry.DetailType, detail, eventBusName: entry.EventBusName || 'default', time: new Date().toISOString() };
        events.push(event);
        emitter.emit('event', event);
        return { EventId: event.id };
      });
      reply(200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results });
    } catch (error) {
      reply(400, { __type: 'ValidationException', message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, events, emitter };
}
