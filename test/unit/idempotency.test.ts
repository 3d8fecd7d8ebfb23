// Identities and fingerprints of requests that may come twice: stable for the same request,
// different for anything that should be a different run.
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_PATTERN, apiRequestOnce, bareEtag, canonicalJson, uploadOnce } from '../../functions/domain/idempotency';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('drops undefined values as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

describe('apiRequestOnce', () => {
  const board = { title: 'T', scenes: [{ prompt: 'p' }] };

  it('is the same for the same key and an equal request in any key order', () => {
    const a = apiRequestOnce('k-1', { storyboard: board, overrides: { model: 'ltx-2-pro' } });
    const b = apiRequestOnce('k-1', { overrides: { model: 'ltx-2-pro', strategy: undefined }, storyboard: { scenes: [{ prompt: 'p' }], title: 'T' } });
    expect(b).toEqual(a);
    expect(a.identity).toMatch(/^[0-9a-f]{64}$/);
  });

  it('has another identity for another key, and another fingerprint for another request', () => {
    const a = apiRequestOnce('k-1', { storyboard: board });
    expect(apiRequestOnce('k-2', { storyboard: board }).identity).not.toBe(a.identity);
    const other = apiRequestOnce('k-1', { storyboard: board, overrides: { model: 'ltx-2-pro' } });
    expect(other.identity).toBe(a.identity);
    expect(other.fingerprint).not.toBe(a.fingerprint);
  });

  it('names the key in its conflict message', () => {
    expect(apiRequestOnce('order-7', { storyboard: board }).conflict).toBe(
      'Idempotency-Key "order-7" was already used with a different request; use a new key for a new run',
    );
  });
});

describe('uploadOnce', () => {
  const upload = { bucket: 'b', key: 'inbox/a.json', etag: '"0123abcd"' };

  it('ignores the quotes S3 puts around ETags', () => {
    expect(uploadOnce({ ...upload, etag: '0123abcd' })).toEqual(uploadOnce(upload));
    expect(bareEtag('W/"x"')).toBe('x');
  });

  it.each([
    ['bucket', { bucket: 'other' }],
    ['key', { key: 'inbox/b.json' }],
    ['ETag', { etag: 'ffff' }],
    ['version', { versionId: 'v2' }],
  ])('changes with the %s', (_what, change) => {
    expect(uploadOnce({ ...upload, ...change }).identity).not.toBe(uploadOnce(upload).identity);
  });

  it('cannot be confused by separators inside the parts', () => {
    expect(uploadOnce({ bucket: 'a/b', key: 'c', etag: 'e' }).identity).not.toBe(uploadOnce({ bucket: 'a', key: 'b/c', etag: 'e' }).identity);
  });
});

describe('IDEMPOTENCY_KEY_PATTERN', () => {
  it.each(['a', '3f2c1d7e-8b9a-4c5d-9e0f-112233445566', 'x'.repeat(255), 'order#7:retry'])('accepts %j', (key) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(true);
  });
  it.each(['', 'x'.repeat(256), 'a b', 'tab\there', 'é'])('refuses %j', (key) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(false);
  });
});
