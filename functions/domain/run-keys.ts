// Run ids (also the Step Functions execution names) and every S3 key a run uses: all under runs/{runId}/.
import { createHash, randomBytes } from 'node:crypto';

/**
 * e.g. 20261125-1042-winter-jacket-3f9c2a7be41d08c6: sorts by time, reads like a film list in the
 * console. The time is only for reading; the 64-bit suffix makes the id unique, and repeats are
 * found through idempotency records, never through the clock.
 */
export const RUN_ID_SUFFIX_HEX = 16;
const RUN_ID_PATTERN = /^\d{8}-\d{4}-[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{16}$/;
const STEP_PATTERN = /^(anchor|(?:scene|keyframe)-(?:[1-9]|[1-9]\d))$/;

export function slugify(title: string, maxLength = 40): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug || 'film';
}

function stamp(date: Date): string {
  const iso = date.toISOString(); // 2026-11-25T10:42:13.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

/** A new run id: the suffix is random (64 bits), or derived from `dedupeKey` when given. */
export function newRunId(title: string, date = new Date(), dedupeKey?: string): string {
  const suffix = dedupeKey
    ? createHash('sha256').update(dedupeKey).digest('hex').slice(0, RUN_ID_SUFFIX_HEX)
    : randomBytes(RUN_ID_SUFFIX_HEX / 2).toString('hex');
  return `${stamp(date)}-${slugify(title)}-${suffix}`;
}

export const isRunId = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= 80 && RUN_ID_PATTERN.test(value);

export const isStepName = (value: unknown): value is string => typeof value === 'string' && STEP_PATTERN.test(value);

export const sceneStep = (index: number) => `scene-${index}`;
export const keyframeStep = (index: number) => `keyframe-${index}`;

/** Every object of a run. Scene indexes are 1-based; seed n is the frame scene n+1 starts from. */
export function runKeys(runId: string) {
  if (!isRunId(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
  const checkedStep = (step: string) => {
    if (!isStepName(step)) throw new Error(`not a step name: ${JSON.stringify(step)}`);
    return step;
  };
  const prefix = `runs/${runId}/`;
  return {
    prefix,
    storyboard: `${prefix}storyboard.json`,
    plan: `${prefix}plan.json`,
    manifest: `${prefix}manifest.json`,
    /** {url} from POST /runs' notify field (written before the execution starts). */
    notify: `${prefix}notify.json`,
    /** What was delivered of one notification (notify-run.ts): event put, webhook answered. */
    notification: (id: string) => `${prefix}notifications/${id}.json`,
    ending: `${prefix}ending.json`,
    /** Every prediction's reservation and cost (spend.ts). */
    spend: `${prefix}spend.json`,
    callbacksPrefix: `${prefix}callbacks/`,
    callback: (step: string) => `${prefix}callbacks/${checkedStep(step)}.json`,
    stepsPrefix: `${prefix}steps/`,
    step: (step: string) => `${prefix}steps/${checkedStep(step)}.json`,
    anchor: `${prefix}anchor.png`,
    seed: (n: number) => `${prefix}seeds/${n}.png`,
    /** Keyframe n (1-based) is where scene n ends and scene n+1 starts (strategy keyframes); keyframe 0 is seed 0. */
    keyframe: (n: number) => `${prefix}keyframes/${n}.png`,
    clip: (n: number) => `${prefix}scenes/${n}/clip.mp4`,
    /** Scene n's finished segment (segment-recipe.ts): what the film shows of its clip, ready to assemble. */
    segment: (n: number) => ({
      video: `${prefix}segments/${n}/video.mp4`,
      audio: `${prefix}segments/${n}/audio.f32`,
      sheetRow: `${prefix}segments/${n}/sheet-row.png`,
      record: `${prefix}segments/${n}/segment.json`,
    }),
    final: `${prefix}final.mp4`,
    contactSheet: `${prefix}contact-sheet.png`,
    continuity: `${prefix}continuity.json`,
    driftChart: `${prefix}drift-chart.png`,
  };
}

/**
 * Tag that lets a bucket lifecycle rule expire a run's intermediate objects (callback and step
 * records, seeds, clips, the anchor) after a while, and keep films, manifests and storyboards.
 * Lifecycle prefixes cannot match runs/{runId}/scenes/, so the objects carry the tag instead.
 */
export const RETENTION_TAG = 'longshot-retention';
const INTERMEDIATE = /^runs\/[^/]+\/(callbacks\/|steps\/|seeds\/|keyframes\/|scenes\/|segments\/|anchor\.png$)/;

export const retentionOf = (key: string): 'intermediate' | 'keep' => (INTERMEDIATE.test(key) ? 'intermediate' : 'keep');

// ---------------------------------------------------------------- keys users choose

/** S3 allows 1,024 bytes; nothing we accept from a user needs more than this. */
export const MAX_USER_KEY_CHARS = 512;

/**
 * Why a key that came from a user (storyboard, upload) is unsafe to use, or null. S3 keys are
 * literal, but HTTP stacks and the local S3 server resolve `..`, `.` and `//` in paths, so
 * `inbox/../runs/<run>/seeds/1.png` would read another run's file.
 */
export function keyProblem(key: string): string | null {
  if (!key) return 'must not be empty';
  if (key.length > MAX_USER_KEY_CHARS) return `is ${key.length} characters long; keys are at most ${MAX_USER_KEY_CHARS}`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(key)) return 'contains a control character';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'starts with "/"';
  if (/%(2e|2f|5c|00)/i.test(key)) return 'contains a percent-encoded ".", "/", "\\" or NUL';
  const segments = key.split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'contains a "." or ".." path segment';
  if (segments.slice(0, -1).includes('')) return 'contains "//"';
  return null;
}

/** Records of requests already answered (Idempotency-Key, uploads): one per sha256 of the request's identity. */
export const IDEMPOTENCY_PREFIX = 'idempotency/';
export const idempotencyRecordKey = (identityHash: string) => {
  if (!/^[0-9a-f]{64}$/.test(identityHash)) throw new Error('an idempotency record is named by a sha256 hex digest');
  return `${IDEMPOTENCY_PREFIX}${identityHash}.json`;
};

/** Storyboards uploaded here start a run; rejected ones get a report outside inbox/. */
export const INBOX_PREFIX = 'inbox/';

/**
 * What an object under inbox/ is: a storyboard (.json in any case), an image kept there for
 * anchor.image, a folder marker (the console's "Create folder"), or something we cannot use.
 */
export function inboxObjectKind(key: string): 'storyboard' | 'image' | 'folder' | 'other' {
  if (key.endsWith('/')) return 'folder';
  if (/\.json$/i.test(key)) return 'storyboard';
  if (/\.(png|jpe?g|webp)$/i.test(key)) return 'image';
  return 'other';
}

/**
 * The keys an S3 event's `key` may stand for: as delivered, then form-decoded (S3 notifications
 * encode keys as in a query string: space → "+", "+" → "%2B"; whether EventBridge does is not
 * documented). The caller keeps the one that exists with the event's ETag.
 */
export function deliveredKeyCandidates(delivered: string): string[] {
  let decoded: string | null = null;
  try {
    decoded = decodeURIComponent(delivered.replace(/\+/g, ' '));
  } catch {
    // Not valid percent-encoding ("100%.json"): it can only be the literal key.
  }
  return decoded !== null && decoded !== delivered ? [delivered, decoded] : [delivered];
}

/**
 * Where the report on a rejected upload goes: rejected/<name>.json. A key that is unsafe to build
 * another key from gets a report named by its hash instead.
 */
export function rejectedKey(inboxKey: string): string {
  const name = inboxKey.slice(INBOX_PREFIX.length).replace(/\.json$/i, '');
  if (!inboxKey.startsWith(INBOX_PREFIX) || !name || keyProblem(inboxKey)) {
    return `rejected/unsafe-key-${createHash('sha256').update(inboxKey).digest('hex').slice(0, 16)}.json`;
  }
  return `rejected/${name}.json`;
}
