import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import type { CalendarVersionSource } from '../domain/follow-calendars.use-case';

/** Reads (never writes) the calendar versions workflow stores; newest application per id. */
export function createCalendarVersionSource(conn: Connection): CalendarVersionSource {
  const calendars = conn.collection(COLLECTIONS.calendars);
  return {
    async latest() {
      const ids = (await calendars.distinct('calendarId')) as string[];
      const docs = await Promise.all(ids.map((calendarId) => calendars.find({ calendarId }).sort({ appliedAt: -1 }).limit(1).next()));
      return docs.filter((d) => d !== null).map((d) => ({ calendarId: String(d['calendarId']), version: String(d['version']), calendar: d['calendar'] as unknown }));
    },
  };
}
