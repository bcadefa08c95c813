import { loadCalendar } from './working-time';
import { DEFAULT_CALENDAR_PATH, EXAMPLE_PROFILES_PATH, defaultCalendar, readJsonFile } from './calendar-files';
import { CalendarRegistry } from './calendar-registry';
import { contentVersion } from './calendar-version';
import { diffOpenDeadlines, type OpenDeadline } from './deadline-diff';
import { CalendarInputError, CalendarValidationError } from './errors';

const PROVINCE_AGENCY = 'EXAMPLE.PROVINCE.ONE-STOP';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function nationalJson(): Json {
  return readJsonFile(DEFAULT_CALENDAR_PATH) as Json;
}

/** The national file as it would be if the Labour Code amendment made 24/11 a day off. */
function withCultureDay(): Json {
  const json = nationalJson();
  json.years['2026'].daysOff.push({ date: '2026-11-24', kind: 'holiday', reason: 'Ngày Văn hóa Việt Nam (hypothetical)' });
  return json;
}

function registryWithProfiles(): CalendarRegistry {
  const registry = new CalendarRegistry();
  registry.loadProfiles(readJsonFile(EXAMPLE_PROFILES_PATH));
  return registry;
}

describe('calendar registry', () => {
  test('when the same files are loaded twice, then the fingerprints are equal; when a version or an assignment changes, then it differs', () => {
    const a = registryWithProfiles();
    const b = registryWithProfiles();
    const before = a.fingerprint();
    expect(b.fingerprint()).toBe(before);
    expect(new CalendarRegistry().fingerprint()).not.toBe(before);

    a.update(withCultureDay());
    const afterUpdate = a.fingerprint();
    expect(afterUpdate).not.toBe(before);
    // The same version again installs nothing.
    a.update(withCultureDay());
    expect(a.fingerprint()).toBe(afterUpdate);

    b.assignAgency('ANOTHER', 'vn-province-0700');
    expect(b.fingerprint()).not.toBe(before);
  });

  test('when an agency has no profile, then it gets the national calendar', () => {
    const registry = new CalendarRegistry();
    expect(registry.forAgency('UNKNOWN').id).toBe('vn-civil-service');
    expect(registry.forAgency(undefined)).toBe(registry.national);
    expect(registry.forAgency(null)).toBe(defaultCalendar());
  });

  test('when the example profiles are loaded, then the province agency works 07:00–11:30 and 13:30–17:00 with the national days off', () => {
    const registry = registryWithProfiles();
    const province = registry.forAgency(PROVINCE_AGENCY);
    expect(province.id).toBe('vn-province-0700');
    expect(province.dayLengthMinutes).toBe(480);
    const oneDay = province.due({ from: '2026-03-02T07:00:00+07:00', amount: 1, unit: 'working-day' });
    expect(province.formatInstant(oneDay.due)).toBe('2026-03-02T17:00:00+07:00');
    const lunch = province.due({ from: '2026-03-02T11:45:00+07:00', amount: 1, unit: 'working-hour' });
    expect(province.formatInstant(lunch.due)).toBe('2026-03-02T14:30:00+07:00');
    expect(province.isWorkingDay('2026-02-17')).toMatchObject({ value: false, kind: 'holiday' });
    expect(registry.forAgency('ANOTHER').id).toBe('vn-civil-service');
  });

  test('when the government adds 24/11/2026 as a day off, then exactly the open deadlines that cross it change, in every calendar derived from it', () => {
    const registry = registryWithProfiles();
    const oldNational = registry.national;
    const deadlines: OpenDeadline[] = [
      { key: 'crosses-24-11', from: '2026-11-23T10:00:00+07:00', amount: 1, unit: 'working-day' },
      { key: 'before-24-11', from: '2026-11-20T10:00:00+07:00', amount: 1, unit: 'working-day' },
      { key: 'province-crosses', agencyCode: PROVINCE_AGENCY, from: '2026-11-23T09:00:00+07:00', amount: 1, unit: 'working-day' },
      { key: 'province-before', agencyCode: PROVINCE_AGENCY, from: '2026-11-02T09:00:00+07:00', amount: 1, unit: 'working-day' },
      { key: 'calendar-day', calendarId: 'vn-civil-service', from: '2026-11-17T10:00:00+07:00', amount: 7, unit: 'calendar-day' },
    ];
    const updates = registry.update(withCultureDay(), deadlines);

    expect(updates.map((u) => [u.calendarId, u.previousVersion === null, u.version !== u.previousVersion])).toEqual([
      ['vn-civil-service', false, true],
      ['vn-province-0700', false, true],
    ]);
    const [national, province] = updates;
    expect(national?.changes.map((c) => [c.key, c.oldDue.toISOString(), c.newDue.toISOString()])).toEqual([
      ['crosses-24-11', '2026-11-24T03:00:00.000Z', '2026-11-25T03:00:00.000Z'],
      // 24/11 was a working day reached at 10:00; now it is off, so the end of 25/11.
      ['calendar-day', '2026-11-24T03:00:00.000Z', '2026-11-25T10:00:00.000Z'],
    ]);
    expect(province?.changes.map((c) => [c.key, c.oldDue.toISOString(), c.newDue.toISOString()])).toEqual([
      ['province-crosses', '2026-11-24T02:00:00.000Z', '2026-11-25T02:00:00.000Z'],
    ]);
    expect(national?.changes[0]).toMatchObject({ calendarId: 'vn-civil-service', oldVersion: oldNational.version, uncertain: false });

    expect(registry.national.isWorkingDay('2026-11-24')).toMatchObject({ value: false, kind: 'holiday' });
    expect(registry.forAgency(PROVINCE_AGENCY).isWorkingDay('2026-11-24').value).toBe(false);
    expect(registry.history('vn-civil-service').map((c) => c.version)).toEqual([oldNational.version, registry.national.version]);
    expect(registry.getVersion('vn-civil-service', oldNational.version)?.isWorkingDay('2026-11-24').value).toBe(true);
  });

  test('when the same content is loaded again, then nothing changes', () => {
    const registry = new CalendarRegistry();
    const reordered = Object.fromEntries(Object.entries(nationalJson()).reverse());
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(nationalJson()));
    expect(registry.update(reordered, [])).toEqual([]);
    expect(contentVersion(reordered)).toBe(registry.national.version);
  });

  test('when a deadline carries its recorded due, then the diff compares with that record', () => {
    const old = defaultCalendar();
    const next = loadCalendar(withCultureDay());
    const recorded = { key: 'recorded', from: '2026-03-02T10:00:00+07:00', amount: 1, unit: 'working-day' as const, due: '2026-03-02T10:00:00+07:00' };
    const changes = diffOpenDeadlines(old, next, [recorded]);
    expect(changes).toEqual([
      expect.objectContaining({ key: 'recorded', oldDue: new Date('2026-03-02T03:00:00Z'), newDue: new Date('2026-03-03T03:00:00Z') }),
    ]);
    expect(diffOpenDeadlines(old, next, [{ ...recorded, due: '2026-03-03T10:00:00+07:00' }])).toEqual([]);
  });

  test('when a file has an explicit version, then that is the version', () => {
    const calendar = loadCalendar({ ...nationalJson(), version: '2026.1' });
    expect(calendar.version).toBe('2026.1');
    const registry = new CalendarRegistry(calendar);
    registry.loadProfiles({ profiles: [{ id: 'p', extends: 'vn-civil-service', version: 'p1', workingHours: [['07:00', '16:00']] }] });
    expect(registry.get('p')?.version).toBe('p1+2026.1');
  });

  test('when a new calendar id is registered, then it can be assigned to an agency', () => {
    const registry = new CalendarRegistry();
    const json = { ...nationalJson(), id: 'saturday-office', weekendDays: [7] };
    const [update] = registry.update(json);
    expect(update).toMatchObject({ calendarId: 'saturday-office', previousVersion: null, changes: [] });
    registry.assignAgency('H99', 'saturday-office');
    expect(registry.forAgency('H99').isWorkingDay('2026-03-07').value).toBe(true);
    expect(registry.ids()).toEqual(['vn-civil-service', 'saturday-office']);
    expect(() => registry.assignAgency('H98', 'nope')).toThrow(CalendarInputError);
  });

  test('when a derived profile is replaced by a full calendar, then later national changes no longer reach it', () => {
    const registry = registryWithProfiles();
    registry.register({ ...nationalJson(), id: 'vn-province-0700' });
    const updates = registry.update(withCultureDay());
    expect(updates.map((u) => u.calendarId)).toEqual(['vn-civil-service']);
    expect(registry.forAgency(PROVINCE_AGENCY).isWorkingDay('2026-11-24').value).toBe(true);
  });

  test.each<[string, string, unknown, RegExp]>([
    [
      'overlapping profile hours',
      'profiles[0].workingHours[1]',
      { profiles: [{ id: 'p', extends: 'vn-civil-service', workingHours: [['07:00', '12:00'], ['11:00', '17:00']] }] },
      /periods overlap or are out of order/,
    ],
    ['an unknown base', 'profiles[0].extends', { profiles: [{ id: 'p', extends: 'nowhere' }] }, /unknown base calendar "nowhere"/],
    ['an unknown profile field', 'profiles[0].years', { profiles: [{ id: 'p', extends: 'vn-civil-service', years: {} }] }, /unknown field/],
    [
      'a bad full calendar',
      'profiles[0].timezone',
      { profiles: [{ id: 'p', timezone: 'Nowhere/X', weekendDays: [6, 7], workingHours: [['08:00', '17:00']], years: {} }] },
      /unknown time zone/,
    ],
    ['an agency mapped to an unknown calendar', 'agencies.H12', { agencies: { H12: 'nope' } }, /unknown calendar "nope"/],
    ['a misspelt top-level field', 'profile', { profile: [] }, /unknown field/],
  ])('when a profiles file has %s, then it is rejected naming %s and nothing is registered', (_what, field, json, message) => {
    const registry = new CalendarRegistry();
    let error: unknown;
    try {
      registry.loadProfiles(json);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CalendarValidationError);
    const issue = (error as CalendarValidationError).issues.find((candidate) => candidate.field === field);
    expect(issue?.message).toMatch(message);
    expect(registry.ids()).toEqual(['vn-civil-service']);
  });
});
