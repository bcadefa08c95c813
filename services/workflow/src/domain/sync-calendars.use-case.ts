import type { CalendarRegistry } from '@tthc/calendar';
import type { CalendarAudit, CalendarAuditStore } from './recompute-calendar.use-case';

/** One stored application of a calendar version (`calendars` collection). */
export interface StoredCalendarVersion {
  /** Unique per application, so re-applying an older version (a rollback) is a new record. */
  id: string;
  calendarId: string;
  version: string;
  calendar: unknown;
  appliedAt: string;
}

export interface CalendarVersionStore {
  /** The latest application of each calendar id. */
  latest(): Promise<StoredCalendarVersion[]>;
}

export type RecomputeOnChange = (change: { auditId: string; calendarId: string; fromVersion: string | null; toVersion: string; appliedAt: string }) => Promise<CalendarAudit>;

/**
 * Brings the in-memory calendars up to the stored versions. A version whose audit already
 * exists was recomputed before (by this or another instance, or before a restart) and is only
 * installed; otherwise every open subject is re-derived with it.
 */
export async function syncCalendars(deps: {
  versions: CalendarVersionStore;
  registry: CalendarRegistry;
  audits: Pick<CalendarAuditStore, 'exists'>;
  recompute: RecomputeOnChange;
}): Promise<{ applied: CalendarAudit[]; installed: string[] }> {
  const applied: CalendarAudit[] = [];
  const installed: string[] = [];
  for (const stored of await deps.versions.latest()) {
    const previous = deps.registry.get(stored.calendarId);
    const before = previous?.version ?? null;
    if (before === stored.version) continue;
    deps.registry.update(stored.calendar);
    try {
      if (!(await deps.audits.exists(stored.id))) {
        applied.push(await deps.recompute({ auditId: stored.id, calendarId: stored.calendarId, fromVersion: before, toVersion: stored.version, appliedAt: stored.appliedAt }));
      }
    } catch (err) {
      // Back to the previous version, so the next sync sees the change again and resumes it.
      if (previous) deps.registry.update(previous);
      throw err;
    }
    installed.push(`${stored.calendarId}@${stored.version}`);
  }
  return { applied, installed };
}
