// Executions started by hand (console): a valid run id from any name, and a clear word on bad input.
import { describe, expect, it } from 'vitest';
import { inputProblem, readRunRequest, runIdForExecution } from '../../functions/domain/execution';
import { isRunId } from '../../functions/domain/run-keys';

const uuid = 'a5e1c7de-3b2f-4c1e-9d7a-0f6b2e8c4d13';
const startTime = '2026-11-25T10:42:13.192Z';

describe('runIdForExecution', () => {
  it('is the name itself when longshot named the execution', () => {
    expect(runIdForExecution('20261125-1042-winter-ad-3f9c2a7be41d08c6', startTime)).toBe('20261125-1042-winter-ad-3f9c2a7be41d08c6');
  });

  it.each([uuid, 'my test run', 'x'.repeat(80), '20261125-1042-UPPER-3f9c2a7be41d08c6', '../../etc'])('derives a valid run id for the name %s', (name) => {
    const runId = runIdForExecution(name, startTime);
    expect(isRunId(runId)).toBe(true);
    expect(runId).toMatch(/^20261125-1042-console-[0-9a-f]+$/);
  });

  it('gives the same id for the same name and start, however the start is written', () => {
    const fromIso = runIdForExecution(uuid, startTime);
    expect(runIdForExecution(uuid, Date.parse(startTime))).toBe(fromIso); // EventBridge: epoch ms
    expect(runIdForExecution(uuid, new Date(startTime))).toBe(fromIso); // SDK DescribeExecution
    expect(runIdForExecution(uuid, '2026-11-25T10:42:59.999Z')).toBe(fromIso); // same minute
  });

  it('gives different ids to different names in the same minute', () => {
    expect(runIdForExecution(uuid, startTime)).not.toBe(runIdForExecution(`${uuid.slice(0, -1)}4`, startTime));
  });

  it.each([undefined, null, 'not a date', {}])('never throws: a missing or bad start time (%s) still gives a valid id', (start) => {
    const runId = runIdForExecution(uuid, start);
    expect(isRunId(runId)).toBe(true);
    expect(runIdForExecution(uuid, start)).toBe(runId);
  });

  it.each([undefined, null, 42, { name: 'x' }])('never throws on a name that is not a string (%s)', (name) => {
    expect(isRunId(runIdForExecution(name, startTime))).toBe(true);
  });
});

describe('readRunRequest', () => {
  it.each([
    [{ storyboard: { title: 't' } }, { storyboard: { title: 't' } }],
    [{ source: { key: 'inbox/a.json' } }, { source: { key: 'inbox/a.json' } }],
    [{ storyboard: {}, overrides: { model: 'ltx-2-pro' } }, { storyboard: {}, overrides: { model: 'ltx-2-pro' } }],
    [{ storyboard: {}, overrides: null }, { storyboard: {} }],
  ])('accepts %j', (input, expected) => {
    expect(readRunRequest(input)).toEqual(expected);
  });

  it.each([{}, { hello: 1 }, 'a string', 42, null, [1, 2], undefined])('names the expected shape and what it got for %j', (input) => {
    expect(() => readRunRequest(input)).toThrow(/\(execution input\): the execution input must be \{"storyboard": \{…\}\} or \{"source": \{"key": "<object key>"\}\}.*; got /);
  });

  it('shows what it got, shortened', () => {
    expect(() => readRunRequest({ hello: 1 })).toThrow(/got \{"hello":1\}$/m);
    expect(() => readRunRequest({ hello: 'x'.repeat(1000) })).toThrow(/… \(1012 characters\)/);
  });

  it.each([
    [{ source: 'inbox/a.json' }, /^- source: must be/m],
    [{ source: { key: '' } }, /^- source: must be/m],
    [{ source: { key: 7 } }, /^- source: must be/m],
    [{ source: { key: 'inbox/../runs/20261125-1042-other-3f9c2a7be41d08c6/storyboard.json' } }, /^- source\.key: ".*" contains a "\." or "\.\." path segment$/m],
    [{ source: { key: 'runs/20261125-1042-other-3f9c2a7be41d08c6/storyboard.json' } }, /^- source\.key: ".*" is not under inbox\/$/m],
    [{ storyboard: {}, overrides: 'pro' }, /^- overrides: must be an object/m],
    [{ storyboard: {}, overrides: { model: 2 } }, /^- overrides\.model: must be a string/m],
  ])('names the bad field in %j', (input, message) => {
    expect(() => readRunRequest(input)).toThrow(message);
  });

  it('throws InvalidStoryboardError (what Prepare reports by name)', () => {
    expect(() => readRunRequest({})).toThrow(expect.objectContaining({ name: 'InvalidStoryboardError' }));
  });
});

describe('inputProblem', () => {
  it.each(['{"storyboard":{}}', '{"source":{"key":"inbox/a.json"}}'])('is null for the right shape: %s', (input) => {
    expect(inputProblem(input)).toBeNull();
  });

  it.each(['"text"', '[1]', 'null', '42', '{}'])('names the expected shape for %s', (input) => {
    expect(inputProblem(input)).toMatch(new RegExp(`^\\(execution input\\): the execution input must be .*; got ${input.replace(/[[\]{}]/g, '\\$&')}$`));
  });

  it.each([undefined, null, '{broken'])('says when there is no JSON at all (%s)', (input) => {
    expect(inputProblem(input)).toMatch(/^the execution input is not JSON/);
  });
});
