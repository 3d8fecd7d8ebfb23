// POST /webhooks/replicate?run=…&step=…: public, verified by signature over the raw body.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig } from '../adapters/config';
import { handleWebhook } from '../workflow/resume-task';
import { errorResponse, json, rawBody } from './http';
import { lambdaHandler } from './lambda-handler';
import { proxyEvent } from './events';
import { isRunId, isStepName } from '../domain/run-keys';

export const handler = lambdaHandler(
  {
    name: 'webhook',
    schema: proxyEvent,
    // As claimed by the URL (the signature is checked by the use case); only well-formed values.
    keys: ({ queryStringParameters: query }) => ({
      runId: isRunId(query?.run) ? query?.run : undefined,
      step: isStepName(query?.step) ? query?.step : undefined,
    }),
  },
  async (event): Promise<APIGatewayProxyResult> => {
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
},
  { onInvalidEvent: errorResponse },
);
