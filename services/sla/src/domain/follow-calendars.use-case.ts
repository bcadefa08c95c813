import type { CalendarRegistry } from '@tthc/calendar';

/** The newest stored calendar file of each calendar id (written by workflow's calendar:apply). */
export interface CalendarVersionSource {
  latest(): Promise<Array<{ calendarId: string; version: string; calendar: unknown }>>;
}

/**
 * Installs calendar versions applied since this process started. Workflow re-derives the moved
 * due instants and republishes them; sla needs the same calendar for what it computes itself:
 * warning and escalation instants and the working time late in alerts.
 */
export async function followCalendars(registry: CalendarRegistry, source: CalendarVersionSource): Promise<string[]> {
  const installed: string[] = [];
  for (const stored of await source.latest()) {
    if (registry.get(stored.calendarId)?.version === stored.version) continue;
    registry.update(stored.calendar);
    installed.push(`${stored.calendarId}@${stored.version}`);
  }
  return installed;
}
