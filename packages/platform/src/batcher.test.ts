import { createBatcher, type Settled } from './batcher';
import { classifyFailure } from './kafka/failure-class';

function recordingRunner<O>(answer: (item: number) => Settled<O>) {
  const batches: number[][] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const run = async (items: readonly number[]) => {
    batches.push([...items]);
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    return items.map(answer);
  };
  return { batches, run, holdNext: () => (hold = true), releaseNow: () => ((hold = false), release?.()) };
}

describe('createBatcher', () => {
  test('when many callers call in the same tick, then the runner receives them as one batch and each gets its own answer', async () => {
    const runner = recordingRunner((n) => ({ value: n * 10 }));
    const call = createBatcher(runner.run);
    const answers = await Promise.all([1, 2, 3, 4].map(call));
    expect(answers).toEqual([10, 20, 30, 40]);
    expect(runner.batches).toEqual([[1, 2, 3, 4]]);
  });

  test('when one item settles with an error, then only its caller fails', async () => {
    const runner = recordingRunner((n) => (n === 2 ? { error: new Error('two is refused') } : { value: n }));
    const call = createBatcher(runner.run);
    const answers = await Promise.allSettled([1, 2, 3].map(call));
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((answers[1] as PromiseRejectedResult).reason).toEqual(new Error('two is refused'));
  });

  test('when the runner throws because a dependency is away, then every caller of that batch fails with its error, and later calls run again', async () => {
    let down = true;
    const call = createBatcher(async (items: readonly number[]) => {
      if (down) throw Object.assign(new Error('store away'), { name: 'MongoNetworkError' });
      return items.map((n) => ({ value: n }));
    });
    const failed = await Promise.allSettled([1, 2].map(call));
    expect(failed.map((a) => (a.status === 'rejected' ? (a.reason as Error).message : 'ok'))).toEqual(['store away', 'store away']);
    down = false;
    await expect(call(3)).resolves.toBe(3);
  });

  test('when calls are made while a batch is in flight, then they wait and go out together next, in call order', async () => {
    const runner = recordingRunner((n) => ({ value: n }));
    const call = createBatcher(runner.run);
    runner.holdNext();
    const first = call(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.batches).toEqual([[1]]);
    const later = [2, 3, 4].map(call);
    runner.releaseNow();
    await Promise.all([first, ...later]);
    expect(runner.batches).toEqual([[1], [2, 3, 4]]);
  });

  test('when the runner throws for another reason, then the batch is retried item by item and only the bad item fails', async () => {
    const runner = recordingRunner((n) => ({ value: n }));
    const call = createBatcher(async (items: readonly number[]) => {
      if (items.includes(2)) throw new RangeError('item 2 is too large');
      return runner.run(items);
    });
    const answers = await Promise.allSettled([1, 2, 3].map(call));
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(runner.batches).toEqual([[1], [3]]);
  });

  test('when more callers wait than a batch may hold, then they are cut into batches of at most that size', async () => {
    const runner = recordingRunner((n) => ({ value: n }));
    const call = createBatcher(runner.run, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map(call));
    expect(runner.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  test('when the runner answers fewer items than it was given, then the unanswered callers fail rather than hang', async () => {
    const call = createBatcher(async (items: readonly number[]) => items.slice(1).map((n) => ({ value: n })));
    const answers = await Promise.allSettled([1, 2].map(call));
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected']);
  });

  test('when a batch never settles, then its callers fail as an outage after the time limit and later calls go out in the next batch', async () => {
    let first = true;
    const call = createBatcher(
      async (items: readonly number[]) => {
        if (first) {
          first = false;
          // An operation the driver never settles.
          return new Promise<never>(() => undefined);
        }
        return items.map((n) => ({ value: n }));
      },
      { timeoutMs: 50, dependency: 'mongodb' },
    );
    const stuck = await Promise.allSettled([1, 2].map(call));
    expect(stuck.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    const reason = (stuck[0] as PromiseRejectedResult).reason as Error;
    expect(reason.message).toMatch(/mongodb did not answer a batch of 2 within 50 ms/);
    expect(classifyFailure(reason).kind).toBe('dependency');
    expect(await Promise.all([3, 4].map(call))).toEqual([3, 4]);
  });
});
