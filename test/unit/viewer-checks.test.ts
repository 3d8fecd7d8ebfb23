// The viewer's own checks (local/viewer/*.js, run in the browser): the storyboard schema checker
// agrees with the server's validation on what the schema covers, and the JSON locator finds
// where text stops being JSON.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnsupportedSchemaError, parseServerProblem, validate } from '../../local/viewer/schema-check.js';
import { firstJsonError, lineAndColumn } from '../../local/viewer/json-where.js';
import { parseStoryboard } from '../../functions/domain/storyboard';
import { InvalidStoryboardError } from '../../functions/domain/errors';

const schema = JSON.parse(readFileSync(new URL('../../docs/storyboard.schema.json', import.meta.url), 'utf8'));

/** The server's problems as {path, message}. */
function serverProblems(board: unknown) {
  try {
    parseStoryboard(board);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidStoryboardError)) throw error;
    return error.problems.map(parseServerProblem);
  }
}

describe('viewer schema check', () => {
  it.each(readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.json')))('finds no problem in examples/%s', (file) => {
    const board = JSON.parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8'));
    expect(validate(schema, board)).toEqual([]);
  });

  it.each([
    ['an empty title', { title: '', scenes: [{ prompt: 'x' }] }, [['title', /must not be empty/]]],
    ['a missing title', { scenes: [{ prompt: 'x' }] }, [['title', /required/]]],
    ['no scenes', { title: 't', scenes: [] }, [['scenes', /at least 1/]]],
    ['a scene without prompt', { title: 't', scenes: [{ name: 'a' }] }, [['scenes[0].prompt', /required/]]],
    ['a field the schema does not have', { title: 't', colour: 'red', scenes: [{ prompt: 'x' }] }, [['colour', /not a field here/]]],
    ['a string for a number', { title: 't', clip: { fps: 'fast' }, scenes: [{ prompt: 'x' }] }, [['clip.fps', /whole number/]]],
    ['a fraction for an integer', { title: 't', scenes: [{ prompt: 'x', duration: 6.5 }] }, [['scenes[0].duration', /whole number/]]],
    ['a value outside an enum', { title: 't', model: 'ltx-9', scenes: [{ prompt: 'x' }] }, [['model', /one of "ltx-2-fast"/]]],
    ['anchor true (only false or an object)', { title: 't', anchor: true, scenes: [{ prompt: 'x' }] }, [['anchor', /false or an object/]]],
    ['an anchor width out of range', { title: 't', anchor: { width: 100 }, scenes: [{ prompt: 'x' }] }, [['anchor.width', /at least 256/]]],
    ['a budget of 0', { title: 't', budget: { maxUsd: 0 }, scenes: [{ prompt: 'x' }] }, [['budget.maxUsd', /more than 0/]]],
    ['too many scenes', { title: 't', scenes: Array.from({ length: 13 }, () => ({ prompt: 'x' })) }, [['scenes', /at most 12/]]],
    ['a prompt too long', { title: 't', scenes: [{ prompt: 'x'.repeat(2501) }] }, [['scenes[0].prompt', /at most 2500/]]],
    ['not an object', [1], [['', /must be a object/]]],
  ])('finds %s at its field, as the server does', (_case, board, expected) => {
    const problems = validate(schema, board);
    expect(problems.map((p) => p.path)).toEqual(expected.map(([path]) => path));
    problems.forEach((p, i) => expect(p.message).toMatch(expected[i][1] as RegExp));
    // The server refuses it too, naming the same field (or, for an unknown key, its parent).
    const server = serverProblems(board);
    expect(server.length).toBeGreaterThan(0);
    for (const { path } of problems) expect(server.some((s) => s.path === path || path.startsWith(`${s.path}.`) || (s.path === '' && !path.includes('.')))).toBe(true);
  });

  it('throws on a schema keyword it does not check, rather than passing the document', () => {
    expect(() => validate({ type: 'object', patternProperties: {} }, {})).toThrow(UnsupportedSchemaError);
  });

  it.each([
    ['scenes[0].duration: 7 s is not accepted by ltx-2-fast; allowed: 6, 8', 'scenes[0].duration', '7 s is not accepted by ltx-2-fast; allowed: 6, 8'],
    ['(body): not valid JSON: Unexpected end', '', 'not valid JSON: Unexpected end'],
    ['something without a field', '', 'something without a field'],
  ])('reads the server problem %j', (line, path, message) => {
    expect(parseServerProblem(line)).toEqual({ path, message });
  });
});

describe('viewer JSON locator', () => {
  it.each([
    ['{"title": "x",\n  "scenes": [}', 28, { line: 2, column: 14 }],
    ['{"a":1,}', 7, { line: 1, column: 8 }],
    ['', 0, { line: 1, column: 1 }],
    ['[1,2', 4, { line: 1, column: 5 }],
    ['{"a":"\\q"}', 7, { line: 1, column: 8 }],
    ['{"a": tru}', 6, { line: 1, column: 7 }],
    ['1 2', 2, { line: 1, column: 3 }],
    ['{"a": 01}', 7, { line: 1, column: 8 }],
  ])('finds where %j breaks', (text, offset, where) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(firstJsonError(text)).toBe(offset);
    expect(lineAndColumn(text, offset)).toEqual(where);
  });

  it.each(['{}', ' [1, {"b": null}, "\\u00e9", -1.5e3, true, false] ', readFileSync(new URL('../../examples/winter-ad.json', import.meta.url), 'utf8')])('finds nothing wrong in valid JSON %#', (text) => {
    expect(firstJsonError(text)).toBeNull();
  });
});
