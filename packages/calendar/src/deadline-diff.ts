/**
 * Which open deadlines change when a calendar gets a new version (e.g. the government adds a
 * day off mid-year). Closed cases are not the concern here: their answers stay frozen with the
 * version recorded on them.
 */
import type { Calendar, DurationUnit } from './working-time';
import { toInstantMs, type InstantInput } from './instant';

export interface OpenDeadline {
  /** The caller's identifier (dossier code, step id, …). */
  readonly key: string;
  /** The calendar the deadline was computed with; used by the registry to route the deadline. */
  readonly calendarId?: string;
  /** Alternatively, the agency whose calendar applies (registry only). */
  readonly agencyCode?: string;
  readonly from: InstantInput;
  readonly amount: number;
  readonly unit: DurationUnit;
  readonly cutoff?: string;
  /** The due instant on record; when absent it is recomputed with the old calendar. */
  readonly due?: InstantInput;
}

export interface DeadlineChange {
  readonly key: string;
  readonly calendarId: string;
  readonly oldVersion: string;
  readonly newVersion: string;
  readonly oldDue: Date;
  readonly newDue: Date;
  /** Whether the new answer is still uncertain (provisional or missing years). */
  readonly uncertain: boolean;
}

/** The open deadlines whose due instant differs (to the second) between two calendar versions. */
export function diffOpenDeadlines(
  oldCalendar: Calendar,
  newCalendar: Calendar,
  openDeadlines: readonly OpenDeadline[],
): DeadlineChange[] {
  const changes: DeadlineChange[] = [];
  for (const deadline of openDeadlines) {
    const request = {
      from: deadline.from,
      amount: deadline.amount,
      unit: deadline.unit,
      ...(deadline.cutoff === undefined ? {} : { cutoff: deadline.cutoff }),
    };
    const oldDue =
      deadline.due === undefined ? oldCalendar.due(request).due.getTime() : toInstantMs(deadline.due, `${deadline.key}.due`);
    const next = newCalendar.due(request);
    if (next.due.getTime() !== oldDue) {
      changes.push({
        key: deadline.key,
        calendarId: newCalendar.id,
        oldVersion: oldCalendar.version,
        newVersion: newCalendar.version,
        oldDue: new Date(oldDue),
        newDue: next.due,
        uncertain: next.uncertain,
      });
    }
  }
  return changes;
}
