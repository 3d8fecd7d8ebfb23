// Deterministic orderings for tests: a handler wrapped so that it waits at a gate the test opens,
// and says when it got there and how it finished. No sleeps: tests wait on these promises.
import type { AnyHandler } from '../../local/handlers';

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Rejects after `ms` with a message naming what was awaited (a deadline, not a delay). */
export function within<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export type Settled = { ok: true; value: unknown } | { ok: false; error: Error };

/** One pass through a gated handler: `arrived` when it reaches the gate, `open()` to let it go on, `settled` at the end. */
export interface GatePass {
  arrived: Promise<void>;
  open: () => void;
  settled: Promise<Settled>;
}

/**
 * Wraps `real` so that the next call stops at a gate `before` or `after` the real handler runs.
 * Calls made while no pass is armed go straight through.
 */
export function gatedHandler(real: AnyHandler) {
  let armed: { where: 'before' | 'after'; arrived: Deferred; gate: Deferred; settled: Deferred<Settled> } | null = null;
  const handler: AnyHandler = async (event) => {
    const pass = armed;
    armed = null;
    if (!pass) return real(event);
    try {
      if (pass.where === 'before') {
        pass.arrived.resolve();
        await pass.gate.promise;
      }
      const value = await real(event);
      if (pass.where === 'after') {
        pass.arrived.resolve();
        await pass.gate.promise;
      }
      pass.settled.resolve({ ok: true, value });
      return value;
    } catch (error) {
      pass.arrived.resolve();
      pass.settled.resolve({ ok: false, error: error as Error });
      throw error;
    }
  };
  const arm = (where: 'before' | 'after'): GatePass => {
    armed = { where, arrived: deferred(), gate: deferred(), settled: deferred<Settled>() };
    return { arrived: armed.arrived.promise, open: armed.gate.resolve, settled: armed.settled.promise };
  };
  return { handler, arm };
}
