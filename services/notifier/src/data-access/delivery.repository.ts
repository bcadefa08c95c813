import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import type { Delivery, DeliveryRepository } from '../domain/notification';

interface DeliveryDoc extends Omit<Delivery, 'id'> {
  _id: string;
  cancelReason?: string;
}

const schema = new Schema<DeliveryDoc>(
  {
    // The idempotency key (alert, subscription, channel, level) is the primary key itself, so
    // MongoDB's unique _id index is what refuses a second record for the same message.
    _id: String,
    subscriptionId: { type: String, required: true },
    channel: { type: String, required: true },
    kind: { type: String, required: true },
    alertId: { type: String, default: null },
    level: { type: Number, required: true },
    digestDate: { type: String, default: null },
    digestItems: { type: Schema.Types.Mixed, default: [] },
    scheduledFor: { type: Date, required: true },
    urgent: { type: Boolean, required: true },
    status: { type: String, required: true },
    attempts: { type: Number, default: 0 },
    lastError: { type: String, default: null },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date, default: null },
  },
  { collection: COLLECTIONS.deliveries, versionKey: false, minimize: false },
);
// Serves operators' look-ups of what an alert caused and of dead deliveries.
schema.index({ alertId: 1 });
schema.index({ status: 1, scheduledFor: 1 });

const fromDoc = ({ _id, cancelReason: _c, ...rest }: DeliveryDoc): Delivery => ({
  id: _id,
  ...rest,
  digestItems: (rest.digestItems ?? []).map((i) => ({ ...i, dueAt: i.dueAt ? new Date(i.dueAt) : null })),
});

export function createDeliveryRepository(conn: Connection): DeliveryRepository & { init(): Promise<void>; listByAlert(alertId: string): Promise<Delivery[]> } {
  const model = (conn.models['Delivery'] as Model<DeliveryDoc> | undefined) ?? conn.model<DeliveryDoc>('Delivery', schema);
  const set = (id: string, fields: Record<string, unknown>, status?: string) =>
    model.collection.updateOne((status ? { _id: id, status } : { _id: id }) as never, { $set: fields });
  return {
    async init() {
      await model.init();
      await model.createIndexes();
    },
    async insertOnce(d) {
      const { id, ...rest } = d;
      try {
        await model.collection.insertOne({ _id: id, ...rest } as never);
        return { delivery: d, created: true };
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        const existing = await model.findById(id).lean<DeliveryDoc>().exec();
        if (!existing) throw err;
        return { delivery: fromDoc(existing), created: false };
      }
    },
    async find(id) {
      const doc = await model.findById(id).lean<DeliveryDoc>().exec();
      return doc ? fromDoc(doc) : null;
    },
    async listByAlert(alertId) {
      const docs = await model.find({ alertId }).lean<DeliveryDoc[]>().exec();
      return docs.map(fromDoc);
    },
    async markSent(id, at, attempts) {
      await set(id, { status: 'sent', sentAt: at, attempts, lastError: null }, 'scheduled');
    },
    async markDead(id, attempts, error) {
      await set(id, { status: 'dead', attempts, lastError: error }, 'scheduled');
    },
    async markCancelled(id, reason) {
      await set(id, { status: 'cancelled', cancelReason: reason }, 'scheduled');
    },
    async recordFailure(id, attempts, error) {
      await set(id, { attempts, lastError: error }, 'scheduled');
    },
  };
}
