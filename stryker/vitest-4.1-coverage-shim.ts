// Stryker's vitest runner 9.5.1 stores per-test coverage and hit counts with `afterAll(({ meta }) =>`,
// which vitest 4.1 no longer supports (the suite is now the hook's second argument): every mutant then
// runs all related tests and incremental runs cannot see new tests (stryker-js#5928, fixed in 9.6.1).
// This setup file records them where vitest 4.1 keeps them. Remove it after upgrading to ≥ 9.6.1.
import { afterAll, inject } from 'vitest';

type StrykerNamespace = { mutantCoverage?: unknown; hitCount?: number };
const read = (key: string) => (inject as (key: string) => unknown)(key);
const namespace = read('globalNamespace') as string | undefined;

if (namespace) {
  const mode = read('mode');
  // vitest reads the first parameter as a fixture pattern: it must be an (empty) destructure.
  // eslint-disable-next-line no-empty-pattern
  afterAll(({}, suite) => {
    const ns = (globalThis as unknown as Record<string, StrykerNamespace | undefined>)[namespace];
    const meta = suite.meta as Record<string, unknown>;
    if (mode === 'mutant') meta.hitCount = ns?.hitCount;
    else meta.mutantCoverage = ns?.mutantCoverage;
  });
}
