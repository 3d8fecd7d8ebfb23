// What each Lambda accepts at its boundary: the Task payloads statemachine/longshot.asl.json builds
// (Parameters.Payload of each Task), API Gateway proxy events and the two EventBridge events.
// These are the wiring's contract, not business rules: the storyboard, the Replicate answer and
// the webhook signature are still judged by the use cases. Objects are loose (extra keys pass
// through untouched), so AWS adding fields or the ASL passing more never drops data; what a
// handler reads must be there with the right type. Shapes reuse Powertools' schemas where the local
// stack sends them in full, and the domain's own vocabulary (run ids, steps, models).
import { z } from 'zod';
import { APIGatewayProxyEventSchema } from '@aws-lambda-powertools/parser/schemas/api-gateway';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { isRunId, isStepName } from '../domain/run-keys';
import { VIDEO_MODEL_IDS, type VideoModelId } from '../domain/models';
import { InvalidEventError } from '../domain/errors';

const text = z.string().min(1, 'must not be empty');
const runId = z.string().refine(isRunId, 'must be a run id like 20261125-1042-winter-ad-3f9c2a7be41d08c6');
const step = z.string().refine(isStepName, 'must be "anchor", "keyframe-<n>" or "scene-<n>"');
/** Execution names ($$.Execution.Name): the run id, or whatever a console start generated. */
const executionName = z.string().min(1).max(80);
/** Task tokens are opaque, 1–2048 characters (SendTaskSuccess's limit). */
const taskToken = z.string().min(1).max(2048);
/** Which generation of the step this is ($.attempt): a retried start of the same attempt reuses its prediction. */
const attempt = z.number().int().min(1).max(10).optional();
const s3Key = z.string().min(1).max(1024);
const positive = z.number().positive();
const positiveInt = z.number().int().positive();

// ---- Task payloads (statemachine/longshot.asl.json) ----

/** Prepare: {runId: $$.Execution.Name, request: $}; the storyboard itself is the use case's to judge. */
/** $$.Execution.StartTime: with the name, gives executions started by hand their run id. */
const startedAt = z.string().max(64).optional();

/**
 * Prepare: {runId: $$.Execution.Name, startedAt, request: $}. The request is whatever the execution
 * was started with; the use case checks it, so its problem is recorded as the run's cause.
 */
export const prepareEvent = z.looseObject({ runId: executionName, startedAt, request: z.unknown() });

const anchorPlan = z.looseObject({
  mode: z.enum(['generate', 'provided', 'none']),
  runId,
  step: z.literal('anchor'),
  prompt: z.string().optional(),
  negativePrompt: z.string().optional(),
  image: z.string().optional(),
  width: positiveInt,
  height: positiveInt,
  seed: z.number().int().optional(),
  seedKey: s3Key,
  anchorKey: s3Key,
});

/** Anchor: {anchor: $.plan.anchor, attempt: $.anchorTry.attempt, taskToken: $$.Task.Token}. */
export const anchorEvent = z.looseObject({ anchor: anchorPlan, attempt, taskToken });

const keyframePlan = z.looseObject({
  runId,
  step: step.refine((s) => s.startsWith('keyframe-'), 'must be "keyframe-<n>"'),
  index: positiveInt,
  prompt: text,
  negativePrompt: z.string().optional(),
  width: positiveInt,
  height: positiveInt,
  seed: z.number().int().min(0),
  sourceKey: s3Key,
  keyframeKey: s3Key,
});

/**
 * The anchor function's event: Anchor {anchor, attempt, taskToken} or, for strategy keyframes,
 * Keyframe {keyframe: one item of plan.keyframes, attempt, taskToken}. One object with exactly one
 * of the two, so a malformed field is named (a union would only say "no option matched").
 */
export const anchorOrKeyframeEvent = z
  .looseObject({ anchor: anchorPlan.optional(), keyframe: keyframePlan.optional(), attempt, taskToken })
  .refine((event) => (event.anchor === undefined) !== (event.keyframe === undefined), {
    message: 'needs exactly one of "anchor" (the anchor image) or "keyframe" (strategy keyframes)',
    path: ['anchor'],
  });

const scenePlan = z.looseObject({
  runId,
  step,
  index: positiveInt,
  name: z.string(),
  prompt: text,
  model: z.enum(VIDEO_MODEL_IDS as [VideoModelId, ...VideoModelId[]]),
  duration: positive,
  fps: positive,
  resolution: z.enum(['1080p', '1440p', '2160p']),
  generateAudio: z.boolean(),
  seedKey: s3Key.nullable(),
  clipKey: s3Key,
  lastFrameKey: s3Key,
  endFrameKey: s3Key.optional(),
  finishAlongside: step.nullable(),
  finishOwnSegment: z.boolean(),
  fresh: z.literal(true).optional(),
});

/** Clip: {scene: $.scene (one item of plan.scenes), attempt: $.attempt, taskToken: $$.Task.Token}. */
export const clipEvent = z.looseObject({ scene: scenePlan, attempt, taskToken });

/** PollAnchor {runId, step: "anchor"} and PollClip {runId, step: scene-n}. */
export const pollEvent = z.looseObject({ runId, step });

/** The task result the webhook or the poll sent (toPredictionResult). */
const predictionResult = z.looseObject({
  id: text,
  status: text,
  output: z.unknown(),
  error: z.string().nullable(),
  createdAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  predictTimeSec: z.number().nullable(),
  reusedKey: z.string().regex(/^reusable\/[0-9a-f]{64}\.(mp4|png)$/, 'must be reusable/<sha256>.mp4 or .png').optional(),
});

/** StoreAnchor (prediction) or StoreProvidedAnchor (source: the storyboard's image). */
const storeImage = z
  .looseObject({
    runId,
    step: z.literal('anchor'),
    kind: z.literal('image'),
    prediction: predictionResult.optional(),
    source: text.optional(),
  })
  .refine((event) => event.prediction !== undefined || event.source !== undefined, {
    message: 'an image needs "prediction" (generated) or "source" (provided)',
    path: ['prediction'],
  });

/** StoreClip: {runId, step, kind: "video", scene, prediction}. */
const storeClip = z.looseObject({ runId, step, kind: z.literal('video'), scene: scenePlan, prediction: predictionResult });

/** StoreKeyframe: {runId, step: keyframe-n, kind: "keyframe", keyframe, prediction}. */
const storeKeyframe = z.looseObject({ runId, step, kind: z.literal('keyframe'), keyframe: keyframePlan, prediction: predictionResult });

export const storeOutputEvent = z.discriminatedUnion('kind', [storeImage, storeClip, storeKeyframe]);

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const look = z.object({ l: finite, a: finite, b: finite, chroma: finite, contrast: finite });
const gradePoint = z.object({ contrast: finite, brightness: finite, saturation: finite });
/** What StoreClip decided for the join (functions/domain/continuity.ts). */
const clipCorrections = z.object({
  headTrimFrames: z.number().int().min(0),
  frozenHeadFrames: z.number().int().min(0),
  grade: z.object({ head: gradePoint, tail: gradePoint, cast: z.object({ u: finite, v: finite }), clamped: z.boolean() }).nullable(),
  gainDb: finite,
  gainCapped: z.boolean(),
  loudness: z.object({ integratedLufs: finite, truePeakDbtp: finite }).nullable(),
  onsetLevelling: z.array(z.tuple([finite, finite])).max(60).nullable(),
  looks: z.object({ head: look, tail: look }),
});

const storedClip = z.looseObject({
  index: positiveInt,
  step,
  clipKey: s3Key,
  seedKey: s3Key.nullable(),
  lastFrameKey: s3Key,
  durationSec: positive,
  frames: positiveInt,
  fps: positive,
  width: positiveInt,
  height: positiveInt,
  hasAudio: z.boolean(),
  corrections: clipCorrections,
});

/** FinishPreviousSegment / FinishOwnSegment: {runId, step: a scene whose clip is stored}. */
export const finishSegmentEvent = z.looseObject({
  runId,
  step: step.refine((s) => s.startsWith('scene-'), 'must be "scene-<n>"'),
});

/** JoinFilm: {runId, clips: $.clips (StoreClip outputs), join: $.plan.join}. */
export const joinFilmEvent = z.looseObject({
  runId,
  clips: z.array(storedClip).min(1, 'needs at least one clip'),
  join: z.looseObject({
    trimSeedFrame: z.boolean(),
    extraTrimFrames: z.number().int().min(0),
    fps: positive,
  }),
});

/** RecordFailure: {runId: $$.Execution.Name, failure: {<State>: {Error, Cause}}} from the Catch ResultPaths. */
export const recordFailureEvent = z.looseObject({
  runId: executionName,
  startedAt,
  // Optional: the failure path records a run even when the Catch left no detail (it must never throw).
  failure: z.record(z.string(), z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() })).optional(),
});

/** notify: {runId} or {compareId}, invoked asynchronously by whichever writer recorded that ending. */
export const notifyEvent = z
  .looseObject({ runId: runId.optional(), compareId: z.string().refine(isRunId, 'must be a compare id like 20261125-1042-winter-ad-compare-3f9c2a7be41d08c6').optional() })
  .refine((event) => (event.runId === undefined) !== (event.compareId === undefined), {
    message: 'required: give either runId (a run ended) or compareId (a compare ended)',
    path: ['runId'],
  });

// ---- API Gateway (REST, Lambda proxy) ----

/**
 * The fields the api and webhook handlers read. Powertools' full schema also requires the whole
 * requestContext, which neither handler reads and the local gateway does not invent.
 */
export const proxyEvent = APIGatewayProxyEventSchema.pick({
  resource: true,
  path: true,
  httpMethod: true,
  headers: true,
  queryStringParameters: true,
  pathParameters: true,
  body: true,
  isBase64Encoded: true,
}).loose();

// ---- EventBridge ----

const eventBridge = EventBridgeSchema.pick({ id: true, time: true });
const s3Detail = S3EventNotificationEventBridgeSchema.shape.detail;

/** S3 "Object Created" (the inbox rule): bucket, key, ETag and version as AWS sends them. */
export const objectCreatedEvent = eventBridge
  .extend({
    source: z.literal('aws.s3'),
    'detail-type': z.literal('Object Created'),
    detail: s3Detail.pick({ bucket: true, object: true }).loose(),
  })
  .loose();

/** Step Functions "Execution Status Change" (the rule on FAILED, TIMED_OUT, ABORTED). */
export const executionStatusChangeEvent = eventBridge
  .extend({
    source: z.literal('aws.states'),
    'detail-type': z.literal('Step Functions Execution Status Change'),
    detail: z.looseObject({
      executionArn: text,
      /** Tells a compare execution from a run (execution-ended handles both machines). */
      stateMachineArn: z.string().nullish(),
      name: executionName,
      status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
      error: z.string().nullish(),
      cause: z.string().nullish(),
      /** Epoch ms; with the name, gives executions started by hand their run id. */
      startDate: z.number().nullish(),
      /** The execution input (JSON text): explains a hand-started execution that failed on it. */
      input: z.string().nullish(),
    }),
  })
  .loose();

// ---- Parsing ----

const MAX_PROBLEMS = 20;

const formatPath = (path: PropertyKey[]) =>
  path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  ) || '(event)';

/** The parsed event, or InvalidEventError naming the handler and every bad field (never its value). */
export function parseEvent<S extends z.ZodType>(handler: string, schema: S, event: unknown): z.output<S> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const shown = problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more`] : problems;
  throw new InvalidEventError(handler, shown);
}

export type ProxyEvent = z.output<typeof proxyEvent>;
