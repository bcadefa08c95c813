import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { subjectsFor } from '@tthc/read-models';
import type { DelayCountsRow, DelayCountsStore } from '../domain/delay-counts.use-case';

/**
 * Reads workflow's dossiers collection (read-only here) and writes `delay_counts`, one
 * document per period × agency × procedure.
 */
export function createDelayCountsRepository(conn: Connection): DelayCountsStore & { init(): Promise<void> } {
  const counts = conn.collection(COLLECTIONS.delayCounts);
  return {
    async init() {
      // Serves the stale-row sweep of `replacePeriods` and readers asking for one period.
      await counts.createIndex({ periodKey: 1, computedAtDate: 1 });
    },
    subjectsFor: (window) => subjectsFor(conn, window),
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
    async lastComputedAt(periodKey) {
      // The oldest row: a run that stopped between its upserts and its sweep left the period
      // partly old, and the next run must then compute it again.
      const [row] = await counts.find({ periodKey } as never, { projection: { computedAtDate: 1 } }).sort({ computedAtDate: 1 }).limit(1).toArray();
      return row?.['computedAtDate'] instanceof Date ? (row['computedAtDate'] as Date) : null;
    },
  };
}
