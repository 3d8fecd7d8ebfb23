// Run ids (also the Step Functions execution names) and every S3 key a run uses: all under runs/{runId}/.
import { createHash, randomBytes } from 'node:crypto';

/** e.g. 20261125-1042-winter-jacket-7f3a: sorts by time, reads like a film list in the console. */
const RUN_ID_PATTERN = /^\d{8}-\d{4}-[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{4,12}$/;
const STEP_PATTERN = /^(anchor|scene-(?:[1-9]|[1-9]\d))$/;

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

/**
 * A new run id. `dedupeKey` makes it deterministic (same upload → same id, so a repeated S3 event
 * starts nothing new); without it the suffix is random.
 */
export function newRunId(title: string, date = new Date(), dedupeKey?: string): string {
  const suffix = dedupeKey
    ? createHash('sha256').update(dedupeKey).digest('hex').slice(0, 8)
    : randomBytes(2).toString('hex');
  return `${stamp(date)}-${slugify(title)}-${suffix}`;
}

export const isRunId = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= 80 && RUN_ID_PATTERN.test(value);

export const isStepName = (value: unknown): value is string => typeof value === 'string' && STEP_PATTERN.test(value);

export const sceneStep = (index: number) => `scene-${index}`;

/** Every object of a run. Scene indexes are 1-based; seed n is the frame scene n+1 starts from. */
export function runKeys(runId: string) {
  if (!isRunId(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
  const prefix = `runs/${runId}/`;
  return {
    prefix,
    storyboard: `${prefix}storyboard.json`,
    plan: `${prefix}plan.json`,
    manifest: `${prefix}manifest.json`,
    callbacksPrefix: `${prefix}callbacks/`,
    callback: (step: string) => `${prefix}callbacks/${step}.json`,
    stepsPrefix: `${prefix}steps/`,
    step: (step: string) => `${prefix}steps/${step}.json`,
    anchor: `${prefix}anchor.png`,
    seed: (n: number) => `${prefix}seeds/${n}.png`,
    clip: (n: number) => `${prefix}scenes/${n}/clip.mp4`,
    final: `${prefix}final.mp4`,
    contactSheet: `${prefix}contact-sheet.png`,
    continuity: `${prefix}continuity.json`,
  };
}

/**
 * Tag that lets a bucket lifecycle rule expire a run's intermediate objects (callback and step
 * records, seeds, clips, the anchor) after a while, and keep films, manifests and storyboards.
 * Lifecycle prefixes cannot match runs/{runId}/scenes/, so the objects carry the tag instead.
 */
export const RETENTION_TAG = 'longshot-retention';
const INTERMEDIATE = /^runs\/[^/]+\/(callbacks\/|steps\/|seeds\/|scenes\/|anchor\.png$)/;

export const retentionOf = (key: string): 'intermediate' | 'keep' => (INTERMEDIATE.test(key) ? 'intermediate' : 'keep');

/** Storyboards uploaded here start a run; rejected ones get a report outside inbox/. */
export const INBOX_PREFIX = 'inbox/';
export const rejectedKey = (inboxKey: string) =>
  `rejected/${inboxKey.slice(INBOX_PREFIX.length).replace(/\.json$/i, '')}.json`;
