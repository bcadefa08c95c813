import { Schema, type Connection } from 'mongoose';
import { modelOn } from '@tthc/platform';
import { COLLECTIONS } from '@tthc/contracts';
import { OPEN_DELIVERY_STATUSES, type Delivery, type DeliveryRepository, type OpenDelivery } from '../domain/notification';

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
    sendingSince: { type: Date, default: null },
    attempts: { type: Number, default: 0 },
    lastError: { type: String, default: null },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date, default: null },
  },
  // No buffering while MongoDB is away: the driver's own network and selection errors reach the
  // Kafka consumer, which recognises them as an outage (a buffering timeout it would not).
  { collection: COLLECTIONS.deliveries, versionKey: false, minimize: false, bufferCommands: false },
);
// Serves operators' look-ups of what an alert caused and of dead deliveries.
schema.index({ alertId: 1 });
schema.index({ status: 1, scheduledFor: 1 });
// Serves reconciliation's keyset walk over open deliveries.
schema.index({ status: 1, _id: 1 });

const fromDoc = ({ _id, cancelReason: _c, ...rest }: DeliveryDoc): Delivery => ({
  id: _id,
  ...rest,
  sendingSince: rest.sendingSince ?? null,
  digestItems: (rest.digestItems ?? []).map((i) => ({ ...i, dueAt: i.dueAt ? new Date(i.dueAt) : null })),
});

export function createDeliveryRepository(conn: Connection): DeliveryRepository & { init(): Promise<void>; listByAlert(alertId: string): Promise<Delivery[]> } {
  const model = modelOn<DeliveryDoc>(conn, 'Delivery', schema);
  const open: string[] = [...OPEN_DELIVERY_STATUSES];
  const set = (id: string, fields: Record<string, unknown>, from: string[]) => model.collection.updateOne({ _id: id, status: { $in: from } } as never, { $set: fields });
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
    async claimSend(id, from, at, attempts) {
      const filter = from.status === 'scheduled' ? { _id: id, status: 'scheduled' } : { _id: id, status: 'sending', sendingSince: from.since };
      const res = await model.collection.updateOne(filter as never, { $set: { status: 'sending', sendingSince: at, attempts } });
      return res.modifiedCount > 0;
    },
    async markSent(id, at, attempts) {
      await set(id, { status: 'sent', sentAt: at, attempts, lastError: null, sendingSince: null }, open);
    },
    async markDead(id, attempts, error) {
      await set(id, { status: 'dead', attempts, lastError: error, sendingSince: null }, open);
    },
    async markCancelled(id, reason) {
      await set(id, { status: 'cancelled', cancelReason: reason, sendingSince: null }, open);
    },
    async recordFailure(id, attempts, error) {
      await set(id, { status: 'scheduled', attempts, lastError: error, sendingSince: null }, ['sending']);
    },
    async listOpen(after, limit) {
      const filter = { status: { $in: open }, ...(after !== null ? { _id: { $gt: after } } : {}) };
      const docs = await model.collection
        .find(filter as never, { projection: { _id: 1, status: 1, scheduledFor: 1, sendingSince: 1 } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
      const items = docs.map((d): OpenDelivery => ({ id: String(d._id), status: d.status as OpenDelivery['status'], scheduledFor: new Date(d.scheduledFor as Date), sendingSince: d.sendingSince ? new Date(d.sendingSince as Date) : null }));
      return { items, next: items.length === limit ? items[items.length - 1]!.id : null };
    },
  };
}
