// A stand-in for the deployed API that checks every API call's SigV4 signature by computing it again
// with @smithy/signature-v4 (the SDK's own node hash), answers like the API (POST /runs 202, a
// manifest that progresses with each GET, DELETE), and serves the "presigned" media it hands out.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';

export const TEST_CREDENTIALS = { accessKeyId: 'TESTKEYID', secretAccessKey: 'test-secret-not-real' };
export const REGION = 'us-east-1';
export const RUN_ID = '20261127-1200-remote-test-0123456789abcdef';
export const EXECUTION_ARN = `arn:aws:states:${REGION}:123456789012:execution:LongshotRuns:${RUN_ID}`;
export const FILM_BYTES = Buffer.from('not really an mp4, but these exact bytes');

export interface SeenRequest {
  method: string;
  path: string;
  /** null: not an API call (media); otherwise whether its signature checked out. */
  verified: boolean | null;
  problem?: string;
  authorization?: string;
}

const MISMATCH = 'The request signature we calculated does not match the signature you provided.';
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Recomputes the request's signature from the headers it says it signed; null if it matches. */
export async function signatureProblem(req: IncomingMessage, body: string): Promise<string | null> {
  const match = AUTH.exec(req.headers.authorization ?? '');
  if (!match) return 'Missing Authentication Token';
  const [, keyId, , region, service, signedHeaders] = match;
  if (keyId !== TEST_CREDENTIALS.accessKeyId) return 'The security token included in the request is invalid.';
  if (region !== REGION || service !== 'execute-api') return `Credential should be scoped to ${REGION}/execute-api`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signingDate.getTime()) || Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) return 'Signature expired';
  // The signer may state the payload's hash in a header; the canonical request uses the body's own.
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== createHash('sha256').update(body).digest('hex')) return MISMATCH;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: TEST_CREDENTIALS, sha256: Hash.bind(null, 'sha256') });
  const expected = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: body || undefined },
    { signingDate },
  );
  return expected.headers.authorization === req.headers.authorization ? null : MISMATCH;
}

const manifest = (status: string, scenesDone: number, currentStep: string | null, attempts: number, usd: number, film: boolean) => ({
  runId: RUN_ID,
  executionName: RUN_ID,
  title: 'Remote test',
  status,
  scenesTotal: 2,
  scenesDone,
  currentStep,
  estimate: { seconds: 12, usd: 0.48 },
  cost: { usd, runningUsd: 0, estimateUsd: 0.48, budgetUsd: null, reusedSteps: 0, basis: 'test' },
  predictions: [],
  origin: null,
  steps: currentStep ? [{ step: currentStep, kind: 'video', status: 'waiting', attempts }] : [],
  film: film
    ? {
        durationSec: 12,
        width: 1920,
        height: 1080,
        fps: 25,
        scenes: [],
        continuity: { lastSceneVsAnchor: null, deltaEPerHop: null, maxSeamDeltaE: null, maxLoudnessJumpLu: null, worstDipDb: null, maxStillRun: null },
      }
    : null,
  failure: status === 'canceled' ? { state: 'Scenes', error: 'RunCanceled', cause: 'canceled by DELETE /runs/{runId}', at: '', canceledPredictions: ['p-2'] } : null,
});

/** What each GET shows, in order; the last one stays. */
const PROGRESS = [
  ['running', 0, 'anchor', 1, 0.01],
  ['running', 1, 'scene-2', 1, 0.25],
  ['running', 1, 'scene-2', 2, 0.3],
  ['succeeded', 2, null, 1, 0.49],
] as const;

export interface FakeApi {
  url: string;
  /** The API's base (with its stage), as the stack's ApiUrl output gives it. */
  apiUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startFakeApi(options: { allowUnsigned?: boolean } = {}): Promise<FakeApi> {
  const requests: SeenRequest[] = [];
  let gets = 0;
  let canceled = false;
  let base = '';
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (path.startsWith('/media/')) {
      // Presigned: the query is the signature; an Authorization header as well is refused, as by S3.
      requests.push({ method: req.method!, path, verified: null, authorization: req.headers.authorization });
      if (req.headers.authorization) return send(400, { message: 'Only one auth mechanism allowed' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(path.endsWith('final.mp4') ? FILM_BYTES : Buffer.from(path));
    }
    const problem = options.allowUnsigned && !req.headers.authorization ? null : await signatureProblem(req, body);
    requests.push({ method: req.method!, path, verified: problem === null, problem: problem ?? undefined, authorization: req.headers.authorization });
    if (problem) return send(403, { message: problem });
    const presigned = (name: string) => `${base}/media/${RUN_ID}/${name}?X-Amz-Expires=3600&X-Amz-Signature=${'0'.repeat(64)}`;
    if (req.method === 'POST' && path === '/v1/runs') {
      const posted = JSON.parse(body) as { storyboard?: { title?: string } };
      if (posted.storyboard?.title === 'invalid') return send(400, { error: 'InvalidStoryboard', problems: ['scenes: required'] });
      return send(202, { runId: RUN_ID, status: 'running', statusUrl: `/runs/${RUN_ID}`, estimate: { seconds: 12, usd: 0.48 }, created: true });
    }
    if (path === `/v1/runs/${RUN_ID}` && req.method === 'GET') {
      const [status, done, step, attempts, usd] = canceled ? (['canceled', 1, null, 1, 0.3] as const) : PROGRESS[Math.min(gets++, PROGRESS.length - 1)];
      const succeeded = status === 'succeeded';
      return send(200, {
        runId: RUN_ID,
        status,
        execution: { status: succeeded ? 'SUCCEEDED' : 'RUNNING', arn: EXECUTION_ARN },
        manifest: manifest(status, done, step, attempts, usd, succeeded),
        urls: succeeded ? { film: presigned('final.mp4'), contactSheet: presigned('contact-sheet.png') } : {},
      });
    }
    if (path === `/v1/runs/${RUN_ID}` && req.method === 'DELETE') {
      canceled = true;
      return send(202, { runId: RUN_ID, status: 'canceled', canceledPredictions: ['p-2'] });
    }
    send(404, { error: 'RunNotFound', message: `${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    apiUrl: `${base}/v1/`,
    requests,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
