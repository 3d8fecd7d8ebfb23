// API Gateway (REST, proxy integration) plumbing shared by the api and webhook handlers.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  IdempotencyConflictError,
  InvalidEventError,
  InvalidRequestError,
  InvalidStoryboardError,
  MissingObjectError,
  RunStateConflictError,
  WebhookRejectedError,
} from '../domain/errors';
import { logger } from '../adapters/logger';

export const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body, null, 2),
});

export const rawBody = (event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): string =>
  event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;

/** A request header by name, whatever its case (API Gateway passes the client's spelling through). */
export function header(event: { headers?: Record<string, string | undefined> | null }, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return found?.[1] ?? undefined;
}

/** application/json, with or without parameters (charset=utf-8). */
export const isJsonContentType = (value: string | undefined) => value?.split(';')[0].trim().toLowerCase() === 'application/json';

/** Known errors become 4xx with a useful body; anything else is a 500 without internals. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof InvalidStoryboardError) {
    return json(400, { error: 'InvalidStoryboardError', message: 'The storyboard has problems; nothing was started.', problems: error.problems });
  }
  if (error instanceof InvalidEventError) {
    return json(400, { error: error.name, message: 'The request is not a well-formed API Gateway proxy event.', problems: error.problems });
  }
  if (error instanceof InvalidRequestError) {
    return json(400, { error: error.name, message: 'The request has problems; nothing was started.', problems: error.problems });
  }
  if (error instanceof IdempotencyConflictError) return json(422, { error: error.name, message: error.message });
  if (error instanceof RunStateConflictError) return json(409, { error: error.name, message: error.message });
  if (error instanceof WebhookRejectedError) return json(401, { error: error.name, message: error.message });
  if (error instanceof MissingObjectError) return json(404, { error: error.name, message: error.message });
  logger.error('request failed', { error: error as Error });
  return json(500, { error: 'InternalError', message: 'The request failed; see the function logs.' });
}
