import type { Connection } from 'mongoose';
import { latestCalendars } from '@tthc/read-models';
import type { CalendarVersionSource } from '../domain/follow-calendars.use-case';

/** Reads (never writes) the calendar versions workflow stores; newest application per id. */
export function createCalendarVersionSource(conn: Connection): CalendarVersionSource {
  return {
    async latest() {
      const docs = await latestCalendars(conn);
      return docs.map((d) => ({ calendarId: d.calendarId, version: d.version, calendar: d.calendar }));
    },
  };
}
