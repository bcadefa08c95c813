import { jsonCopy } from './json-copy';

const viaText = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('jsonCopy', () => {
  test('when a value holds undefined members, dates, nested arrays and odd numbers, then the copy equals the JSON round trip', () => {
    const value = {
      a: 1,
      b: undefined,
      c: 'x',
      d: [1, undefined, null, { e: undefined, f: new Date('2026-02-13T07:00:00Z') }, () => 1],
      g: { h: { i: [[], {}], j: Number.NaN, k: Number.POSITIVE_INFINITY, l: -0 } },
      m: Symbol('s'),
      n: () => 2,
      o: true,
      p: null,
      q: new Date('2026-12-05T00:00:00.123Z'),
      r: { toJSON: () => ({ s: 1, t: undefined }) },
      u: { toJSON: () => undefined },
      v: [{ toJSON: () => undefined }],
    };
    expect(jsonCopy(value)).toEqual(viaText(value));
    expect(Object.keys(jsonCopy(value) as object)).toEqual(Object.keys(viaText(value) as object));
    expect(Object.keys((jsonCopy(value) as { d: Array<Record<string, unknown>> }).d[3]!)).toEqual(['f']);
  });

  test('when a copy is changed, then the original is not', () => {
    const value = { list: [{ n: 1 }] };
    const copied = jsonCopy(value);
    copied.list[0]!.n = 2;
    copied.list.push({ n: 3 });
    expect(value).toEqual({ list: [{ n: 1 }] });
  });

  test('when given a plain scalar or an array at the top, then it is copied like the round trip', () => {
    for (const v of [1, 'a', true, null, [undefined, 1], Number.NaN]) expect(jsonCopy(v)).toEqual(viaText(v));
  });
});
