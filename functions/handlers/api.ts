// POST /runs, GET /runs/{runId}, DELETE /runs/{runId}, POST /runs/{runId}/regenerate|resume, and the compare routes
// (IAM-authorised on AWS).
import type { APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig, type RuntimeConfig } from '../adapters/config';
import { cancelRun, rerun, runReport, startRun } from '../workflow/runs';
import { listRuns, readListQuery } from '../workflow/list-runs';
import { isRunId } from '../domain/run-keys';
import { InvalidStoryboardError } from '../domain/errors';
import type { RerunKind } from '../domain/rerun';
import { IDEMPOTENCY_KEY_PATTERN, apiRequestOnce } from '../domain/idempotency';
import { errorResponse, header, isJsonContentType, json, rawBody } from './http';
import { lambdaHandler } from './lambda-handler';
import { proxyEvent, type ProxyEvent } from './events';
import { count } from '../adapters/observability';
import { compareRoute } from './compares-api';

/** A POST /runs that started a new execution (not a repeat, not a refusal). */
const startedNewRun = (response: APIGatewayProxyResult | undefined) =>
  response?.statusCode === 202 && (JSON.parse(response.body) as { created?: unknown }).created === true;

function parseBody(event: ProxyEvent): unknown {
  try {
    return JSON.parse(rawBody(event));
  } catch (error) {
    throw new InvalidStoryboardError([`(body): not valid JSON: ${(error as Error).message}`]);
  }
}

/**
 * What every route that starts (paid) runs checks first: a web page can send text/plain or a form
 * across origins without asking; JSON needs a CORS preflight, which this API never grants. Returns
 * the refusal, or the Idempotency-Key (if any).
 */
function startingRequest(event: ProxyEvent, route: string): { refusal: APIGatewayProxyResult } | { idempotencyKey?: string } {
  const contentType = header(event, 'content-type');
  if (!isJsonContentType(contentType)) {
    const got = contentType ? JSON.stringify(contentType.slice(0, 100)) : 'none';
    return { refusal: json(415, { error: 'UnsupportedMediaType', message: `${route} takes Content-Type: application/json (got ${got})` }) };
  }
  const idempotencyKey = header(event, 'idempotency-key');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    return { refusal: json(400, { error: 'InvalidIdempotencyKey', message: 'Idempotency-Key: 1–255 printable ASCII characters without spaces (e.g. a UUID)' }) };
  }
  return { idempotencyKey };
}

async function postRun(config: RuntimeConfig, event: ProxyEvent): Promise<APIGatewayProxyResult> {
  const checked = startingRequest(event, 'POST /runs');
  if ('refusal' in checked) return checked.refusal;
  const { idempotencyKey } = checked;
  const body = parseBody(event) as Record<string, unknown>;
  // Either the storyboard itself, or {storyboard, model?, strategy?, notify?}.
  const wrapped = body && typeof body === 'object' && 'storyboard' in body;
  const query = event.queryStringParameters ?? {};
  const request = {
    storyboard: wrapped ? body.storyboard : body,
    overrides: {
      model: ((wrapped ? body.model : undefined) as string | undefined) ?? query.model ?? undefined,
      strategy: ((wrapped ? body.strategy : undefined) as string | undefined) ?? query.strategy ?? undefined,
    },
    // {url}: where to POST the signed summary when the run ends (validated by startRun).
    notify: wrapped ? body.notify : undefined,
  };
  const started = await startRun(config, { ...request, once: idempotencyKey ? apiRequestOnce(idempotencyKey, request) : undefined });
  return json(202, started);
}

/** POST /runs/{runId}/regenerate {scene, prompt?, maxUsd?} and /resume {maxUsd?}: a new run from an ended one. */
async function postRerun(config: RuntimeConfig, event: ProxyEvent, kind: RerunKind, runId: string): Promise<APIGatewayProxyResult> {
  const checked = startingRequest(event, `POST /runs/{runId}/${kind}`);
  if ('refusal' in checked) return checked.refusal;
  const body = rawBody(event).trim() ? parseBody(event) : {};
  const once = checked.idempotencyKey ? apiRequestOnce(checked.idempotencyKey, { storyboard: null, overrides: { kind, runId, body } }) : undefined;
  const started = await rerun(config, kind, runId, body, once);
  return started ? json(202, started) : json(404, { error: 'RunNotFound', runId });
}

const RERUN_ROUTES: Record<string, RerunKind> = { '/runs/{runId}/regenerate': 'regenerate', '/runs/{runId}/resume': 'resume' };

export const handler = lambdaHandler(
  {
    name: 'api',
    schema: proxyEvent,
    keys: ({ pathParameters }) => ({ runId: isRunId(pathParameters?.runId) ? pathParameters?.runId : undefined }),
  },
  async (event): Promise<APIGatewayProxyResult> => {
    try {
      const config = loadConfig();
      const runId = event.pathParameters?.runId;
      if (event.resource === '/runs' && event.httpMethod === 'POST') return await postRun(config, event);
      if (event.resource === '/runs' && event.httpMethod === 'GET') {
        const query = readListQuery(event.queryStringParameters);
        return 'problem' in query ? json(400, { error: 'InvalidQuery', message: query.problem }) : json(200, await listRuns(config, query));
      }
      if (event.resource === '/runs/{runId}' && (event.httpMethod === 'GET' || event.httpMethod === 'DELETE')) {
        if (!isRunId(runId)) return json(400, { error: 'InvalidRunId', message: 'runId must look like 20261125-1042-winter-ad-3f9c2a7be41d08c6' });
        const result = event.httpMethod === 'GET' ? await runReport(config, runId) : await cancelRun(config, runId);
        return result ? json(event.httpMethod === 'GET' ? 200 : 202, result) : json(404, { error: 'RunNotFound', runId });
      }
      const rerunKind = RERUN_ROUTES[event.resource];
      if (rerunKind && event.httpMethod === 'POST') {
        if (!isRunId(runId)) return json(400, { error: 'InvalidRunId', message: 'runId must look like 20261125-1042-winter-ad-3f9c2a7be41d08c6' });
        return await postRerun(config, event, rerunKind, runId);
      }
      const compared = await compareRoute(config, event);
      if (compared) return compared;
      return json(404, { error: 'NotFound', message: `${event.httpMethod} ${event.path} is not a route` });
    } catch (error) {
      return errorResponse(error);
    }
  },
  { onInvalidEvent: errorResponse, metrics: ({ result }) => (startedNewRun(result) ? [count('RunsStarted')] : []) },
);
