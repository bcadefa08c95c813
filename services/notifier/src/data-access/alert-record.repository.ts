import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import type { AlertRecord, AlertRecordRepository } from '../domain/notification';

interface AlertAckDoc extends Omit<AlertRecord, 'alertId'> {
  _id: string;
}

const schema = new Schema<AlertAckDoc>(
  {
    _id: String,
    alert: { type: Schema.Types.Mixed, required: true },
    baseLevel: { type: Number, required: true },
    notifiedLevel: { type: Number, required: true },
    firstSeenAt: { type: Date, required: true },
    ackedAt: { type: Date, default: null },
    ackedBy: { type: String, default: null },
  },
  { collection: COLLECTIONS.alertAcks, versionKey: false, minimize: false },
);

const fromDoc = ({ _id, ...rest }: AlertAckDoc): AlertRecord => ({ alertId: _id, ...rest });

export function createAlertRecordRepository(conn: Connection): AlertRecordRepository & { init(): Promise<void> } {
  const model = (conn.models['AlertAck'] as Model<AlertAckDoc> | undefined) ?? conn.model<AlertAckDoc>('AlertAck', schema);
  const find = async (id: string) => {
    const doc = await model.findById(id).lean<AlertAckDoc>().exec();
    return doc ? fromDoc(doc) : null;
  };
  return {
    async init() {
      await model.init();
    },
    async insertOnce(r) {
      const { alertId, ...rest } = r;
      try {
        await model.collection.insertOne({ _id: alertId, ...rest } as never);
        return r;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        const existing = await find(alertId);
        if (!existing) throw err;
        return existing;
      }
    },
    find,
    async ack(alertId, at, by) {
      // The first acknowledgement wins; later ones change nothing.
      const res = await model.collection.updateOne({ _id: alertId, ackedAt: null } as never, { $set: { ackedAt: at, ackedBy: by } });
      const record = await find(alertId);
      return record ? { record, changed: res.modifiedCount > 0 } : null;
    },
    async claimLevel(alertId, level) {
      const res = await model.collection.updateOne({ _id: alertId, ackedAt: null, notifiedLevel: { $lte: level } } as never, { $set: { notifiedLevel: level } });
      return res.matchedCount > 0;
    },
  };
}
