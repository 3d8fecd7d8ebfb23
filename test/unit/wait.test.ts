// The test waits themselves: they resolve on the event or condition and fail at the deadline, naming it.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { nextEvent, waitUntil } from '../support/wait';

describe('nextEvent', () => {
  it('resolves with the arguments of the first matching event only', async () => {
    const emitter = new EventEmitter();
    const waiting = nextEvent<[number]>(emitter, 'tick', (n) => n > 1, 'a tick above 1', 1000);
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    await expect(waiting).resolves.toEqual([2]);
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('rejects at the deadline with what it waited for, and unsubscribes', async () => {
    const emitter = new EventEmitter();
    await expect(nextEvent(emitter, 'tick', () => true, 'a tick', 30)).rejects.toThrow(/30 ms waiting for a tick/);
    expect(emitter.listenerCount('tick')).toBe(0);
  });
});

describe('waitUntil', () => {
  it('returns the first truthy value of the probe', async () => {
    let calls = 0;
    await expect(waitUntil('three calls', () => ++calls >= 3 && calls, { intervalMs: 1 })).resolves.toBe(3);
  });

  it('rejects at the deadline with what it waited for', async () => {
    await expect(waitUntil('never', () => false, { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow(/30 ms waiting for never/);
  });
});
