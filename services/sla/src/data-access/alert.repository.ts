import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { createDocumentBatcher } from '@tthc/platform';
import type { AlertDocument } from '@tthc/read-models';
import type { Alert, AlertOutbox, AlertRepository } from '../domain/deadline';

// The document type is declared in `@tthc/read-models` for the readers (reporting); `fromDoc`
// below fails to compile when it drifts from the domain's `Alert`.
type AlertDoc = AlertDocument;

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
    relayOwner: { type: String, default: null },
    relayLeaseUntil: { type: Date, default: null },
  },
  { collection: COLLECTIONS.alerts, versionKey: false },
);
// Serves the alert list of the reporting API: per agency, newest first.
schema.index({ agencyCode: 1, raisedAt: -1 });
// Serves the relay's unpublished alerts, oldest first. A partial index on `publishedAt: null`
// would be smaller, but the local MongoDB stand-in has none, so it is a plain one.
schema.index({ publishedAt: 1, raisedAt: 1 });
// Serve the relay's writes by id: the claim (a compare-and-set on the lease it read), the
// acknowledgement and the release. MongoDB answers them from the _id index; the stand-in uses
// only a unique index whose keys are exactly the filter's and scans every alert otherwise, four
// times per relay pass, which fell behind a crowd of alerts.
schema.index({ _id: 1, publishedAt: 1 }, { unique: true });
schema.index({ _id: 1, publishedAt: 1, relayOwner: 1, relayLeaseUntil: 1 }, { unique: true });
schema.index({ _id: 1, relayOwner: 1, publishedAt: 1 }, { unique: true });

const fromDoc = ({ _id, relayOwner: _owner, relayLeaseUntil: _until, ...rest }: AlertDoc): Alert => ({ id: _id, ...rest });

/** Unpublished, and free: never claimed, claimed by an instance whose lease ran out, or ours. */
const claimable = (owner: string, now: Date) => ({
  publishedAt: null,
  $or: [{ relayLeaseUntil: null }, { relayLeaseUntil: { $lte: now } }, { relayOwner: owner }],
});

export function createAlertRepository(conn: Connection): AlertRepository & AlertOutbox & { init(): Promise<void> } {
  const model = (conn.models['Alert'] as Model<AlertDoc> | undefined) ?? conn.model<AlertDoc>('Alert', schema);
  const alerts = model.collection;
  // Timer jobs fire in crowds (a thousand deadlines due in one second): their inserts and
  // reads go out as one bulk write and one query per batch.
  const batch = createDocumentBatcher(model);
  return {
    async init() {
      await model.init();
      await model.createIndexes();
    },
    async insertOnce(alert) {
      const { id, ...rest } = alert;
      if (await batch.insert({ _id: id, ...rest, relayOwner: null, relayLeaseUntil: null } as unknown as AlertDoc & { _id: string })) return { alert, inserted: true };
      const existing = await batch.findById(id);
      if (!existing) throw new Error(`alert ${id}: the insert met a duplicate key, yet no alert has that id`);
      return { alert: fromDoc(existing), inserted: false };
    },
    async claimUnpublished(owner, now, leaseUntil, limit) {
      // Without transactions (the local stand-in has none) a claim is a conditional update per
      // document: of two instances racing for an alert, the second finds the lease taken.
      const candidates = (await alerts
        .find(claimable(owner, now) as never, { projection: { _id: 1, relayOwner: 1, relayLeaseUntil: 1 } })
        .sort({ raisedAt: 1 })
        .limit(limit)
        .toArray()) as unknown as Array<Pick<AlertDoc, '_id' | 'relayOwner' | 'relayLeaseUntil'>>;
      if (candidates.length === 0) return [];
      // Each claim holds only if the lease is still the one read: a racing instance that took it
      // in between leaves nothing to match.
      await alerts.bulkWrite(
        candidates.map((c) => ({
          updateOne: {
            filter: { _id: c._id, publishedAt: null, relayOwner: c.relayOwner ?? null, relayLeaseUntil: c.relayLeaseUntil ?? null },
            update: { $set: { relayOwner: owner, relayLeaseUntil: leaseUntil } },
          },
        })) as never,
        { ordered: false },
      );
      const ids = candidates.map((c) => c._id);
      const read = (await alerts.find({ _id: { $in: ids } } as never).toArray()) as unknown as AlertDoc[];
      const won = read.filter((d) => d.relayOwner === owner && d.publishedAt == null);
      return won.sort((a, b) => new Date(a.raisedAt).getTime() - new Date(b.raisedAt).getTime()).map(fromDoc);
    },
    async markPublished(ids, at) {
      if (ids.length === 0) return;
      await alerts.bulkWrite(ids.map((_id) => ({ updateOne: { filter: { _id, publishedAt: null }, update: { $set: { publishedAt: at, relayOwner: null, relayLeaseUntil: null } } } })) as never, { ordered: false });
    },
    async releaseClaims(owner, ids) {
      if (ids.length === 0) return;
      await alerts.bulkWrite(ids.map((_id) => ({ updateOne: { filter: { _id, relayOwner: owner, publishedAt: null }, update: { $set: { relayOwner: null, relayLeaseUntil: null } } } })) as never, { ordered: false });
    },
    async stats() {
      const [pending, oldest] = await Promise.all([
        alerts.countDocuments({ publishedAt: null } as never),
        alerts.find<Pick<AlertDoc, 'raisedAt'>>({ publishedAt: null } as never, { projection: { raisedAt: 1 } }).sort({ raisedAt: 1 }).limit(1).next(),
      ]);
      return { pending, oldestRaisedAt: oldest ? oldest.raisedAt : null };
    },
  };
}
