// POST /compares and GET /compares/{compareId}: the api function's compare routes (api.ts hands
// them here). Every variant is validated before the execution starts; a 400 names each problem.
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { RuntimeConfig } from '../adapters/config';
import { compareReport, startCompare } from '../workflow/compares';
import { isCompareId } from '../domain/compare';
import { InvalidStoryboardError } from '../domain/errors';
import { header, isJsonContentType, json, rawBody } from './http';
import type { ProxyEvent } from './events';

function parseBody(event: ProxyEvent): unknown {
  try {
    return JSON.parse(rawBody(event));
  } catch (error) {
    throw new InvalidStoryboardError([`(body): not valid JSON: ${(error as Error).message}`]);
  }
}

async function postCompare(config: RuntimeConfig, event: ProxyEvent): Promise<APIGatewayProxyResult> {
  // Only JSON starts (paid) work: a page cannot send it cross-origin without a preflight (see POST /runs).
  const contentType = header(event, 'content-type');
  if (!isJsonContentType(contentType)) {
    return json(415, { error: 'UnsupportedMediaType', message: 'POST /compares takes Content-Type: application/json' });
  }
  return json(202, await startCompare(config, parseBody(event)));
}

/** The answer for a compare route, or null when the request is not one. Errors are the caller's to map. */
export async function compareRoute(config: RuntimeConfig, event: ProxyEvent): Promise<APIGatewayProxyResult | null> {
  if (event.resource === '/compares' && event.httpMethod === 'POST') return postCompare(config, event);
  if (event.resource === '/compares/{compareId}' && event.httpMethod === 'GET') {
    const compareId = event.pathParameters?.compareId;
    if (!isCompareId(compareId)) return json(400, { error: 'InvalidCompareId', message: 'compareId must look like 20261125-1042-winter-ad-compare-3f9c2a7be41d08c6' });
    const report = await compareReport(config, compareId);
    return report ? json(200, report) : json(404, { error: 'CompareNotFound', compareId });
  }
  return null;
}
