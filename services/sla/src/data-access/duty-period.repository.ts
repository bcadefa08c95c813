import type { Connection } from 'mongoose';
import { dutyPeriodDocuments, type DutyPeriodDocument } from '@tthc/read-models';
import type { DutyPeriodRecord, DutyPeriodStore } from '../domain/duty-periods.use-case';

const docOf = ({ code, ...r }: DutyPeriodRecord): Omit<DutyPeriodDocument, 'fulfilment'> & { _id: string } => ({ _id: code, ...r });

/** sla's `duty_periods`: what was opened is never rewritten; the first fulfilment is kept. */
export function createDutyPeriodRepository(conn: Connection): DutyPeriodStore & { init(): Promise<void> } {
  const col = dutyPeriodDocuments(conn);
  return {
    async init() {
      // Reporting lists a scope's periods by status, the earliest due first.
      await col.createIndex({ agencyCode: 1, dueAt: 1 });
    },
    async open(records) {
      if (records.length === 0) return;
      await col.bulkWrite(
        records.map((r) => ({ updateOne: { filter: { _id: r.code }, update: { $setOnInsert: { ...docOf(r), fulfilment: null } }, upsert: true } })),
        { ordered: false },
      );
    },
    async fulfil(record, fulfilment) {
      const { _id, ...rest } = docOf(record);
      await col.updateOne({ _id }, { $setOnInsert: { ...rest, fulfilment: null } }, { upsert: true });
      const res = await col.updateOne({ _id, fulfilment: null }, { $set: { fulfilment } });
      return res.modifiedCount === 1;
    },
  };
}
