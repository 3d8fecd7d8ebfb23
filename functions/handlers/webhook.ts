// POST /webhooks/replicate?run=…&step=…: public, verified by signature over the raw body.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig } from '../adapters/config';
import { handleWebhook, RETRY_LATER } from '../workflow/resume-task';
import { errorResponse, json, rawBody } from './http';
import { lambdaHandler } from './lambda-handler';
import { proxyEvent } from './events';
import { isRunId, isStepName } from '../domain/run-keys';

/** Replicate retries a non-2xx answer for about a minute; this asks it to come back soon. */
const RETRY_AFTER_SECONDS = '5';

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
    // Duplicates and stale deliveries are answered 2xx so Replicate stops; a prediction not recorded
    // yet, or a token that closed before a retried start re-pointed the record, gets a 409 so it retries.
    if (!RETRY_LATER.includes(outcome)) return json(200, { outcome });
    const response = json(409, { outcome, message: 'not ready for this delivery yet; deliver it again' });
    return { ...response, headers: { ...response.headers, 'retry-after': RETRY_AFTER_SECONDS } };
  } catch (error) {
    return errorResponse(error);
  }
},
  { onInvalidEvent: errorResponse },
);
