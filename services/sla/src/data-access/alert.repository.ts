import { Schema, type Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { createDocumentBatcher, modelOn } from '@tthc/platform';
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
// And across the agencies of a province (a prefix of their codes): read newest first, its first
// page stops the read. Without it the store sorted every alert of the province per request,
// 1.4 s at p50 for 110 000 alerts in the reporting bench.
schema.index({ raisedAt: -1 });
// The acknowledgement by id (`publishedAt: null` keeps the first one). MongoDB answers it from
// the _id index; the stand-in uses only a unique index whose keys are exactly the filter's.
schema.index({ _id: 1, publishedAt: 1 }, { unique: true });

/**
 * The outbox proper: one small document per alert Kafka has not acknowledged, holding the relay
 * lease. The relay's searches (what is claimable, how many wait, the oldest) read only these, so
 * their cost follows the alerts in flight, not every alert ever raised: on the local stand-in,
 * which has no partial index, searching the alerts themselves read all of them several times a
 * second and slowed the raising of a crowd of alerts falling due together.
 */
interface OutboxDoc {
  _id: string;
  raisedAt: Date;
  relayOwner: string | null;
  relayLeaseUntil: Date | null;
}
const outboxSchema = new Schema<OutboxDoc>(
  { _id: String, raisedAt: { type: Date, required: true }, relayOwner: { type: String, default: null }, relayLeaseUntil: { type: Date, default: null } },
  { collection: COLLECTIONS.alertOutbox, versionKey: false },
);
// The claim's compare-and-set on the lease it read, and the release of our own claims.
outboxSchema.index({ _id: 1, relayOwner: 1, relayLeaseUntil: 1 }, { unique: true });
outboxSchema.index({ _id: 1, relayOwner: 1 }, { unique: true });
outboxSchema.index({ raisedAt: 1 });

const fromDoc = ({ _id, relayOwner: _owner, relayLeaseUntil: _until, ...rest }: AlertDoc): Alert => ({ id: _id, ...rest });

/** Never claimed, claimed by an instance whose lease ran out, or ours. */
const claimable = (owner: string, now: Date) => ({
  $or: [{ relayLeaseUntil: null }, { relayLeaseUntil: { $lte: now } }, { relayOwner: owner }],
});

const BACKFILL_PAGE = 1000;

export function createAlertRepository(conn: Connection): AlertRepository & AlertOutbox & { init(): Promise<void> } {
  const model = modelOn<AlertDoc>(conn, 'Alert', schema);
  const outboxModel = modelOn<OutboxDoc>(conn, 'AlertOutbox', outboxSchema);
  const alerts = model.collection;
  const outbox = outboxModel.collection;
  // Timer jobs fire in crowds (a thousand deadlines due in one second): their inserts and
  // reads go out as one bulk write and one query per batch.
  const batch = createDocumentBatcher(model);
  const pending = createDocumentBatcher(outboxModel);
  const enqueue = async (alert: { id: string; raisedAt: Date }) => {
    // A duplicate is an entry already waiting (an earlier firing, the backfill): nothing to do.
    await pending.insert({ _id: alert.id, raisedAt: alert.raisedAt, relayOwner: null, relayLeaseUntil: null });
  };
  return {
    async init() {
      await model.init();
      await model.createIndexes();
      await outboxModel.init();
      await outboxModel.createIndexes();
      // Alerts stored unpublished before the outbox existed, or by an instance that crashed
      // between storing an alert and its entry, get their entry now; a timer firing again
      // does the same for its own alert. One scan at start, page by page.
      let after = '';
      for (;;) {
        const page = (await alerts
          .find({ publishedAt: null, _id: { $gt: after } } as never, { projection: { _id: 1, raisedAt: 1 } })
          .sort({ _id: 1 })
          .limit(BACKFILL_PAGE)
          .toArray()) as unknown as Array<{ _id: string; raisedAt: Date }>;
        if (page.length === 0) break;
        await Promise.all(page.map((d) => enqueue({ id: d._id, raisedAt: d.raisedAt })));
        after = page[page.length - 1]!._id;
      }
    },
    async insertOnce(alert) {
      const { id, ...rest } = alert;
      // The alert first, then its outbox entry: a crash in between leaves the deadline's stage
      // unmarked, so the timer fires again and the already-raised path below adds the entry.
      if (await batch.insert({ _id: id, ...rest, relayOwner: null, relayLeaseUntil: null } as unknown as AlertDoc & { _id: string })) {
        if (!alert.publishedAt) await enqueue(alert);
        return { alert, inserted: true };
      }
      const existing = await batch.findById(id);
      if (!existing) throw new Error(`alert ${id}: the insert met a duplicate key, yet no alert has that id`);
      const stored = fromDoc(existing);
      if (!stored.publishedAt) await enqueue(stored);
      return { alert: stored, inserted: false };
    },
    async claimUnpublished(owner, now, leaseUntil, limit) {
      // Without transactions (the local stand-in has none) a claim is a conditional update per
      // entry: of two instances racing for an alert, the second finds the lease taken.
      const candidates = (await outbox
        .find(claimable(owner, now) as never, { projection: { _id: 1, relayOwner: 1, relayLeaseUntil: 1 } })
        .sort({ raisedAt: 1 })
        .limit(limit)
        .toArray()) as unknown as Array<Pick<OutboxDoc, '_id' | 'relayOwner' | 'relayLeaseUntil'>>;
      if (candidates.length === 0) return [];
      await outbox.bulkWrite(
        candidates.map((c) => ({
          updateOne: {
            filter: { _id: c._id, relayOwner: c.relayOwner ?? null, relayLeaseUntil: c.relayLeaseUntil ?? null },
            update: { $set: { relayOwner: owner, relayLeaseUntil: leaseUntil } },
          },
        })) as never,
        { ordered: false },
      );
      const ids = candidates.map((c) => c._id);
      const held = (await outbox.find({ _id: { $in: ids } } as never, { projection: { _id: 1, relayOwner: 1 } }).toArray()) as unknown as Array<Pick<OutboxDoc, '_id' | 'relayOwner'>>;
      const won = held.filter((e) => e.relayOwner === owner).map((e) => e._id);
      if (won.length === 0) return [];
      const read = (await alerts.find({ _id: { $in: won } } as never).toArray()) as unknown as AlertDoc[];
      // An entry whose alert is already acknowledged is what a crash between the two writes of
      // markPublished leaves; one without an alert has nothing to send. Both are only cleared.
      const unpublished = read.filter((d) => d.publishedAt == null);
      const live = new Set(unpublished.map((d) => d._id));
      const spent = won.filter((id) => !live.has(id));
      if (spent.length > 0) await outbox.deleteMany({ _id: { $in: spent } } as never);
      // Alerts of one firing share their instant; the level keeps them in the order they were
      // raised (overdue, then each escalation), which the store's `$in` order does not.
      return unpublished.sort((a, b) => new Date(a.raisedAt).getTime() - new Date(b.raisedAt).getTime() || (a.level ?? 0) - (b.level ?? 0)).map(fromDoc);
    },
    async markPublished(ids, at) {
      if (ids.length === 0) return;
      await alerts.bulkWrite(ids.map((_id) => ({ updateOne: { filter: { _id, publishedAt: null }, update: { $set: { publishedAt: at } } } })) as never, { ordered: false });
      await outbox.deleteMany({ _id: { $in: [...ids] } } as never);
    },
    async releaseClaims(owner, ids) {
      if (ids.length === 0) return;
      await outbox.bulkWrite(ids.map((_id) => ({ updateOne: { filter: { _id, relayOwner: owner }, update: { $set: { relayOwner: null, relayLeaseUntil: null } } } })) as never, { ordered: false });
    },
    async stats() {
      const [count, oldest] = await Promise.all([
        outbox.countDocuments({}),
        outbox.find<Pick<OutboxDoc, 'raisedAt'>>({}, { projection: { raisedAt: 1 } }).sort({ raisedAt: 1 }).limit(1).next(),
      ]);
      return { pending: count, oldestRaisedAt: oldest ? oldest.raisedAt : null };
    },
  };
}
