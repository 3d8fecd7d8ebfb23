// POST /webhooks/replicate?run=…&step=…: public, verified by signature over the raw body.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig } from '../adapters/config';
import { handleWebhook } from '../workflow/resume-task';
import { errorResponse, json, rawBody } from './http';

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    const outcome = await handleWebhook(loadConfig(), {
      rawBody: rawBody(event),
      headers: event.headers ?? {},
      query: event.queryStringParameters ?? {},
    });
    // Duplicates, late and stale deliveries are answered 2xx so Replicate stops retrying.
    return json(200, { outcome });
  } catch (error) {
    return errorResponse(error);
  }
}
