// EventBridge "Object Created" under inbox/ → start a run, write rejected/<name>.json, or say
// why the object was ignored. Every outcome is logged.
import { loadConfig } from '../adapters/config';
import { startFromUpload } from '../workflow/start-from-upload';
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
    // The key goes on as delivered: the use case works out whether it is encoded (see facts on S3 keys).
    const result = await startFromUpload(loadConfig(), {
      bucket: bucket.name,
      key: object.key,
      etag: object.etag,
      versionId: object['version-id'] ?? null,
    });
    if (result.started) logger.info('storyboard upload started a run', { key: result.key, runId: result.started.runId, created: result.started.created });
    else if (result.rejectedKey) logger.warn('storyboard upload rejected', { key: result.key, rejectedKey: result.rejectedKey, problems: result.problems });
    else logger.info('upload ignored', { key: result.key, reason: result.ignored });
    return result;
  },
  { metrics: ({ result }) => (result?.started?.created ? [count('RunsStarted')] : []) },
);
