// Waiting in tests without fixed sleeps: on an emitter's event, or on a condition that is checked
// until a deadline. Both fail with a message naming what never happened.
import type { EventEmitter } from 'node:events';

/** Resolves with the first `event` whose arguments satisfy `match`; rejects after `timeoutMs`. */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  match: (...args: A) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<A> {
  return new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      if (!match(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as A);
    };
    emitter.on(event, listener);
  });
}

/**
 * For state that announces nothing (an object in S3, an HTTP answer): checks `probe` until it returns
 * a truthy value, and fails after `timeoutMs`.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
