import { sleep, waitFor } from '@tthc/testkit';
import { watchSchedules } from './scheduler-watch';

// The watch's calls to Redis are covered on the real Redis by sla's redis-loss test and
// workflow's lifecycle test; these pin down its own rules with a plain function in their place.
const EVERY_MS = 500; // ticks every 250 ms

test('when a check is still running at the next tick, then no second check starts', async () => {
  let calls = 0;
  let finish: (ids: string[]) => void = () => undefined;
  const restored: (readonly string[])[] = [];
  const errors: Error[] = [];
  const stop = watchSchedules({
    everyMs: EVERY_MS,
    restoreMissing: () => {
      calls += 1;
      return new Promise<string[]>((resolve) => (finish = resolve));
    },
    onRestored: (ids) => restored.push(ids),
    onError: (err) => errors.push(err),
  });
  try {
    await waitFor('the first check', async () => calls === 1);
    await sleep(4 * (EVERY_MS / 2));
    expect(calls).toBe(1);
    finish(['sweep']);
    await waitFor('the restored schedule to be reported', async () => restored.length === 1);
    expect(restored[0]).toEqual(['sweep']);
    await waitFor('the next check after the first one ended', async () => calls > 1);
    expect(errors).toEqual([]);
  } finally {
    stop();
  }
});

test('when a check fails, then the error is reported and the next tick checks again; nothing missing reports nothing', async () => {
  const outcomes: (() => Promise<string[]>)[] = [
    () => Promise.reject(new Error('Redis is away')),
    () => Promise.resolve([]),
    () => Promise.resolve(['reconcile', 'delay-counts']),
  ];
  const errors: string[] = [];
  const restored: (readonly string[])[] = [];
  let calls = 0;
  const stop = watchSchedules({
    everyMs: EVERY_MS,
    restoreMissing: () => (outcomes[calls++] ?? (() => Promise.resolve([])))(),
    onRestored: (ids) => restored.push(ids),
    onError: (err) => errors.push(err.message),
  });
  try {
    await waitFor('three checks', async () => calls >= 3 && restored.length === 1);
    expect(errors).toEqual(['Redis is away']);
    expect(restored).toEqual([['reconcile', 'delay-counts']]);
  } finally {
    stop();
  }
});

test('when the watch is stopped, then it checks no more', async () => {
  let calls = 0;
  const stop = watchSchedules({ everyMs: EVERY_MS, restoreMissing: async () => { calls += 1; return []; }, onRestored: () => undefined, onError: () => undefined });
  await waitFor('a first check', async () => calls >= 1);
  stop();
  const seen = calls;
  await sleep(4 * (EVERY_MS / 2));
  expect(calls).toBe(seen);
});
