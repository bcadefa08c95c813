import { mongo } from 'mongoose';
import { compileLauncher, type LauncherPool } from './support/launcher';

/**
 * The launcher's secondary indexes (infra/mongo/RangeIndex.java) may only narrow which documents
 * mongo-java-server reads, never change an answer. Two servers run side by side, one with the
 * indexes and one as the library is published; the same random writes go to both, and every
 * query must answer the same documents in the same order.
 */
// Two JVMs and 600 compared queries: about a minute on an idle 2-core machine, several under load.
jest.setTimeout(480_000);

let launcher: LauncherPool;
const startServer = (args: string[]) => launcher.start(args, 'range_index');

beforeAll(() => {
  launcher = compileLauncher();
});

afterAll(async () => {
  await launcher?.close();
});

/** A small deterministic generator, so a failure can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

const BASE = Date.UTC(2026, 0, 1);
// Around the prefix 'G01.': one inside it above most characters, and its successor, which is outside.
// And a sub-document, which an index entry holds as a key value that is not plain.
const A_VALUES = [1, 2, 2.0, 3.5, 'x', 'y', 'G01.001.000', 'G01.~x', 'G01/', null, true, -0, 7, { k: 1 }, new Date(BASE + 500 * 60_000)];

function randomDoc(r: ReturnType<typeof random>, id: number): Record<string, unknown> {
  const doc: Record<string, unknown> = { _id: `s-${String(id).padStart(5, '0')}` };
  if (r.next() < 0.9) doc['a'] = r.pick(A_VALUES);
  if (r.next() < 0.8) doc['b'] = r.int(5);
  if (r.next() < 0.85) {
    const at = new Date(BASE + r.int(1000) * 60_000);
    // Some instants as ISO strings, as documents of earlier releases hold them.
    doc['d'] = r.next() < 0.1 ? null : r.next() < 0.15 ? at.toISOString() : at;
  }
  const tagCount = r.int(4);
  if (r.next() < 0.7) doc['tags'] = Array.from({ length: tagCount }, () => r.pick(['t1', 't2', 't3', 4]));
  doc['s'] = r.pick(['open', 'closed', 'removed']);
  return doc;
}

type FastUpdate = { filter?: Record<string, unknown>; update: Record<string, unknown>; upsert?: boolean };

/**
 * Updates of the shapes the services send, and their edge cases: values equal to the stored ones
 * by the library's rules (1, 1.0 and a long 1 alike; documents by key order), fields missing,
 * null or not arrays, empty appends, an index's keys changed, a unique key taken, names the
 * library refuses, and updates matching nothing (left to the library, upserts included).
 */
const FAST_UPDATES: Array<(r: ReturnType<typeof random>) => FastUpdate> = [
  (r) => ({ update: { $set: { b: r.pick([1, new mongo.Double(1), mongo.Long.fromNumber(1), 2, new mongo.Double(2.5), -0, null]) } } }),
  (r) => ({ update: { $set: { a: r.pick(A_VALUES), s: r.pick(['open', 'closed']), d: new Date(BASE + r.int(1000) * 60_000) } } }),
  (r) => ({ update: { $set: { state: r.pick([{ x: 1, y: [1, 2] }, { y: [1, 2], x: 1 }, { x: new mongo.Double(1), y: [1, new mongo.Double(2)] }, { x: 1, y: [2, 1] }]) } } }),
  (r) => ({ update: { $push: { tags: { $each: r.pick([[], ['t1'], ['t2', 4], [{ k: 1 }]]) } } } }),
  (r) => ({ update: { $push: { history: { $each: [{ n: r.int(9) }] } }, $set: { revision: r.int(4), b: r.int(5) } } }),
  // A string the library refuses to append to, and a field no document has yet.
  () => ({ update: { $push: { s: { $each: [1] } } } }),
  (r) => ({ update: { $push: { m: { $each: [r.int(3)] } } } }),
  (r) => ({ update: { $set: { u: r.int(60) } } }),
  () => ({ update: { $set: { list: [{ $bad: 1 }] } } }),
  (r) => ({ update: { $set: { missing: r.pick([null, 0, 'v']) } } }),
  (r) => ({ filter: { s: 'removed' }, update: { $set: { b: r.int(5) } } }),
  // What an upsert inserts: ignored when the document exists, inserted with the filter's fields otherwise.
  (r) => ({ update: { $setOnInsert: { born: r.int(9), a: 'inserted' } }, upsert: true }),
  (r) => ({ filter: { s: r.pick(['open', 'no-such']) }, update: { $setOnInsert: { born: r.int(9) }, $set: { b: r.int(5) } }, upsert: true }),
  (r) => ({ filter: { s: 'no-such' }, update: { $set: { b: r.int(5), u2: r.int(1000) } }, upsert: true }),
];

/**
 * Projections of named fields, which the launcher applies itself to a read in index order, and
 * shapes it leaves to the library: arrays on a dotted path (history), `_id` named or left out,
 * sub-documents partly or not present, a fraction as the flag.
 */
const PROJECTIONS: Array<Record<string, unknown>> = [
  { a: 1, d: 1 },
  { _id: 0, s: 1, b: 1 },
  { 'state.x': 1, a: 1, 'state.y': 1 },
  { 'state.x': 1, 'state.z': 1, d: true },
  { 'state.z': 1, s: 1 },
  { 'history.n': 1, s: 1 },
  { tags: 1, _id: 1, a: true },
  { 'a.b': 1, s: 1 },
  { d: 1, state: 1 },
  { b: new mongo.Double(1), s: 1 },
  { _id: false, 'state.y': 1 },
];

function randomQuery(r: ReturnType<typeof random>): { filter: Record<string, unknown>; sort?: Record<string, 1 | -1>; skip?: number; limit?: number } {
  const t = new Date(BASE + r.int(1000) * 60_000);
  const options = [
    () => ({ filter: { a: r.pick(A_VALUES) } }),
    () => ({ filter: { a: r.pick(A_VALUES), b: r.int(5) } }),
    () => ({ filter: { a: { $in: [r.pick(A_VALUES), r.pick(A_VALUES)] } } }),
    () => ({ filter: { a: r.pick(A_VALUES), b: { $gte: r.int(5) } } }),
    () => ({ filter: { d: { $lt: t } }, sort: { d: 1 as const, _id: 1 as const }, limit: 1 + r.int(50) }),
    () => ({ filter: { d: { $gte: t, $lt: new Date(t.getTime() + 3_600_000) } } }),
    // Bounds the wrong way round (a poller whose last instant is after now): nothing, not an error.
    () => ({ filter: { s: 'open', d: { $gt: t, $lte: new Date(t.getTime() - 3_600_000) } } }),
    () => ({ filter: { $and: [{ d: { $lt: t } }, { $or: [{ d: { $gt: new Date(t.getTime() - 600_000) } }, { d: t, _id: { $gt: 's-00500' } }] }] } }),
    () => ({ filter: { d: { $lt: t }, $or: [{ s: 'open' }, { b: 1 }] }, sort: { d: 1 as const, _id: 1 as const }, limit: 20 }),
    () => ({ filter: { s: r.pick(['open', 'closed']), _id: { $gt: `s-${String(r.int(3000)).padStart(5, '0')}` } }, sort: { _id: 1 as const }, limit: 1 + r.int(100) }),
    () => ({ filter: { tags: r.pick(['t1', 't2', 't3', 4]) } }),
    () => ({ filter: { tags: { $in: ['t1', 4] }, s: 'open' } }),
    () => ({ filter: { a: null } }),
    () => ({ filter: { a: { $exists: false } } }),
    () => ({ filter: { a: { $ne: 'x' }, s: 'open' } }),
    () => ({ filter: { b: { $gt: 1 }, a: { $lte: 3 } } }),
    () => ({ filter: { tags: [] } }),
    () => ({ filter: { s: r.pick(['open', 'closed']), d: { $lt: t } }, sort: { d: 1 as const, _id: 1 as const }, limit: 1 + r.int(100) }),
    // Filters combined with $and, as the services' lists build them: each part may narrow the read.
    () => ({ filter: { $and: [{ s: 'open' }, { a: { $nin: [null, 'x'] } }, { b: r.int(5) }] }, sort: { d: 1 as const, _id: 1 as const }, limit: 1 + r.int(50) }),
    () => ({ filter: { $and: [{ s: r.pick(['open', 'closed']) }, { $and: [{ a: r.pick(A_VALUES) }, { b: { $gte: r.int(5) } }] }] } }),
    () => ({ filter: { $and: [{ a: r.pick(A_VALUES) }, { a: { $ne: 'x' } }, { d: { $lt: t } }] } }),
    // Two parts that cannot both hold: nothing, whichever part the index reads by.
    () => ({ filter: { s: 'closed', $and: [{ s: 'open' }, { d: { $gte: t } }] } }),
    // Sorted the way an index holds them after its equal keys: read in index order, the sort
    // skipped and the read stopped at skip + limit. Missing and null due instants, both
    // directions, a constant key inside the sort, a one-value $in as the equal key, and an
    // array-valued field whose index cannot give the order.
    () => ({ filter: { s: r.pick(['open', 'closed']) }, sort: { d: 1 as const, _id: 1 as const }, skip: r.int(200), limit: 1 + r.int(40) }),
    () => ({ filter: { s: 'open', d: { $gte: t } }, sort: { d: -1 as const, _id: -1 as const }, skip: r.int(20), limit: 1 + r.int(40) }),
    () => ({ filter: { s: 'open' }, sort: { s: 1 as const, d: 1 as const, _id: 1 as const }, limit: 1 + r.int(40) }),
    () => ({ filter: { $and: [{ a: { $nin: [null, 'x'] } }, { a: { $in: [r.pick(A_VALUES)] } }] }, sort: { b: 1 as const, _id: 1 as const }, skip: r.int(30), limit: 1 + r.int(30) }),
    () => ({ filter: { a: r.pick(A_VALUES) }, sort: { _id: -1 as const }, limit: 1 + r.int(30) }),
    () => ({ filter: { $and: [{ s: 'open' }, { d: { $gte: t } }, { $or: [{ d: t, _id: { $gt: 's-01000' } }, { d: { $gt: t } }] }] }, sort: { d: 1 as const, _id: 1 as const }, limit: 1 + r.int(40) }),
    () => ({ filter: { tags: r.pick(['t1', 't2', 't3', 4]) }, sort: { _id: 1 as const }, skip: r.int(10), limit: 1 + r.int(30) }),
    // Long $in lists, as batched reads by id send them: strings are looked up in a set, an
    // array-valued field or a list with another type is left to the library's comparisons.
    () => ({ filter: { _id: { $in: Array.from({ length: 8 + r.int(40) }, () => `s-${String(r.int(3200)).padStart(5, '0')}`) } } }),
    () => ({ filter: { a: { $in: ['x', 'y', 'z', 'G01.001.000', 'w', 'v', 'u', 't', ...(r.next() < 0.5 ? [2] : [])] } } }),
    () => ({ filter: { tags: { $in: ['t1', 't9', 'a', 'b', 'c', 'd', 'e', 'f'] } }, sort: { _id: 1 as const }, limit: 1 + r.int(50) }),
    // Counted from the entries of { s, b, a } (countDocuments): values held equal on its
    // leading keys, then a prefix match, as an agency scope asks; and shapes it must not count
    // that way (a key skipped, a pattern that is not a literal prefix, options, a field outside).
    () => ({ filter: { s: r.pick(['open', 'closed']), b: r.int(5), a: { $regex: r.pick(['^G01\\.', '^G0', '^x', '^G01\\.001', '^.', '^G01.', 'G01', '^[xy]', '^y$']) } } }),
    () => ({ filter: { $and: [{ s: r.pick(['open', 'closed']) }, { b: r.pick([1, 2, 2.0, 3]) }] } }),
    () => ({ filter: { $and: [{ s: 'open' }, { b: r.int(5) }, { a: { $regex: '^G01\\.' } }] }, sort: { _id: 1 as const }, limit: 1 + r.int(50) }),
    () => ({ filter: { s: 'open', a: { $regex: '^G01' } } }),
    () => ({ filter: { s: r.pick(['open', 'closed']), b: { $in: [1, 2, new mongo.Double(2), 3].slice(0, 1 + r.int(4)) } } }),
    () => ({ filter: { $and: [{ s: 'open' }, { b: r.int(5) }, { a: { $in: ['x', 'G01.001.000', 2, 7].slice(r.int(3)) } }] } }),
    () => ({ filter: { s: 'open', b: 1, a: { $regex: '^g01', $options: 'i' } } }),
    () => ({ filter: { s: 'open', b: 1, a: 'G01.001.000', u: { $exists: false } } }),
    // A key held unequal ($ne: two ranges) or to a few values, sorted by the keys after it: the
    // launcher cuts the ranges into one slice per value and merges them on the later keys, as
    // an at-risk list reads { phase, overdue: { $ne: true } } by due instant.
    () => ({ filter: { s: r.pick(['open', 'closed']), b: { $ne: r.pick([2, new mongo.Double(2), 0, 'x', true]) } }, sort: r.pick([{ d: 1 as const, _id: 1 as const }, { d: -1 as const, _id: -1 as const }, { s: 1 as const, d: 1 as const }]), skip: r.int(30), limit: 1 + r.int(40) }),
    () => ({ filter: { s: 'open', b: { $in: [1, 3, r.int(5)] } }, sort: { d: 1 as const, _id: 1 as const }, limit: 1 + r.int(60) }),
    () => ({ filter: { s: 'open', b: { $ne: 2 } }, sort: { b: 1 as const, d: 1 as const, _id: 1 as const }, limit: 1 + r.int(60) }),
    () => ({ filter: { s: 'open', d: { $gte: t } }, sort: { _id: 1 as const }, limit: 1 + r.int(60) }),
    // Counted over the entries of { s, b, d, _id, a }, which hold every field these name, the
    // query applied to their key values: the at-risk list's shape, and conditions on null and
    // missing values; those that tell a missing field from null ($exists, $type) read documents.
    () => ({ filter: { $and: [{ s: 'open' }, { a: { $regex: '^G01\\.' } }, { b: { $ne: r.int(5) }, $or: [{ a: 'x' }, { d: { $lt: t } }, { d: { $lt: t.toISOString() } }] }] }, sort: { d: 1 as const, _id: 1 as const }, limit: 1 + r.int(50) }),
    () => ({ filter: { s: r.pick(['open', 'closed']), b: { $ne: r.pick([1, 3]) }, $or: [{ a: r.pick(A_VALUES) }, { d: { $lt: t } }] } }),
    () => ({ filter: { s: 'open', $nor: [{ b: r.int(5) }], a: { $nin: [null, 'x'] } } }),
    () => ({ filter: { s: 'open', b: { $ne: 0 }, a: { $not: /^G01/ }, d: { $in: [null, t] } } }),
    () => ({ filter: { s: 'open', b: { $ne: 2 }, a: r.pick([{ $exists: true }, { $type: 'null' }, { $ne: null }, null]) } }),
    () => ({ filter: { s: 'closed', b: { $ne: 1 }, _id: { $gte: `s-${String(r.int(3000)).padStart(5, '0')}` }, a: { $in: [2, true, 'y'] } } }),
    // Plain conditions joined by "and", which the launcher decides without the library's
    // matcher: equal to a string or a boolean (against numbers, null, missing and arrays), a
    // $regex (against numbers and an array field, which matches by its elements), and parts it
    // leaves to the library beside them (a dotted path, a number, $exists).
    () => ({ filter: { s: r.pick(['open', 'closed']), a: r.pick(['x', 'G01.001.000', true, 'G01/']) } }),
    // Equal to null: missing and null alike, against values of every type and an array field
    // (which holds null or not among its elements).
    () => ({ filter: { s: r.pick(['open', 'closed']), ...r.pick([{ a: null }, { d: null }, { tags: null }, { missing: null }]) } }),
    () => ({ filter: { $and: [{ s: 'open' }, { a: { $regex: r.pick(['^G01\\.', 'x|y', '^1', '~']) } }, { tags: r.pick(['t1', 't3']) }] }, sort: { d: 1 as const, _id: 1 as const }, limit: 1 + r.int(60) }),
    () => ({ filter: { tags: { $regex: r.pick(['^t', '1$']) }, s: r.pick(['open', 'removed']) } }),
    () => ({ filter: { $and: [{ s: 'open' }, { $and: [{ a: { $regex: '^G01' } }, { 'state.x': 1 }] }, { b: { $exists: true } }] } }),
    () => ({ filter: { s: 'closed', a: r.pick([true, 'y']), b: r.int(5), _id: { $in: Array.from({ length: 9 }, () => `s-${String(r.int(3200)).padStart(5, '0')}`) } } }),
    // And $or of such parts, $ne of a string or a boolean, and an instant compared with an
    // instant (against null, missing, numbers, strings and arrays): the at-risk list's shape
    // decided whole, and parts that stay the library's beside them.
    () => ({
      filter: {
        $and: [
          { s: r.pick(['open', 'closed']) },
          { a: r.pick([{ $regex: '^G01' }, { $ne: r.pick([true, 'x', 'G01/']) }]) },
          { s: { $ne: r.pick(['removed', 'open']) }, $or: [{ a: r.pick(['x', 'G01.001.000', true]) }, { d: r.pick([{ $lt: t }, { $lte: t }, { $gt: t }, { $gte: t }]), ...(r.next() < 0.5 ? { a: null } : {}) }, ...(r.next() < 0.3 ? [{ tags: 't1' }] : [])] },
        ],
      },
      sort: { d: 1 as const, _id: 1 as const },
      limit: 1 + r.int(60),
    }),
    () => ({ filter: { tags: { $ne: r.pick(['t1', 't3']) }, $or: [{ s: 'open' }, { a: { $ne: true } }], d: r.pick([{ $lt: t }, { $gte: t }]) } }),
    // Nothing narrows the query but an index holds the order asked for from its first key: read
    // in that order, which a limit stops (the newest alerts of a province), or whole.
    () => ({
      filter: r.pick<Record<string, unknown>>([{ b: r.int(5) }, { a: { $regex: '^G01\\.' } }, {}, { b: { $gte: 2 }, s: { $ne: 'open' } }]),
      sort: r.pick([{ d: 1 as const, _id: 1 as const }, { d: -1 as const, _id: -1 as const }, { _id: -1 as const }]),
      ...(r.next() < 0.8 ? { skip: r.int(20), limit: 1 + r.int(60) } : {}),
    }),
    // One bound only, of a string or an instant, on fields holding other types too: MongoDB
    // compares within the bound's type, and the launcher stops the open side of the read at the
    // edge of that type; the answer must be the library's, whichever types lie beyond the edge.
    () => ({ filter: { d: { [r.pick(['$gt', '$gte', '$lt', '$lte'])]: r.next() < 0.5 ? t : t.toISOString() } } }),
    () => ({ filter: { s: r.pick(['open', 'closed']), d: { [r.pick(['$gt', '$gte', '$lt', '$lte'])]: r.next() < 0.5 ? t : t.toISOString() } }, sort: { _id: 1 as const }, limit: 1 + r.int(80) }),
    () => ({ filter: { a: { [r.pick(['$gt', '$gte', '$lt', '$lte'])]: r.pick(['x', 'G01.', 'G01/', '', t]) } } }),
    () => ({ filter: { $and: [{ s: 'closed' }, { d: { $gte: t.toISOString() } }, { $or: [{ a: { $lt: 'y' } }, { b: 1 }] }] } }),
    // Served by the unique { _id, s } index, which the launcher keeps on the heap.
    () => ({ filter: { _id: `s-${String(r.int(3000)).padStart(5, '0')}`, s: { $in: ['open', 'closed', 'removed'] } } }),
  ];
  return r.pick(options)();
}

describe('mongo-java-server with the launcher secondary indexes', () => {
  test('when random writes go to a server with secondary indexes and to one without, then every write answers alike, every document ends the same and every query answers the same documents in the same order', async () => {
    const [indexed, plain] = await Promise.all([startServer([]), startServer(['--no-secondary-indexes'])]);
    const both = [indexed, plain];
    for (const db of both) {
      const c = db.collection('subjects');
      await c.createIndex({ a: 1 });
      await c.createIndex({ a: 1, b: 1 });
      await c.createIndex({ d: 1, _id: 1 });
      await c.createIndex({ s: 1, _id: 1 });
      await c.createIndex({ tags: 1 });
      await c.createIndex({ _id: 1, s: 1 }, { unique: true });
      // Overlaps { s, _id }: the launcher must pick the narrower one and answer the same.
      await c.createIndex({ s: 1, d: 1 });
      // Holds the counts of the queries on its leading keys.
      await c.createIndex({ s: 1, b: 1, a: 1 });
      // Holds every field of the counts above, `a` after `_id` only so that they need no document.
      await c.createIndex({ s: 1, b: 1, d: 1, _id: 1, a: 1 });
      // A unique key other than _id, kept by the library's own index: a taken one is refused.
      await c.createIndex({ u: 1 }, { unique: true, sparse: true });
    }
    const r = random(20261201);
    const ids = Array.from({ length: 3000 }, (_, i) => i);
    const docs = ids.map((i) => randomDoc(r, i));
    for (const db of both) await db.collection('subjects').insertMany(docs.map((d) => ({ ...d })) as never[]);

    let compared = 0;
    let nonEmpty = 0;
    let fastWrites = 0;
    for (let round = 0; round < 24; round += 1) {
      // A burst of writes the indexes must follow: field changes, removals, deletes, re-inserts.
      // The launcher applies `$set`, `$setOnInsert` and `$push: { $each }` of top-level fields itself
      // (FastUpdate); their answers, refusals and results must be the library's.
      for (let w = 0; w < 50; w += 1) {
        const id = `s-${String(r.int(3000)).padStart(5, '0')}`;
        const kind = r.int(5 + FAST_UPDATES.length);
        const seedDoc = randomDoc(r, Number(id.slice(2)));
        const update = kind >= 5 ? FAST_UPDATES[kind - 5]!(r) : null;
        const write = async (db: mongo.Db) => {
          const c = db.collection<Record<string, unknown>>('subjects');
          if (kind === 0) return c.updateOne({ _id: id }, { $set: { a: seedDoc['a'] ?? 'x', d: seedDoc['d'] ?? null } });
          if (kind === 1) return c.updateOne({ _id: id }, { $unset: { d: '' }, $set: { s: seedDoc['s'] } });
          if (kind === 2) return c.updateOne({ _id: id }, { $push: { tags: 't9' } as never });
          if (kind === 3) return c.deleteOne({ _id: id });
          if (kind === 4) return c.replaceOne({ _id: id }, { ...seedDoc }, { upsert: true });
          return c.updateOne({ _id: id, ...update!.filter }, update!.update as never, { upsert: update!.upsert ?? false });
        };
        const answer = (db: mongo.Db) =>
          write(db).then(
            (res) => ({ ok: res }),
            (e: unknown) => ({ refused: (e as { code?: number }).code ?? String(e) }),
          );
        const [got, expected] = await Promise.all(both.map(answer));
        expect({ kind, update, answer: got }).toEqual({ kind, update, answer: expected });
        if (update) fastWrites += 1;
      }
      const everything = async (db: mongo.Db) => db.collection('subjects').find({}).sort({ _id: 1 }).toArray();
      const [allGot, allExpected] = await Promise.all(both.map(everything));
      expect(allGot).toEqual(allExpected);
      for (let q = 0; q < 25; q += 1) {
        const { filter, sort, skip, limit } = randomQuery(r);
        // Unsorted answers are compared by _id, so they keep it.
        const projection = r.next() < 0.5 ? r.pick(sort ? PROJECTIONS : PROJECTIONS.filter((p) => p['_id'] === undefined || p['_id'] === 1)) : undefined;
        const run = async (db: mongo.Db) => {
          let cursor = db.collection('subjects').find(filter as never, projection ? { projection } : {});
          if (sort) cursor = cursor.sort(sort);
          if (skip) cursor = cursor.skip(skip);
          if (limit) cursor = cursor.limit(limit);
          const found = await cursor.toArray();
          // Without a sort the order is the server's own; compare those as sets.
          return sort ? found : found.sort((x, y) => String(x._id).localeCompare(String(y._id)));
        };
        const [got, expected] = await Promise.all([run(indexed), run(plain)]);
        expect({ filter, sort, skip, limit, projection, found: got }).toEqual({ filter, sort, skip, limit, projection, found: expected });
        // toEqual ignores the order of fields; a projected document must also keep the library's.
        expect({ projection, fieldOrder: mongo.BSON.EJSON.stringify(got) }).toEqual({ projection, fieldOrder: mongo.BSON.EJSON.stringify(expected) });
        // The driver's countDocuments is an aggregation led by $match, which the launcher runs
        // through the indexes; so is a grouped count.
        const aggregated = async (db: mongo.Db) => ({
          count: await db.collection('subjects').countDocuments(filter as never),
          grouped: await db.collection('subjects').aggregate([{ $match: filter }, { $group: { _id: '$a', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray(),
        });
        const [aggGot, aggExpected] = await Promise.all([aggregated(indexed), aggregated(plain)]);
        expect({ filter, ...aggGot }).toEqual({ filter, ...aggExpected });
        compared += 1;
        if (expected.length > 0) nonEmpty += 1;
      }
    }
    expect(compared).toBe(600);
    expect(fastWrites).toBeGreaterThan(400);
    // The data size is computed when asked rather than kept on every write: the same figure.
    const sizes = await Promise.all(both.map((db) => db.command({ collStats: 'subjects' })));
    expect(sizes[0]!['size']).toBeGreaterThan(100_000);
    expect({ size: sizes[0]!['size'], avgObjSize: sizes[0]!['avgObjSize'] }).toEqual({ size: sizes[1]!['size'], avgObjSize: sizes[1]!['avgObjSize'] });
    // The comparison means something only if most queries found documents.
    expect(nonEmpty).toBeGreaterThan(360);
  });

  // The H2 file is what `npm start` and the cluster profile keep their data in: its documents are
  // read back from the file, so the tree meets them as the library stored them there.
  test.each(['memory', 'h2'] as const)('when a read in index order asks for named fields (%s), then every projection answers the library\'s documents with their fields in the same order', async (store) => {
    const [indexed, plain] = await Promise.all([startServer(store === 'h2' ? ['--h2', launcher.h2File('projection')] : []), startServer(['--no-secondary-indexes'])]);
    // Sub-documents holding all, some or none of the named fields, missing ones, null, arrays of
    // documents and of values on a named path, and documents without the field at all.
    // The closed ones alone hold arrays there, which send their whole read to the library.
    const states = [{ x: 1, y: [1, 2] }, { y: 'only-y' }, {}, null, 'text', { x: { deep: true, other: 1 }, z: 3 }];
    const arrays = [[{ x: 1 }, { x: 2 }], [1, 2]];
    const docs = Array.from({ length: 180 }, (_, i) => ({
      _id: `p-${String(i).padStart(4, '0')}`,
      s: i % 3 === 0 ? 'closed' : 'open',
      d: new Date(BASE + ((i * 7919) % 500) * 60_000),
      ...(i % 4 === 0 ? {} : { a: A_VALUES[i % A_VALUES.length] }),
      ...(i % 9 === 8 ? {} : { state: i % 3 === 0 && i % 2 === 0 ? arrays[i % 4 === 0 ? 0 : 1] : states[i % states.length] }),
    }));
    for (const db of [indexed, plain]) {
      await db.collection('projected').createIndex({ s: 1, d: 1, _id: 1 });
      await db.collection('projected').insertMany(docs.map((d) => ({ ...d })) as never[]);
    }
    const shapes = [...PROJECTIONS, { 'state.x.deep': 1, a: 1 }, { 'state.x': 1, 'state.z': 1 }, { 'state.z': 1 }, { d: 1, _id: 1, 'state.y': 1 }];
    for (const projection of shapes) {
      for (const [s, skip, limit] of [['open', 0, 0], ['open', 5, 30], ['closed', 0, 0]] as const) {
        const read = (db: mongo.Db) => db.collection('projected').find({ s, d: { $gte: new Date(BASE) } }, { projection }).sort({ d: 1, _id: 1 }).skip(skip).limit(limit).toArray();
        const [got, expected] = await Promise.all([read(indexed), read(plain)]);
        expect(expected.length).toBeGreaterThanOrEqual(limit === 0 ? 60 : 30);
        expect({ projection, s, skip, found: mongo.BSON.EJSON.stringify(got) }).toEqual({ projection, s, skip, found: mongo.BSON.EJSON.stringify(expected) });
      }
    }
  });

  test('when a collection on the H2 file is reopened, then its secondary index and its unique index led by _id are rebuilt from the documents and answer as before', async () => {
    const file = launcher.h2File('reopen');
    const first = await startServer(['--h2', file]);
    const c = first.collection('deadlines');
    await c.createIndex({ nextFireAt: 1, _id: 1 });
    await c.createIndex({ _id: 1, revision: 1 }, { unique: true });
    await c.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: `k-${i}`, revision: i % 3, nextFireAt: new Date(BASE + i * 1000) })) as never[]);
    const query = { nextFireAt: { $lt: new Date(BASE + 50_000) } };
    const before = await c.find(query as never).sort({ nextFireAt: 1 }).toArray();
    expect(before).toHaveLength(50);
    const byRevision = { _id: 'k-7', revision: 1 };
    expect(await c.find(byRevision as never).toArray()).toHaveLength(1);
    await launcher.stopNewest();
    const reopened = await startServer(['--h2', file]);
    expect(await reopened.collection('deadlines').find(query as never).sort({ nextFireAt: 1 }).toArray()).toEqual(before);
    // The unique index by _id and revision is on the heap too: rebuilt, it still finds the document.
    expect(await reopened.collection('deadlines').find(byRevision as never).toArray()).toEqual([{ _id: 'k-7', revision: 1, nextFireAt: new Date(BASE + 7000) }]);
    expect((await reopened.collection('deadlines').indexes()).find((i) => i.name === '_id_1_revision_1')).toMatchObject({ unique: true });
  });
});
