import { Schema, type Connection } from 'mongoose';
import { modelOn } from '@tthc/platform';
import { COLLECTIONS } from '@tthc/contracts';
import { ROLES, type Subscription, type SubscriptionRepository } from '../domain/notification';

interface SubscriptionDoc extends Omit<Subscription, 'id'> {
  _id: string;
  level: number;
}

const schema = new Schema<SubscriptionDoc>(
  {
    _id: String,
    name: { type: String, required: true },
    role: { type: String, required: true },
    level: { type: Number, required: true },
    agencyCode: { type: String, required: true },
    kinds: { type: [String], default: [] },
    agencies: { type: [String], default: [] },
    channel: { type: Schema.Types.Mixed, required: true },
    language: { type: String, required: true },
    calendarId: { type: String, required: true },
    digest: { type: Boolean, default: true },
    createdAt: { type: Date, required: true },
    createdByKeyId: { type: String, default: null },
  },
  // Unbuffered: the alert consumer reads subscriptions and must see an outage as the driver's error.
  { collection: COLLECTIONS.subscriptions, versionKey: false, minimize: false, bufferCommands: false },
);
// Serves findForLevel: every alert reads the subscriptions of one recipient level.
schema.index({ level: 1 });
// Serves the API list, scoped to the caller's agencies.
schema.index({ agencyCode: 1 });
// Serves the per-key cap.
schema.index({ createdByKeyId: 1 });

const fromDoc = ({ _id, level: _level, ...rest }: SubscriptionDoc): Subscription => ({ id: _id, ...rest, createdByKeyId: rest.createdByKeyId ?? null });
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createSubscriptionRepository(conn: Connection): SubscriptionRepository & { init(): Promise<void> } {
  const model = modelOn<SubscriptionDoc>(conn, 'Subscription', schema);
  return {
    async init() {
      await model.init();
      await model.createIndexes();
    },
    async insert(s) {
      const { id, ...rest } = s;
      await model.collection.insertOne({ _id: id, ...rest, level: ROLES.indexOf(s.role) } as never);
    },
    async find(id) {
      const doc = await model.findById(id).lean<SubscriptionDoc>().exec();
      return doc ? fromDoc(doc) : null;
    },
    async list({ agencies, prefixes = [], agencyCode, role }) {
      const filter: Record<string, unknown> = {};
      if (agencies !== '*') {
        // Anchored prefixes, so a province key's list is an index range scan.
        filter.$or = [{ agencyCode: { $in: agencies } }, ...prefixes.map((p) => ({ agencyCode: { $regex: `^${escapeRegex(p)}` } }))];
      }
      if (agencyCode !== undefined) filter.agencyCode = agencyCode;
      if (role !== undefined) filter.role = role;
      const docs = await model.find(filter).sort({ createdAt: 1 }).lean<SubscriptionDoc[]>().exec();
      return docs.map(fromDoc);
    },
    async countCreatedBy(keyId) {
      return model.countDocuments({ createdByKeyId: keyId }).exec();
    },
    async findForLevel(level) {
      const docs = await model.find({ level }).lean<SubscriptionDoc[]>().exec();
      return docs.map(fromDoc);
    },
    async findWithDigest() {
      const docs = await model.find({ digest: true }).lean<SubscriptionDoc[]>().exec();
      return docs.map(fromDoc);
    },
    async remove(id) {
      const res = await model.collection.deleteOne({ _id: id } as never);
      return res.deletedCount > 0;
    },
  };
}
