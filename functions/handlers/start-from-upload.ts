// EventBridge "Object Created" under inbox/*.json → start a run (or write rejected/<name>.json).
import { loadConfig } from '../adapters/config';
import { startFromUpload } from '../workflow/runs';
import { logger } from '../adapters/logger';
import { count } from '../adapters/observability';
import { lambdaHandler } from './lambda-handler';
import { objectCreatedEvent } from './events';

export const handler = lambdaHandler(
  {
    name: 'start-from-upload',
    schema: objectCreatedEvent,
  },
  async (event) => {
  const { bucket, object } = event.detail;
  // EventBridge delivers keys URL-encoded in some integrations; S3 keys here never contain '+'.
  const key = decodeURIComponent(object.key.replace(/\+/g, ' '));
  const result = await startFromUpload(loadConfig(), {
    bucket: bucket.name,
    key,
    etag: object.etag ?? 'no-etag',
    eventTime: new Date(event.time),
  });
  logger.info('storyboard upload handled', { key, ...result });
  return result;
},
  { metrics: ({ result }) => (result?.started?.created ? [count('RunsStarted')] : []) },
);
