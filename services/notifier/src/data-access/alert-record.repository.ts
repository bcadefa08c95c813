import { Schema, type Connection } from 'mongoose';
import { modelOn } from '@tthc/platform';
import { COLLECTIONS } from '@tthc/contracts';
import type { AlertRecord, AlertRecordRepository, PendingEscalation } from '../domain/notification';

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
    nextEscalation: { type: Schema.Types.Mixed, default: null },
  },
  // Unbuffered, as the deliveries: an outage surfaces as the driver's own error.
  { collection: COLLECTIONS.alertAcks, versionKey: false, minimize: false, bufferCommands: false },
);
// Serves reconciliation's keyset walk over pending acknowledgement checks.
schema.index({ 'nextEscalation.at': 1, _id: 1 });

const fromDoc = ({ _id, ...rest }: AlertAckDoc): AlertRecord => ({
  alertId: _id,
  ...rest,
  // Records written before checks were stored have none: reconciliation cannot see them.
  nextEscalation: rest.nextEscalation ? { level: rest.nextEscalation.level, at: new Date(rest.nextEscalation.at) } : null,
});

export function createAlertRecordRepository(conn: Connection): AlertRecordRepository & { init(): Promise<void> } {
  const model = modelOn<AlertAckDoc>(conn, 'AlertAck', schema);
  const find = async (id: string) => {
    const doc = await model.findById(id).lean<AlertAckDoc>().exec();
    return doc ? fromDoc(doc) : null;
  };
  return {
    async init() {
      await model.init();
      await model.createIndexes();
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
      // The first acknowledgement wins; later ones change nothing. Nothing is left to check.
      const res = await model.collection.updateOne({ _id: alertId, ackedAt: null } as never, { $set: { ackedAt: at, ackedBy: by, nextEscalation: null } });
      const record = await find(alertId);
      return record ? { record, changed: res.modifiedCount > 0 } : null;
    },
    async claimLevel(alertId, level) {
      const res = await model.collection.updateOne({ _id: alertId, ackedAt: null, notifiedLevel: { $lte: level } } as never, { $set: { notifiedLevel: level } });
      return res.matchedCount > 0;
    },
    async setNextEscalation(alertId, next) {
      await model.collection.updateOne(
        { _id: alertId, ackedAt: null, notifiedLevel: { $lt: next.level }, $or: [{ nextEscalation: null }, { 'nextEscalation.level': { $lt: next.level } }] } as never,
        { $set: { nextEscalation: { level: next.level, at: next.at } } },
      );
    },
    async clearNextEscalation(alertId, level) {
      await model.collection.updateOne({ _id: alertId, 'nextEscalation.level': { $lte: level } } as never, { $set: { nextEscalation: null } });
    },
    async listPendingEscalations(after, limit) {
      const pending = { ackedAt: null, 'nextEscalation.at': { $gte: new Date(0) } };
      const filter = after
        ? { ...pending, $or: [{ 'nextEscalation.at': { $gt: after.at } }, { 'nextEscalation.at': after.at, _id: { $gt: after.alertId } }] }
        : pending;
      const docs = await model.collection
        .find(filter as never, { projection: { _id: 1, nextEscalation: 1 } })
        .sort({ 'nextEscalation.at': 1, _id: 1 })
        .limit(limit)
        .toArray();
      const items = docs.map((d): PendingEscalation => {
        const next = d.nextEscalation as { level: number; at: Date };
        return { alertId: String(d._id), level: next.level, at: new Date(next.at) };
      });
      const last = items[items.length - 1];
      return { items, next: items.length === limit && last ? { at: last.at, alertId: last.alertId } : null };
    },
  };
}
