// Tell the caller that a run (or a compare) ended: the EventBridge event and the signed POST to notify.url.
// Invoked asynchronously by the writer that recorded the ending; Lambda retries a thrown
// NotificationUndeliveredError and keeps what still fails in the on-failure destination.
import { loadConfig } from '../adapters/config';
import { notifyCompare, notifyRun } from '../workflow/notify-run';
import { count } from '../adapters/observability';
import { lambdaHandler } from './lambda-handler';
import { notifyEvent } from './events';

export const handler = lambdaHandler(
  { name: 'notify', schema: notifyEvent, keys: ({ runId, compareId }) => ({ runId: runId ?? compareId }) },
  async ({ runId, compareId }) => (runId ? notifyRun(loadConfig(), runId) : notifyCompare(loadConfig(), compareId!)),
  {
    metrics: ({ result, error }) => [
      ...(result?.webhook === 'delivered' ? [count('NotificationsDelivered')] : []),
      ...(result?.webhook === 'refused' || error !== undefined ? [count('NotificationsFailed')] : []),
    ],
  },
);
