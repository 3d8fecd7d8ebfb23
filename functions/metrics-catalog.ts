// The CloudWatch metrics the handlers publish (Powertools Metrics, EMF) and the stack's dashboard
// graphs. One list for both, so a renamed metric cannot leave an empty graph behind.

/** POWERTOOLS_METRICS_NAMESPACE of every function (and the default off Lambda). */
export const METRICS_NAMESPACE = 'longshot';

/** POWERTOOLS_SERVICE_NAME: Powertools puts it on every metric as the one dimension, `service`. */
export const METRICS_SERVICE = 'longshot';

export const METRIC_NAMES = [
  /** A new run's execution was started (POST /runs, regenerate, resume, an upload, a compare's variants). */
  'RunsStarted',
  /** Run endings, each counted once, by the writer whose ending holds (see ending.ts). */
  'RunsSucceeded',
  'RunsFailed',
  /** A clip prediction was created: regenerations and retries count again (each costs money). */
  'SceneAttempts',
  /** What an ended run cost (its manifest's cost.usd), once per run. */
  'CostUsd',
  /** JoinFilm's own wall time. */
  'JoinSeconds',
  /** Last clip stored → film stored (issue 8's finishing time), once per succeeded run. */
  'FinishingSeconds',
  'NotificationsDelivered',
  'NotificationsFailed',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
