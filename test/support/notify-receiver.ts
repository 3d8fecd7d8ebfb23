// A caller's notification endpoint on 127.0.0.1 for the notify tests: it records every POST and
// answers each path with the statuses queued for it (then 200); `verified` checks a delivery's
// Standard Webhooks signature with the `standardwebhooks` package, as a caller would.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { EndingSummary, RunSummary, WebhookPayload } from '../../functions/domain/notification';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface NotifyReceiver {
  url: string;
  received: Received[];
  /** Statuses to answer on a path, in turn (then 200). */
  answers: Map<string, number[]>;
  close(): Promise<void>;
}

export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const received: Received[] = [];
  const answers = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.get(path)?.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answers,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The delivery's payload, if its signature verifies with `secret` (throws otherwise). */
export const verified = <S extends EndingSummary = RunSummary>(secret: string, delivery: Received) =>
  new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>) as WebhookPayload<S>;
