import type { Connection } from 'mongoose';
import {
  COUNTER_AGENCIES_ID,
  COUNTER_BACKFILL_ID,
  COUNTER_VERSION_ID,
  allCountedSubjects,
  contributionDocuments,
  countedSubjects,
  counterDocuments,
  createCounterIndexes,
  readContributions,
  readCounterDocuments,
  type ContributionDocument,
} from '@tthc/read-models';
import type { CountedSubject, DelayCounterStore } from '../domain/count-subjects.use-case';
import { counterKey, splitCounterKey, type Contribution } from '../domain/delay-counters';

const DUPLICATE_KEY = 11000;

const toCells = (c: Contribution): ContributionDocument['cells'] => [...c].map(([k, n]) => {
  const { doc, path } = splitCounterKey(k);
  return [doc, path, n];
});
const fromCells = (cells: ContributionDocument['cells'] | undefined): Contribution => new Map((cells ?? []).map(([doc, path, n]) => [counterKey(doc, path), n]));

/** reporting's counters in MongoDB (`@tthc/read-models` declares the documents), read and written by `_id` only. */
export function createMongoDelayCounterStore(conn: Connection): DelayCounterStore & {
  init(): Promise<void>;
  backfilled(): Promise<boolean>;
  markBackfilled(at: Date): Promise<void>;
} {
  const counters = counterDocuments(conn);
  const contributions = contributionDocuments(conn);
  return {
    init: () => createCounterIndexes(conn),
    async contributions(codes) {
      const docs = await readContributions(conn, codes);
      return new Map([...docs].map(([code, d]) => [code, { revision: d.revision, incarnation: d.incarnation ?? null, contribution: fromCells(d.cells), pending: d.pending === true }]));
    },
    async claim(claims) {
      const won = new Set<string>();
      const doc = (c: (typeof claims)[number]) => ({ revision: c.revision, incarnation: c.incarnation ?? null, cells: toCells(c.contribution), pending: true });
      // First counts go in one insert (the first fill is nearly all of them); a duplicate key is
      // another instance that counted the subject first.
      const fresh = claims.filter((c) => c.from === null);
      if (fresh.length > 0) {
        const lost = new Set<number>();
        try {
          await contributions.insertMany(fresh.map((c) => ({ _id: c.code, ...doc(c) })), { ordered: false });
        } catch (err) {
          const errors = (err as { writeErrors?: Array<{ index: number; code: number }> }).writeErrors;
          if (!errors || errors.length === 0 || !errors.every((e) => e.code === DUPLICATE_KEY)) throw err;
          for (const e of errors) lost.add(e.index);
        }
        fresh.forEach((c, i) => !lost.has(i) && won.add(c.code));
      }
      await Promise.all(
        claims
          .filter((c) => c.from !== null)
          .map(async (c) => {
            const r = await contributions.updateOne({ _id: c.code, revision: c.from! }, { $set: doc(c) });
            if (r.matchedCount === 1) won.add(c.code);
          }),
      );
      return won;
    },
    async apply(delta, agencies) {
      const byDoc = new Map<string, Record<string, number>>();
      for (const [k, n] of delta) {
        const { doc, path } = splitCounterKey(k);
        const inc = byDoc.get(doc) ?? {};
        inc[path] = n;
        byDoc.set(doc, inc);
      }
      // The version moves with every counted change of a subject, even one that leaves the
      // counts as they were: the sub-scores' ETag also covers a dossier's ratings and the
      // petitions naming it, which change the subject but no delay count.
      if (byDoc.size === 0) {
        if (agencies.length > 0) await counters.updateOne({ _id: COUNTER_VERSION_ID }, { $inc: { v: 1 } }, { upsert: true });
        return;
      }
      await counters.bulkWrite(
        [
          ...[...byDoc].map(([_id, inc]) => ({ updateOne: { filter: { _id }, update: { $inc: inc }, upsert: true } })),
          { updateOne: { filter: { _id: COUNTER_AGENCIES_ID }, update: { $addToSet: { codes: { $each: [...agencies] } } }, upsert: true } },
          { updateOne: { filter: { _id: COUNTER_VERSION_ID }, update: { $inc: { v: 1 } }, upsert: true } },
        ],
        { ordered: false },
      );
    },
    async settle(claims) {
      if (claims.length === 0) return;
      await contributions.bulkWrite(
        claims.map((c) => ({ updateOne: { filter: { _id: c.code, revision: c.revision }, update: { $unset: { pending: '' } } } })),
        { ordered: false },
      );
    },
    read: (ids) => readCounterDocuments(conn, ids),
    async agencies() {
      const doc = await counters.findOne({ _id: COUNTER_AGENCIES_ID });
      return doc?.codes ?? [];
    },
    async version() {
      const doc = await counters.findOne({ _id: COUNTER_VERSION_ID });
      return doc?.v ?? 0;
    },
    async backfilled() {
      return (await counters.findOne({ _id: COUNTER_BACKFILL_ID })) !== null;
    },
    async markBackfilled(at) {
      await counters.updateOne({ _id: COUNTER_BACKFILL_ID }, { $set: { backfilledAt: at } }, { upsert: true });
    },
  };
}

/** The stored subjects of these codes, as counting reads them (workflow's `dossiers`). */
export const storedSubjects = (conn: Connection, codes: readonly string[]): Promise<CountedSubject[]> => countedSubjects(conn, codes);

/** Every stored subject, in batches (the counters' first fill). */
export const everyStoredSubject = (conn: Connection, batchSize: number): AsyncGenerator<CountedSubject[]> => allCountedSubjects(conn, batchSize);
