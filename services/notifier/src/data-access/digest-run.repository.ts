import { Schema, type Connection } from 'mongoose';
import { modelOn } from '@tthc/platform';
import type { DigestRunLog } from '../domain/notification';

/**
 * Written by the notifier only. Not in the shared collection list: nothing else reads it, and
 * it exists so that a digest run lost with Redis is noticed by reconciliation.
 */
export const DIGEST_RUNS_COLLECTION = 'notifier_digest_runs';

interface DigestRunDoc {
  /** Local date (`YYYY-MM-DD`) of the run in the schedule's zone. */
  _id: string;
  completedAt: Date;
}

const schema = new Schema<DigestRunDoc>(
  { _id: String, completedAt: { type: Date, required: true } },
  { collection: DIGEST_RUNS_COLLECTION, versionKey: false, bufferCommands: false },
);

export function createDigestRunRepository(conn: Connection): DigestRunLog & { init(): Promise<void> } {
  const model = modelOn<DigestRunDoc>(conn, 'DigestRun', schema);
  return {
    async init() {
      await model.init();
    },
    async markDone(localDate, at) {
      await model.collection.updateOne({ _id: localDate } as never, { $setOnInsert: { completedAt: at } }, { upsert: true });
    },
    async isDone(localDate) {
      return (await model.collection.countDocuments({ _id: localDate } as never, { limit: 1 })) > 0;
    },
    async anyBefore(localDate) {
      return (await model.collection.countDocuments({ _id: { $lt: localDate } } as never, { limit: 1 })) > 0;
    },
  };
}
