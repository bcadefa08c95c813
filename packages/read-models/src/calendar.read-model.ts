import type { Connection, mongo } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import type { Page, StoredInstant } from './query-filter';

/**
 * A document of workflow's `calendars` collection: one per application of a calendar version,
 * so re-applying an older version (a rollback) is a newer document.
 */
export type CalendarDocument = {
  _id: string;
  calendarId: string;
  version: string;
  /** The calendar file as applied; `@tthc/calendar` validates it when installing. */
  calendar: unknown;
  appliedAt: Date;
};

export function calendarDocuments(conn: Connection): mongo.Collection<CalendarDocument> {
  return conn.collection<CalendarDocument>(COLLECTIONS.calendars);
}

/** The version in force of one calendar id: its newest application. */
export async function latestCalendarOf(conn: Connection, calendarId: string): Promise<CalendarDocument | null> {
  return calendarDocuments(conn).find({ calendarId }).sort({ appliedAt: -1 }).limit(1).next();
}

/** The version in force of every calendar id ever applied. */
export async function latestCalendars(conn: Connection): Promise<CalendarDocument[]> {
  const ids: string[] = await calendarDocuments(conn).distinct('calendarId');
  const docs = await Promise.all(ids.map((id) => latestCalendarOf(conn, id)));
  return docs.filter((d): d is CalendarDocument => d !== null);
}

/**
 * One open subject whose deadlines moved with a calendar version, as far as readers rely on
 * it: workflow stores its kind, old and new due instants and moved deadline keys too, and
 * reporting serves the entry as stored to the keys of its agency.
 */
export type StoredAffectedSubject = { code: string; agencyCode: string | null };

/** A document of workflow's `calendar_audits` collection: what one calendar application moved. */
export type CalendarAuditDocument = {
  /** The application's id (the `calendars` document's). */
  _id: string;
  calendarId: string;
  fromVersion: string | null;
  toVersion: string;
  appliedAt: StoredInstant;
  affected: StoredAffectedSubject[];
  unchangedOpenCount: number;
};

export function calendarAuditDocuments(conn: Connection): mongo.Collection<CalendarAuditDocument> {
  return conn.collection<CalendarAuditDocument>(COLLECTIONS.calendarAudits);
}

/** Audits of one calendar id or of all, newest application first. */
export async function listCalendarAudits(conn: Connection, q: { calendarId?: string; page: number; pageSize: number }): Promise<Page<CalendarAuditDocument>> {
  const audits = calendarAuditDocuments(conn);
  const filter = q.calendarId ? { calendarId: q.calendarId } : {};
  const [total, items] = await Promise.all([
    audits.countDocuments(filter),
    audits.find(filter).sort({ appliedAt: -1, _id: 1 }).skip((q.page - 1) * q.pageSize).limit(q.pageSize).toArray(),
  ]);
  return { total, items };
}
