import { CalendarRegistry, DEFAULT_CALENDAR_PATH, defaultCalendar, loadCalendarFile, readJsonFile } from '@tthc/calendar';
import { followCalendars } from './follow-calendars.use-case';

describe('following calendar versions', () => {
  test('when workflow stored a new version of the national calendar, then sla installs it once and plans with it', async () => {
    const registry = new CalendarRegistry(defaultCalendar());
    const file = readJsonFile(DEFAULT_CALENDAR_PATH) as { id: string; years: Record<string, { daysOff: Array<Record<string, unknown>> }> };
    // 24/11/2026 (Culture Day) made a day off by a late decision.
    file.years['2026']!.daysOff.push({ date: '2026-11-24', kind: 'holiday', reason: 'Ngày Văn hóa Việt Nam (late decision)' });
    expect(loadCalendarFile(DEFAULT_CALENDAR_PATH).isWorkingDay('2026-11-24').value).toBe(true);
    const source = { latest: async () => [{ calendarId: file.id, version: 'late-decision-1', calendar: { ...file, version: 'late-decision-1' } }] };

    expect(await followCalendars(registry, source)).toEqual([`${file.id}@late-decision-1`]);
    expect(registry.forAgency('G01.001.000').isWorkingDay('2026-11-24').value).toBe(false);
    expect(await followCalendars(registry, source)).toEqual([]);
  });
});
