import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { createDocumentBatcher, modelOn } from '@tthc/platform';
import {
  COUNTER_AGENCIES_ID,
  COUNTER_BACKFILL_ID,
  COUNTER_ROLLUP_ID,
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
import { cellsOf, counterKey, isDetailedDocId, rollUpOf, splitCounterKey, type Contribution } from '../domain/delay-counters';

const ROLLUP_WRITE_BATCH = 500;

const toCells = (c: Contribution): ContributionDocument['cells'] => [...c].map(([k, n]) => {
  const { doc, path } = splitCounterKey(k);
  return [doc, path, n];
});
const fromCells = (cells: ContributionDocument['cells'] | undefined): Contribution => new Map((cells ?? []).map(([doc, path, n]) => [counterKey(doc, path), n]));

const contributionSchema = new Schema<ContributionDocument>(
  { _id: { type: String, required: true }, revision: { type: Number, required: true }, incarnation: { type: Schema.Types.Mixed, default: null }, cells: { type: Schema.Types.Mixed, default: [] }, pending: Boolean },
  { collection: COLLECTIONS.reportingContributions, versionKey: false },
);
/** The contributions as a model: what `createDocumentBatcher` batches the claims of. */
const contributionModel = (conn: Connection): Model<ContributionDocument> => modelOn(conn, 'ReportingContribution', contributionSchema);

/** Counter keys as one `{ path: n }` object per document: an update's `$inc` or `$set`. */
function pathsByDocument(counters: Contribution): Map<string, Record<string, number>> {
  const byDoc = new Map<string, Record<string, number>>();
  for (const [k, n] of counters) {
    const { doc, path } = splitCounterKey(k);
    const paths = byDoc.get(doc) ?? {};
    paths[path] = n;
    byDoc.set(doc, paths);
  }
  return byDoc;
}

/** reporting's counters in MongoDB (`@tthc/read-models` declares the documents), read and written by `_id` only. */
export function createMongoDelayCounterStore(conn: Connection): DelayCounterStore & {
  init(): Promise<void>;
  backfilled(): Promise<boolean>;
  markBackfilled(at: Date): Promise<void>;
  rolledUp(): Promise<boolean>;
  rebuildRollUp(at: Date): Promise<number>;
} {
  const counters = counterDocuments(conn);
  const contributions = contributionDocuments(conn);
  const batch = createDocumentBatcher(contributionModel(conn));
  return {
    init: () => createCounterIndexes(conn),
    async contributions(codes) {
      const docs = await readContributions(conn, codes);
      return new Map([...docs].map(([code, d]) => [code, { revision: d.revision, incarnation: d.incarnation ?? null, contribution: fromCells(d.cells), pending: d.pending === true }]));
    },
    async claim(claims) {
      const doc = (c: (typeof claims)[number]) => ({ revision: c.revision, incarnation: c.incarnation ?? null, cells: toCells(c.contribution), pending: true });
      // One unordered bulk write for the whole batch, shared with the other lanes counting at
      // the same moment: a first count inserts (a duplicate key is another instance that
      // counted the subject first), a later one sets if the revision is still the one read.
      const won = await Promise.all(claims.map((c) => (c.from === null ? batch.insert({ _id: c.code, ...doc(c) }) : batch.updateIf(c.code, { revision: c.from }, doc(c)))));
      return new Set(claims.filter((_, i) => won[i]).map((c) => c.code));
    },
    async apply(delta, agencies) {
      const byDoc = pathsByDocument(delta);
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
      // The first fill counted through `apply`, which moves the roll-up too.
      await counters.updateOne({ _id: COUNTER_ROLLUP_ID }, { $set: { rolledUpAt: at } }, { upsert: true });
      await counters.updateOne({ _id: COUNTER_BACKFILL_ID }, { $set: { backfilledAt: at } }, { upsert: true });
    },
    async rolledUp() {
      return (await counters.findOne({ _id: COUNTER_ROLLUP_ID })) !== null;
    },
    /**
     * Sums the detailed counters into the roll-up anew, for counters kept before the roll-up
     * existed; returns the roll-up documents written. Run before the consumer starts: an
     * instance counting meanwhile (an older one during a rolling upgrade) moves the detailed
     * counters without the roll-up, so upgrade with the older instances stopped.
     */
    async rebuildRollUp(at) {
      const rolled: Contribution = new Map();
      for await (const d of counters.find({}, { projection: { c: 1 } })) {
        if (!isDetailedDocId(d._id)) continue;
        for (const [k, n] of rollUpOf(cellsOf(d._id, d))) rolled.set(k, (rolled.get(k) ?? 0) + n);
      }
      const byDoc = pathsByDocument(rolled);
      const old = (await counters.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id).filter((id) => !id.startsWith('~') && !isDetailedDocId(id));
      if (old.length > 0) await counters.deleteMany({ _id: { $in: old } });
      const writes = [...byDoc].map(([_id, set]) => ({ updateOne: { filter: { _id }, update: { $set: set }, upsert: true } }));
      for (let i = 0; i < writes.length; i += ROLLUP_WRITE_BATCH) await counters.bulkWrite(writes.slice(i, i + ROLLUP_WRITE_BATCH), { ordered: false });
      await counters.updateOne({ _id: COUNTER_VERSION_ID }, { $inc: { v: 1 } }, { upsert: true });
      await counters.updateOne({ _id: COUNTER_ROLLUP_ID }, { $set: { rolledUpAt: at } }, { upsert: true });
      return byDoc.size;
    },
  };
}

/** The stored subjects of these codes, as counting reads them (workflow's `dossiers`). */
export const storedSubjects = (conn: Connection, codes: readonly string[]): Promise<CountedSubject[]> => countedSubjects(conn, codes);

/** Every stored subject, in batches (the counters' first fill). */
export const everyStoredSubject = (conn: Connection, batchSize: number): AsyncGenerator<CountedSubject[]> => allCountedSubjects(conn, batchSize);
