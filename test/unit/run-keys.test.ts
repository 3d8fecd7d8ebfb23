// Run ids double as Step Functions execution names; every key of a run lives under runs/{runId}/.
import { describe, expect, it } from 'vitest';
import {
  INBOX_PREFIX,
  deliveredKeyCandidates,
  idempotencyRecordKey,
  inboxObjectKind,
  isRunId,
  isStepName,
  keyProblem,
  newRunId,
  rejectedKey,
  runKeys,
  sceneStep,
  slugify,
} from '../../functions/domain/run-keys';

const date = new Date('2026-11-25T10:42:13.456Z');
/** What Step Functions accepts as an execution name (and what is safe in an S3 key). */
const EXECUTION_NAME = /^[a-z0-9-]{1,80}$/;

describe('slugify', () => {
  it('lowercases, strips accents and joins words with single hyphens', () => {
    expect(slugify('Winter Ad')).toBe('winter-ad');
    expect(slugify('  Crème Brûlée — Take 2!  ')).toBe('creme-brulee-take-2');
    expect(slugify('a__b..c//d')).toBe('a-b-c-d');
    expect(slugify('---x---')).toBe('x');
  });

  it('falls back to "film" when nothing is left', () => {
    expect(slugify('')).toBe('film');
    expect(slugify('冬の広告')).toBe('film');
    expect(slugify('!!!')).toBe('film');
  });

  it('cuts at maxLength without leaving a trailing hyphen', () => {
    expect(slugify('a'.repeat(100))).toHaveLength(40);
    expect(slugify(`${'a'.repeat(39)} bcd`)).toBe('a'.repeat(39));
    expect(slugify('abc def', 4)).toBe('abc');
  });
});

describe('newRunId', () => {
  it('is stamp-slug-suffix, in UTC, with 64 random bits', () => {
    expect(newRunId('Winter Ad', date)).toMatch(/^20261125-1042-winter-ad-[0-9a-f]{16}$/);
  });

  it('is deterministic with a dedupeKey and date', () => {
    const a = newRunId('Winter Ad', date, 'inbox/winter.json#etag1');
    expect(a).toBe(newRunId('Winter Ad', date, 'inbox/winter.json#etag1'));
    expect(a).toMatch(/^20261125-1042-winter-ad-[0-9a-f]{16}$/);
    expect(a).not.toBe(newRunId('Winter Ad', date, 'inbox/winter.json#etag2'));
  });

  it('is random without a dedupeKey: 1,000 ids in the same minute never collide', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newRunId('Winter Ad', date)));
    expect(ids.size).toBe(1000);
  });

  it('is a valid execution name and run id for any title', () => {
    const titles = ['Winter Ad', '', '冬', 'x'.repeat(500), 'Ünïcödé & Friends — the ' + 'very '.repeat(30) + 'long cut', '../../etc/passwd'];
    for (const title of titles) {
      for (const id of [newRunId(title, date), newRunId(title, date, 'key')]) {
        expect(id, title).toMatch(EXECUTION_NAME);
        expect(isRunId(id), id).toBe(true);
      }
    }
  });

  it('uses the current time by default', () => {
    const id = newRunId('x');
    const now = new Date().toISOString();
    expect(id.slice(0, 8)).toBe(`${now.slice(0, 4)}${now.slice(5, 7)}${now.slice(8, 10)}`);
  });
});

describe('isRunId', () => {
  it('accepts run ids with a 16-hex suffix', () => {
    expect(isRunId('20261125-1042-winter-jacket-3f9c2a7be41d08c6')).toBe(true);
    expect(isRunId('20261125-1042-film-0123456789abcdef')).toBe(true);
  });

  it.each([
    '',
    'winter-ad',
    '20261125-1042-winter-7f3a',
    '20261125-1042-winter-0123456789ab',
    '20261125-1042-winter-3f9c2a7be41d08c',
    '20261125-1042-winter-3f9c2a7be41d08c6a',
    '20261125-1042-Winter-3f9c2a7be41d08c6',
    '20261125-1042--3f9c2a7be41d08c6',
    '20261125-1042-winter--ad-3f9c2a7be41d08c6',
    '20261125-1042-winter-3f9c2a7be41d08cg',
    '20261125-1042-winter-3f9c2a7be41d08c6/../x',
    '../20261125-1042-winter-3f9c2a7be41d08c6',
    '20261125-1042-winter-3f9c2a7be41d08c6\n',
    `20261125-1042-${'a'.repeat(80)}-3f9c2a7be41d08c6`,
  ])('rejects %j', (value) => {
    expect(isRunId(value)).toBe(false);
  });

  it('rejects non-strings', () => {
    for (const value of [undefined, null, 20261125, {}, ['20261125-1042-winter-3f9c2a7be41d08c6']]) expect(isRunId(value)).toBe(false);
  });
});

describe('isStepName', () => {
  it('accepts anchor and scene-1..scene-99', () => {
    for (const step of ['anchor', 'scene-1', 'scene-9', 'scene-10', 'scene-99', sceneStep(12)]) expect(isStepName(step), step).toBe(true);
  });

  it.each(['../x', '../anchor', 'anchor/../../x', 'scene-1/../../x', 'scene-0', 'scene-01', 'scene-100', 'scene-', 'Anchor', 'anchor ', 'concat', ''])(
    'rejects %j',
    (step) => expect(isStepName(step)).toBe(false),
  );

  it('rejects non-strings', () => {
    expect(isStepName(undefined)).toBe(false);
    expect(isStepName(1)).toBe(false);
  });
});

describe('runKeys', () => {
  const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
  const keys = runKeys(runId);

  it('puts every key under runs/{runId}/', () => {
    const values = Object.values(keys)
      .map((v) => (typeof v === 'function' ? v('scene-1' as never) : v))
      .filter((v): v is string => typeof v === 'string');
    values.push(keys.seed(0), keys.clip(3), ...Object.values(keys.segment(3)));
    expect(values.length).toBeGreaterThan(10);
    for (const key of values) expect(key.startsWith(`runs/${runId}/`), key).toBe(true);
  });

  it('names the objects of a run', () => {
    expect(keys.prefix).toBe(`runs/${runId}/`);
    expect(keys.storyboard).toBe(`runs/${runId}/storyboard.json`);
    expect(keys.plan).toBe(`runs/${runId}/plan.json`);
    expect(keys.manifest).toBe(`runs/${runId}/manifest.json`);
    expect(keys.anchor).toBe(`runs/${runId}/anchor.png`);
    expect(keys.seed(0)).toBe(`runs/${runId}/seeds/0.png`);
    expect(keys.clip(2)).toBe(`runs/${runId}/scenes/2/clip.mp4`);
    expect(keys.callback('scene-2')).toBe(`runs/${runId}/callbacks/scene-2.json`);
    expect(keys.callback('scene-2').startsWith(keys.callbacksPrefix)).toBe(true);
    expect(keys.step('anchor')).toBe(`runs/${runId}/steps/anchor.json`);
    expect(keys.step('anchor').startsWith(keys.stepsPrefix)).toBe(true);
    expect(keys.final).toBe(`runs/${runId}/final.mp4`);
    expect(keys.contactSheet).toBe(`runs/${runId}/contact-sheet.png`);
    expect(keys.continuity).toBe(`runs/${runId}/continuity.json`);
  });

  it.each(['', 'winter', '../x', '20261125-1042-winter-3f9c2a7be41d08c6/..', 'runs/20261125-1042-winter-3f9c2a7be41d08c6'])('throws on %j', (bad) => {
    expect(() => runKeys(bad)).toThrow(/not a run id/);
  });

  it.each(['../../other/x', 'anchor/../../x', '', 'scene-0'])('refuses the step %j in callback and step keys', (step) => {
    expect(() => keys.callback(step)).toThrow(/not a step name/);
    expect(() => keys.step(step)).toThrow(/not a step name/);
  });
});

describe('rejectedKey', () => {
  it('maps an inbox key to a .json report outside inbox/', () => {
    expect(INBOX_PREFIX).toBe('inbox/');
    expect(rejectedKey('inbox/winter.json')).toBe('rejected/winter.json');
    expect(rejectedKey('inbox/team/winter.JSON')).toBe('rejected/team/winter.json');
    expect(rejectedKey('inbox/notes.txt')).toBe('rejected/notes.txt.json');
    expect(rejectedKey('inbox/my film+1 100%.json')).toBe('rejected/my film+1 100%.json');
  });

  it.each(['inbox/../runs/20261125-1042-winter-3f9c2a7be41d08c6/manifest.json', 'inbox/a/../../x.json', 'elsewhere/x.json', 'inbox/.json', 'inbox/a\\..\\b.json'])(
    'names the report for the unsafe key %j by its hash, never by the key',
    (key) => {
      expect(rejectedKey(key)).toMatch(/^rejected\/unsafe-key-[0-9a-f]{16}\.json$/);
    },
  );
});

describe('keyProblem: user-supplied keys', () => {
  it.each(['inbox/me.png', 'images/a/b-c_1.JPG', 'inbox/my film+1 100%.json', 'inbox/été/ski.json', 'inbox/a..b.json', 'inbox/.hidden.json'])('accepts %j', (key) => {
    expect(keyProblem(key)).toBeNull();
  });

  it.each([
    ['', /empty/],
    ['inbox/../runs/x/seeds/1.png', /"\." or "\.\." path segment/],
    ['inbox/./x.png', /"\." or "\.\." path segment/],
    ['inbox/a/..', /path segment/],
    ['inbox//x.png', /"\/\/"/],
    ['/inbox/x.png', /starts with "\/"/],
    ['inbox\\..\\runs\\x.png', /backslash/],
    ['inbox/x\u0000.png', /control character/],
    ['inbox/x\n.png', /control character/],
    ['inbox/%2e%2e/runs/x.png', /percent-encoded/],
    ['inbox/%2E%2E%2Fruns/x.png', /percent-encoded/],
    ['inbox/a%5cb.png', /percent-encoded/],
    [`inbox/${'a'.repeat(600)}.png`, /at most 512/],
  ])('refuses %j', (key, problem) => {
    expect(keyProblem(key)).toMatch(problem);
  });
});

describe('deliveredKeyCandidates: keys from S3 events', () => {
  it.each([
    ['inbox/plain.json', ['inbox/plain.json']],
    ['inbox/my+film.json', ['inbox/my+film.json', 'inbox/my film.json']],
    ['inbox/a%2Bb.json', ['inbox/a%2Bb.json', 'inbox/a+b.json']],
    ['inbox/100%.json', ['inbox/100%.json']],
    ['inbox/%C3%A9t%C3%A9.json', ['inbox/%C3%A9t%C3%A9.json', 'inbox/été.json']],
    ['inbox/été.json', ['inbox/été.json']],
  ])('%j may stand for %j', (delivered, keys) => {
    expect(deliveredKeyCandidates(delivered)).toEqual(keys);
  });
});

describe('inboxObjectKind', () => {
  it.each([
    ['inbox/a.json', 'storyboard'],
    ['inbox/a.JSON', 'storyboard'],
    ['inbox/a.Json', 'storyboard'],
    ['inbox/me.PNG', 'image'],
    ['inbox/me.jpeg', 'image'],
    ['inbox/me.webp', 'image'],
    ['inbox/team/', 'folder'],
    ['inbox/notes.txt', 'other'],
    ['inbox/a.json.bak', 'other'],
  ])('%j is a %s', (key, kind) => {
    expect(inboxObjectKind(key)).toBe(kind);
  });
});

describe('idempotencyRecordKey', () => {
  it('names a record by a sha256 digest only', () => {
    expect(idempotencyRecordKey('a'.repeat(64))).toBe(`idempotency/${'a'.repeat(64)}.json`);
    for (const bad of ['', '../x', 'A'.repeat(64), 'a'.repeat(63)]) expect(() => idempotencyRecordKey(bad)).toThrow();
  });
});
