import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { createDocumentBatcher, modelOn } from '@tthc/platform';
import {
  COUNTER_AGENCIES_ID,
  COUNTER_BACKFILL_ID,
  COUNTER_ROLLUP_ID,
  COUNTER_VERSION_ID,
  COUNTER_SATISFACTION_ID,
  COUNTER_ANSWERED_PETITIONS_ID,
  allCountedSubjects,
  answeredPetitionCodes,
  contributionDocuments,
  countedSubjects,
  counterDocuments,
  createCounterIndexes,
  readContributions,
  namedDossiers,
  readCounterDocuments,
  satisfactionSubjectCodes,
  subjectsNaming,
  type ContributionDocument,
  type CountedSubject as ReadModelCountedSubject,
} from '@tthc/read-models';
import type { CountedSubject, DelayCounterStore } from '../domain/count-subjects.use-case';
import { cellsOf, counterKey, encodeField, isDetailedDocId, rollUpOf, splitCounterKey, type Contribution } from '../domain/delay-counters';

const ROLLUP_WRITE_BATCH = 500;
const APPLY_ATTEMPTS = 5;
const DUPLICATE_KEY = 11000;

/** Runs an unordered bulk write of upserts; the indexes of the writes that hit a duplicate key. */
async function upsertDuplicates(write: () => Promise<unknown>): Promise<Set<number>> {
  try {
    await write();
    return new Set();
  } catch (err) {
    const errors = (err as { writeErrors?: Array<{ index: number; code: number }> | { index: number; code: number } }).writeErrors;
    const list = errors === undefined ? [] : Array.isArray(errors) ? errors : [errors];
    if (list.length === 0 || !list.every((e) => e.code === DUPLICATE_KEY)) throw err;
    return new Set(list.map((e) => e.index));
  }
}

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

/** The counters' store with the one-time fills' markers (first fill, roll-up, recounts). */
export interface MongoDelayCounterStore extends DelayCounterStore {
  init(): Promise<void>;
  backfilled(): Promise<boolean>;
  markBackfilled(at: Date): Promise<void>;
  rolledUp(): Promise<boolean>;
  rebuildRollUp(at: Date): Promise<number>;
  recounted(step: RecountStep): Promise<boolean>;
  markRecounted(step: RecountStep, at: Date): Promise<void>;
}

/**
 * The one-time recounts a start runs over counters kept by an earlier version, each done once
 * per store: the satisfaction counters, and petitions answered and awaiting publication.
 */
export type RecountStep = 'satisfaction' | 'answered-petitions';
const RECOUNT_MARKS: Record<RecountStep, string> = { satisfaction: COUNTER_SATISFACTION_ID, 'answered-petitions': COUNTER_ANSWERED_PETITIONS_ID };

/** reporting's counters in MongoDB (`@tthc/read-models` declares the documents), read and written by `_id` only. */
export function createMongoDelayCounterStore(conn: Connection): MongoDelayCounterStore {
  const counters = counterDocuments(conn);
  const contributions = contributionDocuments(conn);
  const batch = createDocumentBatcher(contributionModel(conn));
  return {
    init: () => createCounterIndexes(conn),
    async contributions(codes) {
      const docs = await readContributions(conn, codes);
      return new Map(
        [...docs].map(([code, d]) => {
          const parts = (d.parts ?? []).map((p) => ({ token: p.token, at: p.at, delta: fromCells(p.cells) }));
          return [code, { revision: d.revision, incarnation: d.incarnation ?? null, contribution: fromCells(d.cells), pending: parts.length > 0 || d.pending === true, parts, settles: d.s ?? 0 }];
        }),
      );
    },
    async claim(claims) {
      const at = new Date();
      const doc = (c: (typeof claims)[number]) => ({
        revision: c.revision,
        incarnation: c.incarnation ?? null,
        cells: toCells(c.contribution),
        parts: c.parts.map((p) => ({ token: p.token, at: p.at ?? at, cells: toCells(p.delta) })),
      });
      // One unordered bulk write for the whole batch, shared with the other lanes counting at
      // the same moment: a first count inserts (a duplicate key is another instance that
      // counted the subject first), a later one sets if the revision and settles are still the
      // ones read (a settle meanwhile took a part this claim would bring back).
      const won = await Promise.all(
        claims.map((c) => (c.from === null ? batch.insert({ _id: c.code, ...doc(c) }) : batch.updateIf(c.code, { revision: c.from, s: c.fromSettles === 0 ? null : c.fromSettles }, doc(c)))),
      );
      return new Set(claims.filter((_, i) => won[i]).map((c) => c.code));
    },
    async apply(delta, agencies, token, again = false) {
      const byDoc = pathsByDocument(delta);
      // The version moves with every counted change of a subject, even one that leaves the
      // counts as they were: the sub-scores' ETag also covers a dossier's ratings and the
      // petitions naming it, which change the subject but no delay count.
      if (byDoc.size === 0) {
        if (agencies.length > 0) await counters.updateOne({ _id: COUNTER_VERSION_ID }, { $inc: { v: 1 } }, { upsert: true });
        return;
      }
      // The agencies are known before their counters move: a key reading part of a province
      // subtracts the agencies it does not read from the province's per-procedure counters, so
      // an agency counted there but not yet listed would show through to the key.
      await counters.updateOne({ _id: COUNTER_AGENCIES_ID }, { $addToSet: { codes: { $each: [...agencies] } } }, { upsert: true });
      // A first apply writes every document once and marks it with the token. A batch applied
      // again (recovered, maybe by two instances at once) writes only where the token is absent.
      let ids = [...byDoc.keys()];
      for (let attempt = 0; ids.length > 0; attempt++) {
        if (attempt === APPLY_ATTEMPTS) throw new Error(`counter documents ${ids.slice(0, 3).join(', ')} kept answering a duplicate key`);
        const duplicates = await upsertDuplicates(() =>
          counters.bulkWrite(
            ids.map((_id) => ({ updateOne: { filter: again ? { _id, t: { $ne: token } } : { _id }, update: { $inc: byDoc.get(_id)!, $push: { t: token } }, upsert: true } })),
            { ordered: false },
          ),
        );
        // A duplicate key is a document that already took this token, or one another writer
        // created first, which is written again.
        const taken = duplicates.size === 0 ? new Set<string>() : new Set((await counters.find({ _id: { $in: ids.filter((_, i) => duplicates.has(i)) }, t: token }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
        ids = ids.filter((id, i) => duplicates.has(i) && !taken.has(id));
      }
      await counters.updateOne({ _id: COUNTER_VERSION_ID }, { $inc: { v: 1 } }, { upsert: true });
    },
    async settle(token, codes, docs) {
      if (codes.length > 0) {
        await contributions.bulkWrite(
          codes.map((code) => ({ updateOne: { filter: { _id: code }, update: { $pull: { parts: { token } }, $inc: { s: 1 }, $unset: { pending: '' } } } })),
          { ordered: false },
        );
      }
      // Only now may the documents forget the token: no part of it is left to apply again.
      if (docs.length > 0) await counters.updateMany({ _id: { $in: [...docs] } }, { $pull: { t: token } });
    },
    async pendingParts(before) {
      const docs = await contributions.find({ 'parts.at': { $lt: before } }, { projection: { parts: 1 } }).toArray();
      return docs.flatMap((d) => (d.parts ?? []).filter((p) => p.at < before).map((p) => ({ code: d._id, part: { token: p.token, at: p.at, delta: fromCells(p.cells) } })));
    },
    read: (ids, only) => readCounterDocuments(conn, ids, only ? [`c.${encodeField(only.procedure)}`] : undefined),
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
      // The first fill counted through `apply`, which moves the roll-up and the satisfaction counters too.
      for (const id of Object.values(RECOUNT_MARKS)) await counters.updateOne({ _id: id }, { $set: { countedAt: at } }, { upsert: true });
      await counters.updateOne({ _id: COUNTER_ROLLUP_ID }, { $set: { rolledUpAt: at } }, { upsert: true });
      await counters.updateOne({ _id: COUNTER_BACKFILL_ID }, { $set: { backfilledAt: at } }, { upsert: true });
    },
    async recounted(step) {
      return (await counters.findOne({ _id: RECOUNT_MARKS[step] })) !== null;
    },
    async markRecounted(step, at) {
      await counters.updateOne({ _id: RECOUNT_MARKS[step] }, { $set: { countedAt: at } }, { upsert: true });
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

/**
 * A petition's satisfaction count depends on the dossier it names too, so the revision counted
 * orders both: the subject's own first, then the named dossier's (0 when it names none). Every
 * path reads the subject before the dossier it names, so the last count of either reads the
 * newest of both, which no earlier read outranks. Every subject's revision is scaled alike, so
 * the order holds whatever a code names in each revision.
 */
export const NAMED_REVISION_SPAN = 2 ** 20;

/** Adds what the satisfaction counters read: each subject's ratings and, for a petition, the dossier it names as stored now. */
async function withSatisfaction(conn: Connection, subjects: ReadModelCountedSubject[]): Promise<CountedSubject[]> {
  const named = await namedDossiers(conn, [...new Set(subjects.flatMap((s) => (s.concernsDossierCode ? [s.concernsDossierCode] : [])))]);
  return subjects.map(({ ratings, concernsDossierCode, receivedAtIso, ...s }) => {
    const dossier = concernsDossierCode ? named.get(concernsDossierCode) : undefined;
    const counted = dossier && dossier.subject !== 'petition' ? dossier : null;
    return {
      ...s,
      revision: s.revision * NAMED_REVISION_SPAN + Math.min(dossier?.revision ?? 0, NAMED_REVISION_SPAN - 1),
      satisfaction: { ratings, concerns: concernsDossierCode ? { receivedAt: receivedAtIso, dossier: counted } : null },
    };
  });
}

/**
 * The stored subjects of these codes, as counting reads them (workflow's `dossiers`), and the
 * subjects naming any of them: a petition's satisfaction count follows the dossier it names.
 */
export async function storedSubjects(conn: Connection, codes: readonly string[]): Promise<CountedSubject[]> {
  const subjects = await countedSubjects(conn, codes);
  const dossiers = subjects.filter((s) => s.record.subject !== 'petition').map((s) => s.record.code);
  const seen = new Set(subjects.map((s) => s.record.code));
  const naming = (await subjectsNaming(conn, dossiers)).filter((c) => !seen.has(c));
  return withSatisfaction(conn, [...subjects, ...(await countedSubjects(conn, naming))]);
}

/** Every stored subject, in batches (the counters' first fill). */
export async function* everyStoredSubject(conn: Connection, batchSize: number): AsyncGenerator<CountedSubject[]> {
  for await (const batch of allCountedSubjects(conn, batchSize)) yield withSatisfaction(conn, batch);
}

async function* countedBatches(conn: Connection, batches: AsyncIterable<string[]>): AsyncGenerator<CountedSubject[]> {
  for await (const codes of batches) yield withSatisfaction(conn, await countedSubjects(conn, codes));
}

/** Every subject with a rating or naming a dossier, in batches, as counting reads them: the satisfaction counters' fill over counters kept before them. */
export const satisfactionSubjects = (conn: Connection, batchSize: number) => countedBatches(conn, satisfactionSubjectCodes(conn, batchSize));

/** Every petition answered and awaiting publication, in batches, as counting reads it: counted once more over counters that held them open. */
export const answeredPetitions = (conn: Connection, batchSize: number) => countedBatches(conn, answeredPetitionCodes(conn, batchSize));
