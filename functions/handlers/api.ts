// POST /runs, GET /runs/{runId}, DELETE /runs/{runId} (IAM-authorised on AWS).
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig } from '../adapters/config';
import { cancelRun, runStatus, startRun } from '../workflow/runs';
import { listRuns, readListQuery } from '../workflow/list-runs';
import { isRunId } from '../domain/run-keys';
import { InvalidStoryboardError } from '../domain/errors';
import { errorResponse, json, rawBody } from './http';

function parseBody(event: APIGatewayProxyEvent): unknown {
  try {
    return JSON.parse(rawBody(event));
  } catch (error) {
    throw new InvalidStoryboardError([`(body): not valid JSON: ${(error as Error).message}`]);
  }
}

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    const config = loadConfig();
    const runId = event.pathParameters?.runId;
    if (event.resource === '/runs' && event.httpMethod === 'POST') {
      const body = parseBody(event) as Record<string, unknown>;
      // Either the storyboard itself, or {storyboard, model?, strategy?}.
      const wrapped = body && typeof body === 'object' && 'storyboard' in body;
      const query = event.queryStringParameters ?? {};
      const overrides = {
        model: (wrapped ? body.model : undefined) as string | undefined ?? query.model ?? undefined,
        strategy: (wrapped ? body.strategy : undefined) as string | undefined ?? query.strategy ?? undefined,
      };
      const started = await startRun(config, {
        storyboard: wrapped ? body.storyboard : body,
        overrides,
        dedupeKey: event.headers?.['Idempotency-Key'] ?? event.headers?.['idempotency-key'] ?? undefined,
      });
      return json(202, started);
    }
    if (event.resource === '/runs' && event.httpMethod === 'GET') {
      const query = readListQuery(event.queryStringParameters);
      return 'problem' in query ? json(400, { error: 'InvalidQuery', message: query.problem }) : json(200, await listRuns(config, query));
    }
    if (event.resource === '/runs/{runId}' && (event.httpMethod === 'GET' || event.httpMethod === 'DELETE')) {
      if (!isRunId(runId)) return json(400, { error: 'InvalidRunId', message: 'runId must look like 20261125-1042-winter-ad-7f3a' });
      const result = event.httpMethod === 'GET' ? await runStatus(config, runId) : await cancelRun(config, runId);
      return result ? json(event.httpMethod === 'GET' ? 200 : 202, result) : json(404, { error: 'RunNotFound', runId });
    }
    return json(404, { error: 'NotFound', message: `${event.httpMethod} ${event.path} is not a route` });
  } catch (error) {
    return errorResponse(error);
  }
}
