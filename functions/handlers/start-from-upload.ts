// EventBridge "Object Created" under inbox/*.json → start a run (or write rejected/<name>.json).
import type { EventBridgeEvent } from 'aws-lambda';
import { loadConfig } from '../adapters/config';
import { startFromUpload } from '../workflow/runs';
import { logger } from '../adapters/logger';

interface ObjectCreatedDetail {
  bucket: { name: string };
  object: { key: string; etag?: string; size?: number };
}

export async function handler(event: EventBridgeEvent<'Object Created', ObjectCreatedDetail>) {
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
}
