import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '@tthc/platform';
import { COLLECTIONS } from '@tthc/contracts';
import { calendarAuditDocuments, latestCalendarOf, latestCalendars, type CalendarDocument } from '@tthc/read-models';
import type { CalendarVersionStore, StoredCalendarVersion } from '../domain/sync-calendars.use-case';
import type { CalendarAudit, CalendarAuditStore } from '../domain/recompute-calendar.use-case';

// Declared in `@tthc/read-models`: sla reads this collection too.
type CalendarDoc = CalendarDocument;

const calendarSchema = new Schema<CalendarDoc>(
  {
    _id: { type: String },
    calendarId: { type: String, required: true },
    version: { type: String, required: true },
    calendar: { type: Schema.Types.Mixed, required: true },
    appliedAt: { type: Date, required: true },
  },
  { collection: COLLECTIONS.calendars, versionKey: false, minimize: false },
);
// Serves `latest`: the newest application per calendar id.
calendarSchema.index({ calendarId: 1, appliedAt: -1 });

function calendarModel(conn: Connection): Model<CalendarDoc> {
  return modelOn<CalendarDoc>(conn, 'CalendarVersion', calendarSchema);
}

export interface CalendarStore extends CalendarVersionStore {
  init(): Promise<void>;
  /** Every stored application, oldest first. */
  all(): Promise<StoredCalendarVersion[]>;
  /**
   * Records a calendar version as the active one. Nothing is written when it already is the
   * latest of its id, so applying the same file twice is harmless.
   */
  apply(calendar: { id: string; version: string; file: unknown }, appliedAt?: Date): Promise<{ stored: boolean; record: StoredCalendarVersion }>;
}

const toStored = (d: CalendarDoc): StoredCalendarVersion => ({
  id: d._id,
  calendarId: d.calendarId,
  version: d.version,
  calendar: d.calendar,
  appliedAt: new Date(d.appliedAt).toISOString(),
});

export function createCalendarStore(conn: Connection): CalendarStore {
  const model = calendarModel(conn);
  return {
    async init() {
      await model.init();
      await model.createIndexes();
    },
    async all() {
      const docs = await model.find({}).sort({ appliedAt: 1 }).lean<CalendarDoc[]>().exec();
      return docs.map(toStored);
    },
    async latest() {
      return (await latestCalendars(conn)).map(toStored);
    },
    async apply(calendar, appliedAt = new Date()) {
      const current = await latestCalendarOf(conn, calendar.id);
      if (current?.version === calendar.version) return { stored: false, record: toStored(current) };
      const doc: CalendarDoc = {
        _id: `${calendar.id}@${calendar.version}@${appliedAt.toISOString()}`,
        calendarId: calendar.id,
        version: calendar.version,
        calendar: JSON.parse(JSON.stringify(calendar.file)),
        appliedAt,
      };
      await model.collection.insertOne(doc as never);
      return { stored: true, record: toStored(doc) };
    },
  };
}

export function createCalendarAuditStore(conn: Connection): CalendarAuditStore & { init(): Promise<void> } {
  const audits = () => calendarAuditDocuments(conn);
  return {
    async init() {
      // Serves the reporting list, newest first.
      await audits().createIndex({ appliedAt: -1 });
    },
    async exists(id) {
      return (await audits().countDocuments({ _id: id }, { limit: 1 })) > 0;
    },
    async insert(audit: CalendarAudit) {
      try {
        await audits().insertOne({ ...audit, appliedAt: new Date(audit.appliedAt) });
      } catch (err) {
        // Another instance recorded the same application first.
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    },
  };
}
