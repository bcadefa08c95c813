import type { Connection, mongo } from 'mongoose';
import { COLLECTIONS, type DutyFulfilmentRecord, type DutyPeriodFields } from '@tthc/contracts';
import type { AgencyFilter } from './query-filter';

/** What closed a duty period: the evidence of the `vn.tthc.duty.fulfilled` event and who sent it. */
export type StoredDutyFulfilment = DutyFulfilmentRecord;

/**
 * A document of sla's `duty_periods` collection: one period of one duty of one agency, opened
 * when the period is reached (or by its fulfilment), `_id` = `dutyPeriodCode(...)`. Its
 * deadline and alerts live in `sla_deadlines` and `alerts` under the same code.
 */
export type DutyPeriodDocument = DutyPeriodFields & {
  _id: string;
  /** The duty's version, and the duties file's, the period was opened under. */
  dutyVersion: string;
  dutiesVersion: string;
  dueAt: Date;
  openedAt: Date;
  fulfilment: StoredDutyFulfilment | null;
};

export function dutyPeriodDocuments(conn: Connection): mongo.Collection<DutyPeriodDocument> {
  return conn.collection<DutyPeriodDocument>(COLLECTIONS.dutyPeriods);
}

/** `due`: not done and not yet due; `overdue`: not done and past due; `done`: fulfilled. */
export type DutyPeriodStatus = 'due' | 'done' | 'overdue';

export interface DutyPeriodQuery {
  agencies: AgencyFilter | null;
  status?: DutyPeriodStatus;
  /** The instant `due` and `overdue` are judged at. */
  now: Date;
  limit: number;
}

/** Duty periods of the agencies, the earliest due first. */
export async function listDutyPeriods(conn: Connection, q: DutyPeriodQuery): Promise<DutyPeriodDocument[]> {
  const and: Array<Record<string, unknown>> = [];
  if (q.agencies) and.push(q.agencies);
  if (q.status === 'done') and.push({ fulfilment: { $ne: null } });
  else if (q.status === 'due') and.push({ fulfilment: null, dueAt: { $gt: q.now } });
  else if (q.status === 'overdue') and.push({ fulfilment: null, dueAt: { $lte: q.now } });
  const filter = (and.length ? { $and: and } : {}) as mongo.Filter<DutyPeriodDocument>;
  return dutyPeriodDocuments(conn).find(filter).sort({ dueAt: 1, _id: 1 }).limit(q.limit).toArray();
}

/** Whether the duty period `code` has been fulfilled (false when no such period is recorded). */
export async function isDutyPeriodFulfilled(conn: Connection, code: string): Promise<boolean> {
  const doc = await dutyPeriodDocuments(conn).findOne({ _id: code }, { projection: { fulfilment: 1 } });
  return doc?.fulfilment != null;
}
