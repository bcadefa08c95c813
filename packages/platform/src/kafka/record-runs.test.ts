import { inRunsOfBytes } from './record-runs';

describe('inRunsOfBytes', () => {
  const record = (key: string, bytes: number) => ({ key, value: 'v'.repeat(bytes - key.length) });

  test('when records pass the limit together, then they go in consecutive runs under it, in order, none lost', () => {
    const records = Array.from({ length: 10 }, (_, i) => record(`k${i}`, 300));
    const runs = inRunsOfBytes(records, 1000);
    expect(runs.map((r) => r.length)).toEqual([3, 3, 3, 1]);
    expect(runs.flat()).toEqual(records);
  });

  test("when values are buffers or null (tombstones, replayed letters), then their bytes count as a string's would", () => {
    const runs = inRunsOfBytes([{ key: 'a', value: Buffer.alloc(599) }, { key: null, value: null }, { key: Buffer.from('b'), value: 'v'.repeat(599) }], 1000);
    expect(runs.map((r) => r.length)).toEqual([2, 1]);
  });

  test('when one record alone is over the limit, then it goes in a run of its own', () => {
    const runs = inRunsOfBytes([record('a', 10), record('b', 5000), record('c', 10)], 1000);
    expect(runs.map((r) => r.map((x) => x.key))).toEqual([['a'], ['b'], ['c']]);
  });
});
