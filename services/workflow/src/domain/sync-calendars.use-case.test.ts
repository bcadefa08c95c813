import { readFileSync } from 'node:fs';
import { CalendarRegistry, DEFAULT_CALENDAR_PATH, loadCalendar } from '@tthc/calendar';
import { syncCalendars, type StoredCalendarVersion } from './sync-calendars.use-case';
import type { CalendarAudit } from './recompute-calendar.use-case';

const national = JSON.parse(readFileSync(DEFAULT_CALENDAR_PATH, 'utf8')) as { years: Record<string, { daysOff: unknown[] }> };
const withDayOff = structuredClone(national);
withDayOff.years['2026']!.daysOff.push({ date: '2026-11-24', kind: 'holiday', reason: 'test' });
const next = loadCalendar(withDayOff);
const stored: StoredCalendarVersion = { id: `vn-civil-service@${next.version}@t`, calendarId: 'vn-civil-service', version: next.version, calendar: withDayOff, appliedAt: '2026-11-23T00:00:00.000Z' };

describe('calendar sync', () => {
  test('when a stored version is new, then it is installed and recomputed once; a second sync does nothing', async () => {
    const registry = new CalendarRegistry(loadCalendar(national));
    const from = registry.national.version;
    const audits: CalendarAudit[] = [];
    const recompute = jest.fn(async (change: { auditId: string; calendarId: string; fromVersion: string | null; toVersion: string; appliedAt: string }) => {
      const audit = { _id: change.auditId, ...change, affected: [], unchangedOpenCount: 0 } as CalendarAudit;
      audits.push(audit);
      return audit;
    });
    const deps = { versions: { latest: async () => [stored] }, registry, audits: { exists: async (id: string) => audits.some((a) => a._id === id) }, recompute };
    const first = await syncCalendars(deps);
    expect(first.installed).toEqual([`vn-civil-service@${next.version}`]);
    expect(recompute).toHaveBeenCalledWith(expect.objectContaining({ fromVersion: from, toVersion: next.version }));
    expect(registry.forAgency('G01').isWorkingDay('2026-11-24').value).toBe(false);
    expect(await syncCalendars(deps)).toEqual({ applied: [], installed: [] });
    expect(recompute).toHaveBeenCalledTimes(1);
  });

  test('when the recompute fails, then the previous version is active again and the next sync retries', async () => {
    const registry = new CalendarRegistry(loadCalendar(national));
    const from = registry.national.version;
    let fail = true;
    const recompute = async (change: { auditId: string }) => {
      if (fail) throw new Error('mongo went away');
      return { _id: change.auditId } as CalendarAudit;
    };
    const deps = { versions: { latest: async () => [stored] }, registry, audits: { exists: async () => false }, recompute };
    await expect(syncCalendars(deps)).rejects.toThrow('mongo went away');
    expect(registry.national.version).toBe(from);
    fail = false;
    expect((await syncCalendars(deps)).applied).toHaveLength(1);
    expect(registry.national.version).toBe(next.version);
  });
});
