import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { toSubjectRecord, type SubjectRecord } from '@tthc/metrics';
import type { DelayCountsRow, DelayCountsStore } from '../domain/delay-counts.use-case';

// Older dossier documents may hold ISO strings where workflow now writes Dates; MongoDB
// compares one type at a time, so both are asked for.
const lt = (field: string, at: Date) => [{ [field]: { $lt: at } }, { [field]: { $lt: at.toISOString() } }];
const gte = (field: string, at: Date) => [{ [field]: { $gte: at } }, { [field]: { $gte: at.toISOString() } }];

const PROJECTION = { history: 0, findings: 0, versionBumps: 0, deadlines: 0 };

/**
 * Reads workflow's dossiers collection (read-only here) and writes `delay_counts`, one
 * document per period × agency × procedure.
 */
export function createDelayCountsRepository(conn: Connection): DelayCountsStore & { init(): Promise<void> } {
  const dossiers = conn.collection(COLLECTIONS.dossiers);
  const counts = conn.collection(COLLECTIONS.delayCounts);
  return {
    async init() {
      // Serves the stale-row sweep of `replacePeriods` and readers asking for one period.
      await counts.createIndex({ periodKey: 1, computedAtDate: 1 });
    },
    async subjectsFor({ openSince, end }) {
      const filter = {
        $and: [
          { $or: lt('receivedAt', end) },
          { $or: [{ phase: { $ne: 'closed' } }, ...gte('endAt', openSince), ...gte('closedAt', openSince)] },
        ],
      };
      const out: SubjectRecord[] = [];
      for await (const doc of dossiers.find(filter as never, { projection: PROJECTION })) {
        const r = toSubjectRecord(doc as Record<string, unknown>);
        if (r) out.push(r);
      }
      return out;
    },
    async replacePeriods(periodKeys, rows: DelayCountsRow[], runAt) {
      if (rows.length) {
        await counts.bulkWrite(
          rows.map(({ id, ...row }) => ({ updateOne: { filter: { _id: id } as never, update: { $set: { ...row, computedAtDate: runAt } }, upsert: true } })),
          { ordered: false },
        );
      }
      // A group that has no subject any more (a dossier moved agency) must not keep old counts.
      await counts.deleteMany({ periodKey: { $in: periodKeys }, computedAtDate: { $lt: runAt } } as never);
    },
  };
}
