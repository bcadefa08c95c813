import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import type { Deadline, DeadlineRepository } from '../domain/deadline';

interface DeadlineDoc {
  _id: string;
  agencyCode: string | null;
  procedureCode: string | null;
  phase: string;
  dueAt: Date | null;
  deadlineVersion: number;
  revision: number;
  overdueAt: Date | null;
}

const schema = new Schema<DeadlineDoc>(
  {
    _id: String,
    agencyCode: { type: String, default: null },
    procedureCode: { type: String, default: null },
    phase: { type: String, required: true },
    dueAt: { type: Date, default: null },
    deadlineVersion: { type: Number, required: true },
    revision: { type: Number, required: true },
    overdueAt: { type: Date, default: null },
  },
  { collection: COLLECTIONS.deadlines, versionKey: false },
);
// Serves reconciliation: open deadlines ordered by due instant.
schema.index({ phase: 1, dueAt: 1 });
// Serve the compare-and-set writes; see the same index on dossiers for why they are declared.
schema.index({ _id: 1, revision: 1 }, { unique: true });
schema.index({ _id: 1, deadlineVersion: 1 }, { unique: true });

const fromDoc = (d: DeadlineDoc): Deadline => ({
  dossierCode: d._id,
  agencyCode: d.agencyCode,
  procedureCode: d.procedureCode,
  phase: d.phase as Deadline['phase'],
  dueAt: d.dueAt ? new Date(d.dueAt) : null,
  deadlineVersion: d.deadlineVersion,
  revision: d.revision,
  overdueAt: d.overdueAt ? new Date(d.overdueAt) : null,
});

export function createDeadlineRepository(conn: Connection): DeadlineRepository & { init(): Promise<void> } {
  const model = (conn.models['Deadline'] as Model<DeadlineDoc> | undefined) ?? conn.model<DeadlineDoc>('Deadline', schema);
  return {
    async init() {
      await model.init();
      await model.createIndexes();
    },
    async find(code) {
      const doc = await model.findById(code).lean<DeadlineDoc>().exec();
      return doc ? fromDoc(doc) : null;
    },
    async upsertIfNewer(d) {
      const fields = {
        agencyCode: d.agencyCode,
        procedureCode: d.procedureCode,
        phase: d.phase,
        dueAt: d.dueAt,
        deadlineVersion: d.deadlineVersion,
        revision: d.revision,
      };
      const existing = await model.findById(d.dossierCode).lean<DeadlineDoc>().exec();
      if (!existing) {
        try {
          await model.collection.insertOne({ _id: d.dossierCode, ...fields, overdueAt: null } as never);
          return { previous: null, stored: { ...d, overdueAt: null } };
        } catch (err) {
          if ((err as { code?: number }).code !== 11000) throw err;
          return this.upsertIfNewer(d);
        }
      }
      const previous = fromDoc(existing);
      if (existing.revision >= d.revision) return { previous, stored: previous };
      // A new deadline version starts without an overdue mark.
      const overdueAt = existing.deadlineVersion === d.deadlineVersion ? existing.overdueAt : null;
      const res = await model.collection.updateOne({ _id: d.dossierCode, revision: existing.revision } as never, { $set: { ...fields, overdueAt } });
      if (res.matchedCount === 0) return this.upsertIfNewer(d);
      return { previous, stored: fromDoc({ _id: d.dossierCode, ...fields, overdueAt }) };
    },
    async markOverdue(code, deadlineVersion, at) {
      // `at` is the stored alert's raisedAt, so repeating this write sets the same value.
      await model.collection.updateOne({ _id: code, deadlineVersion } as never, { $set: { overdueAt: at } });
    },
  };
}
