import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import type { DossierRepository, StoredDossier } from '../domain/apply-fact.use-case';
import type { DossierState, Fact } from '../domain/dossier-state';

/**
 * State fields are stored flat next to the history so that the reporting service can filter
 * and sort on them (agency, phase, due date) without replaying histories.
 */
interface DossierDoc {
  _id: string;
  revision: number;
  history: Fact[];
  agencyCode: string | null;
  procedureCode: string | null;
  channel: string | null;
  phase: string;
  statusCode: number | null;
  receivedAt: Date | null;
  dueAt: Date | null;
  deadlineVersion: number;
  closedAt: Date | null;
  overdue: boolean;
  overdueAt: Date | null;
  updatedAt: Date;
}

const dossierSchema = new Schema<DossierDoc>(
  {
    _id: { type: String },
    revision: { type: Number, required: true },
    history: { type: Schema.Types.Mixed, default: [] },
    agencyCode: { type: String, default: null },
    procedureCode: { type: String, default: null },
    channel: { type: String, default: null },
    phase: { type: String, required: true },
    statusCode: { type: Number, default: null },
    receivedAt: { type: Date, default: null },
    dueAt: { type: Date, default: null },
    deadlineVersion: { type: Number, default: 0 },
    closedAt: { type: Date, default: null },
    overdue: { type: Boolean, default: false },
    overdueAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: COLLECTIONS.dossiers, versionKey: false, minimize: false },
);
// Serves the reporting lists: open dossiers of an agency ordered by due date.
dossierSchema.index({ agencyCode: 1, phase: 1, dueAt: 1 });
// Serves the compare-and-set write `{ _id, revision }`. MongoDB answers it from the _id index
// alone; the MongoDB-wire server used without Docker only uses an index whose keys match the
// filter, and would otherwise scan the collection on every write.
dossierSchema.index({ _id: 1, revision: 1 }, { unique: true });

const toDate = (iso: string | null) => (iso === null ? null : new Date(iso));
const toIso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

function toDoc(d: StoredDossier): DossierDoc {
  const s = d.state;
  return {
    _id: d.code,
    revision: d.revision,
    history: d.history,
    agencyCode: s.agencyCode,
    procedureCode: s.procedureCode,
    channel: s.channel,
    phase: s.phase,
    statusCode: s.statusCode,
    receivedAt: toDate(s.receivedAt),
    dueAt: toDate(s.dueAt),
    deadlineVersion: s.deadlineVersion,
    closedAt: toDate(s.closedAt),
    overdue: s.overdue,
    overdueAt: toDate(s.overdueAt),
    updatedAt: new Date(),
  };
}

function fromDoc(doc: DossierDoc): StoredDossier {
  const state: DossierState = {
    code: doc._id,
    agencyCode: doc.agencyCode,
    procedureCode: doc.procedureCode,
    channel: doc.channel,
    phase: doc.phase as DossierState['phase'],
    statusCode: doc.statusCode,
    receivedAt: toIso(doc.receivedAt),
    dueAt: toIso(doc.dueAt),
    deadlineVersion: doc.deadlineVersion,
    closedAt: toIso(doc.closedAt),
    overdue: doc.overdue,
    overdueAt: toIso(doc.overdueAt),
  };
  return { code: doc._id, revision: doc.revision, history: doc.history, state };
}

export function dossierModel(conn: Connection): Model<DossierDoc> {
  return (conn.models['Dossier'] as Model<DossierDoc> | undefined) ?? conn.model<DossierDoc>('Dossier', dossierSchema);
}

export function createDossierRepository(conn: Connection): DossierRepository & { init(): Promise<void> } {
  const model = dossierModel(conn);
  return {
    async init() {
      await model.init();
      await model.createIndexes();
    },
    async find(code) {
      const doc = await model.findById(code).lean<DossierDoc>().exec();
      return doc ? fromDoc(doc) : null;
    },
    async insert(d) {
      try {
        await model.collection.insertOne(toDoc(d) as never);
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return false;
        throw err;
      }
    },
    async replace(d, expectedRevision) {
      const { _id, ...fields } = toDoc(d);
      const res = await model.collection.updateOne({ _id, revision: expectedRevision } as never, { $set: fields });
      return res.matchedCount === 1;
    },
  };
}
