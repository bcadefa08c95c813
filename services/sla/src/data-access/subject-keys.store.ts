import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { createBatcher, createDocumentBatcher, type Settled } from '@tthc/platform';

/**
 * The deadline keys sla has ever stored for a subject, one document per subject code.
 *
 * A snapshot with no deadline entries (a dossier submitted online and not yet received, a
 * subject known only by an alert) must still settle whatever entries the subject had before, and
 * those are found by subject code. MongoDB answers that from a secondary index; the MongoDB-wire
 * stand-in used without Docker uses only unique indexes whose keys equal the filter's, so there
 * each such snapshot scanned every deadline while holding the collection. Reading this document
 * by `_id` and then the entries by `_id $in` costs two indexed reads everywhere.
 */
interface SubjectKeysDoc {
  _id: string;
  keys: string[];
}

// Codes are non-empty (contracts' boundedCode), so the empty id cannot name a subject: it marks
// that every entry written before this collection existed has been indexed.
const BACKFILLED_ID = '';
const BACKFILL_CHUNK = 1000;

const schema = new Schema<SubjectKeysDoc>({ _id: String, keys: { type: [String], default: [] } }, { collection: COLLECTIONS.deadlineKeys, versionKey: false });

export interface SubjectKeysStore {
  /** Indexes the entries stored before this collection existed, once per deployment. */
  init(deadlines: Model<never>): Promise<void>;
  /** Records `key` before its entry is inserted, so the index is never missing a stored entry. */
  add(subjectCode: string, key: string): Promise<void>;
  /** The keys of the subject; null while the backfill has not finished (the caller scans). */
  keysOf(subjectCode: string): Promise<string[] | null>;
}

export function createSubjectKeysStore(conn: Connection): SubjectKeysStore {
  const model = (conn.models['SlaDeadlineKeys'] as Model<SubjectKeysDoc> | undefined) ?? conn.model<SubjectKeysDoc>('SlaDeadlineKeys', schema);
  const reads = createDocumentBatcher(model);
  let backfilled = false;
  const add = createBatcher(async (items: ReadonlyArray<{ subjectCode: string; key: string }>): Promise<Array<Settled<void>>> => {
    await addAll(model, items);
    return items.map(() => ({ value: undefined }));
  }, { dependency: 'mongodb' });

  return {
    async init(deadlines) {
      await model.init();
      if (await model.exists({ _id: BACKFILLED_ID })) {
        backfilled = true;
        return;
      }
      // Concurrent instances may both walk: every write is an idempotent $addToSet.
      let chunk: Array<{ subjectCode: string; key: string }> = [];
      for await (const d of deadlines.collection.find({}, { projection: { subjectCode: 1, key: 1 } })) {
        const doc = d as unknown as { subjectCode?: string; key?: string };
        if (doc.subjectCode === undefined || doc.key === undefined) continue;
        chunk.push({ subjectCode: doc.subjectCode, key: doc.key });
        if (chunk.length >= BACKFILL_CHUNK) {
          await addAll(model, chunk);
          chunk = [];
        }
      }
      await addAll(model, chunk);
      await model.updateOne({ _id: BACKFILLED_ID }, { $set: { keys: [] } }, { upsert: true });
      backfilled = true;
    },
    add: (subjectCode, key) => add({ subjectCode, key }),
    async keysOf(subjectCode) {
      const doc = await reads.findById(subjectCode);
      if (doc) return doc.keys;
      return backfilled ? [] : null;
    },
  };
}

async function addAll(model: Model<SubjectKeysDoc>, items: ReadonlyArray<{ subjectCode: string; key: string }>): Promise<void> {
  if (items.length === 0) return;
  const bySubject = new Map<string, Set<string>>();
  for (const { subjectCode, key } of items) bySubject.set(subjectCode, (bySubject.get(subjectCode) ?? new Set()).add(key));
  await model.collection.bulkWrite(
    [...bySubject].map(([subjectCode, keys]) => ({ updateOne: { filter: { _id: subjectCode }, update: { $addToSet: { keys: { $each: [...keys] } } }, upsert: true } })) as never,
    { ordered: false },
  );
}
