import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import type { Alert, AlertRepository } from '../domain/deadline';

interface AlertDoc extends Omit<Alert, 'id'> {
  _id: string;
}

// Fields added with the lifecycle release have defaults, so first-release alerts still read.
const schema = new Schema<AlertDoc>(
  {
    _id: String,
    type: { type: String, required: true },
    eventType: { type: String, default: 'vn.tthc.dossier.overdue' },
    kind: { type: String, default: 'overdue' },
    level: { type: Number, default: 0 },
    subject: { type: String, default: 'dossier' },
    dossierCode: { type: String, required: true },
    deadlineKey: { type: String, default: 'dossier' },
    deadlineKind: { type: String, default: 'dossier' },
    agencyCode: { type: String, default: null },
    responsibleAgencyCode: { type: String, default: null },
    procedureCode: { type: String, default: null },
    label: { type: String, default: null },
    dueAt: { type: Date, required: true },
    deadlineVersion: { type: Number, required: true },
    raisedAt: { type: Date, required: true },
    workingMinutesLate: { type: Number, default: 0 },
    reason: { type: String, required: true },
    legalBasis: { type: String, default: '' },
    publishedAt: { type: Date, default: null },
  },
  { collection: COLLECTIONS.alerts, versionKey: false },
);
// Serves the alert list of the reporting API: per agency, newest first.
schema.index({ agencyCode: 1, raisedAt: -1 });

const fromDoc = ({ _id, ...rest }: AlertDoc): Alert => ({ id: _id, ...rest });

export function createAlertRepository(conn: Connection): AlertRepository & { init(): Promise<void> } {
  const model = (conn.models['Alert'] as Model<AlertDoc> | undefined) ?? conn.model<AlertDoc>('Alert', schema);
  return {
    async init() {
      await model.init();
      await model.createIndexes();
    },
    async insertOnce(alert) {
      const { id, ...rest } = alert;
      try {
        await model.collection.insertOne({ _id: id, ...rest } as never);
        return alert;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        const existing = await model.findById(id).lean<AlertDoc>().exec();
        if (!existing) throw err;
        return fromDoc(existing);
      }
    },
    async markPublished(id, at) {
      await model.collection.updateOne({ _id: id } as never, { $set: { publishedAt: at } });
    },
  };
}
