import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadCalendar } from './working-time';
import { checkCalendarFile, validateCalendarFile } from './calendar-file.schema';
import { DEFAULT_CALENDAR_PATH, loadCalendarFile, readJsonFile } from './calendar-files';
import { CalendarValidationError } from './errors';

function validFile(): Record<string, unknown> {
  return {
    id: 'test-calendar',
    timezone: 'Asia/Ho_Chi_Minh',
    weekendDays: [6, 7],
    workingHours: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    years: {
      '2026': {
        status: 'confirmed',
        daysOff: [{ date: '2026-02-16', kind: 'holiday', reason: 'Tết' }],
        makeUpWorkingDays: [{ date: '2026-01-10', reason: 'làm bù' }],
        sources: ['https://example.org'],
      },
    },
  };
}

type Mutation = (file: Record<string, unknown>) => void;
const year2026 = (file: Record<string, unknown>): Record<string, unknown> =>
  (file.years as Record<string, Record<string, unknown>>)['2026'] as Record<string, unknown>;

/** Returns the error `loadCalendar` throws for a mutated valid file. */
function rejection(mutate: Mutation): CalendarValidationError {
  const file = validFile();
  mutate(file);
  try {
    loadCalendar(file);
  } catch (error) {
    if (error instanceof CalendarValidationError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('calendar file validation', () => {
  test('when the real national file is validated, then it has no issues', () => {
    expect(checkCalendarFile(readJsonFile(DEFAULT_CALENDAR_PATH))).toEqual([]);
    expect(checkCalendarFile(validFile())).toEqual([]);
  });

  test.each<[string, Mutation, string, RegExp]>([
    ['an unknown zone', (f) => (f.timezone = 'Asia/Hanoi'), 'timezone', /unknown time zone "Asia\/Hanoi"/],
    ['a fixed offset instead of a zone', (f) => (f.timezone = '+07:00'), 'timezone', /unknown time zone/],
    ['no zone', (f) => delete f.timezone, 'timezone', /IANA time-zone name/],
    [
      'overlapping periods',
      (f) => (f.workingHours = [['08:00', '12:30'], ['12:00', '17:00']]),
      'workingHours[1]',
      /periods overlap or are out of order/,
    ],
    [
      'unordered periods',
      (f) => (f.workingHours = [['13:00', '17:00'], ['08:00', '12:00']]),
      'workingHours[1]',
      /periods overlap or are out of order/,
    ],
    ['a period ending before it starts', (f) => (f.workingHours = [['12:00', '08:00']]), 'workingHours[0]', /start 12:00 must be before end 08:00/],
    ['an empty period', (f) => (f.workingHours = [['08:00', '08:00']]), 'workingHours[0]', /must be before end/],
    ['a bad clock time', (f) => (f.workingHours = [['8:00', '12:00']]), 'workingHours[0][0]', /"8:00" is not a clock time HH:MM/],
    ['an hour past 24', (f) => (f.workingHours = [['08:00', '24:30']]), 'workingHours[0][1]', /"24:30" is not a clock time/],
    ['minute 60', (f) => (f.workingHours = [['08:60', '12:00']]), 'workingHours[0][0]', /not a clock time/],
    ['24:00 as a start', (f) => (f.workingHours = [['24:00', '24:00']]), 'workingHours[0][0]', /not a clock time/],
    ['a period that is not a pair', (f) => (f.workingHours = [['08:00']]), 'workingHours[0]', /must be a pair/],
    ['no periods', (f) => (f.workingHours = []), 'workingHours', /non-empty array/],
    [
      'a date that is not a real date',
      (f) => (year2026(f).daysOff = [{ date: '2026-02-30', kind: 'holiday' }]),
      'years.2026.daysOff[0].date',
      /"2026-02-30" is not a real date/,
    ],
    [
      'a badly written date',
      (f) => (year2026(f).makeUpWorkingDays = [{ date: '10/01/2026' }]),
      'years.2026.makeUpWorkingDays[0].date',
      /is not a real date YYYY-MM-DD/,
    ],
    [
      'a date both off and make-up',
      (f) => (year2026(f).daysOff = [{ date: '2026-01-10', kind: 'holiday' }]),
      'years.2026.makeUpWorkingDays[0].date',
      /2026-01-10 is both a day off \(years.2026.daysOff\[0\]\) and a make-up working day/,
    ],
    [
      'a date outside its year',
      (f) => (year2026(f).daysOff = [{ date: '2025-12-31', kind: 'holiday' }]),
      'years.2026.daysOff[0].date',
      /2025-12-31 is outside its year 2026/,
    ],
    [
      'a date listed twice',
      (f) => (year2026(f).daysOff = [{ date: '2026-02-16', kind: 'holiday' }, { date: '2026-02-16', kind: 'holiday' }]),
      'years.2026.daysOff[1].date',
      /listed twice \(also years.2026.daysOff\[0\]\)/,
    ],
    ['weekday number 0', (f) => (f.weekendDays = [0, 6]), 'weekendDays[0]', /0 is not an ISO weekday number/],
    ['weekday number 8', (f) => (f.weekendDays = [6, 8]), 'weekendDays[1]', /8 is not an ISO weekday number/],
    ['a weekday name', (f) => (f.weekendDays = ['Sat']), 'weekendDays[0]', /"Sat" is not an ISO weekday number/],
    ['a weekday listed twice', (f) => (f.weekendDays = [6, 6]), 'weekendDays[1]', /6 is listed twice/],
    ['no working weekday', (f) => (f.weekendDays = [1, 2, 3, 4, 5, 6, 7]), 'weekendDays', /every weekday is a weekend day/],
    ['weekend days not in an array', (f) => (f.weekendDays = 6), 'weekendDays', /must be an array/],
    ['a bad status', (f) => (year2026(f).status = 'official'), 'years.2026.status', /must be "confirmed" or "provisional" \(got "official"\)/],
    ['no status', (f) => delete year2026(f).status, 'years.2026.status', /must be "confirmed" or "provisional"/],
    [
      'a bad kind',
      (f) => (year2026(f).daysOff = [{ date: '2026-02-16', kind: 'bridge' }]),
      'years.2026.daysOff[0].kind',
      /must be one of holiday, compensatory, swapped-off \(got "bridge"\)/,
    ],
    ['a year key that is not a year', (f) => ((f.years as Record<string, unknown>)['26'] = { status: 'confirmed' }), 'years.26', /four-digit year/],
    ['a misspelt year field', (f) => (year2026(f).makeupWorkingDays = []), 'years.2026.makeupWorkingDays', /unknown field/],
    ['a misspelt top-level field', (f) => (f.weekendDay = [6, 7]), 'weekendDay', /unknown field/],
    ['an unknown field in a day off', (f) => (year2026(f).daysOff = [{ date: '2026-02-16', kind: 'holiday', note: 'x' }]), 'years.2026.daysOff[0].note', /unknown field/],
    ['a missing id', (f) => delete f.id, 'id', /non-empty identifier/],
    ['an id with spaces', (f) => (f.id = 'my calendar'), 'id', /non-empty identifier/],
    ['an empty version', (f) => (f.version = ' '), 'version', /non-empty string/],
    ['years not an object', (f) => (f.years = []), 'years', /must be an object keyed by year/],
    ['daysOff not an array', (f) => (year2026(f).daysOff = {}), 'years.2026.daysOff', /must be an array/],
    ['sources not strings', (f) => (year2026(f).sources = [1]), 'years.2026.sources', /array of strings/],
  ])('when a file has %s, then it is rejected naming %s', (_what, mutate, field, message) => {
    const error = rejection(mutate);
    expect(error.issues.map((issue) => issue.field)).toContain(field);
    const issue = error.issues.find((candidate) => candidate.field === field);
    expect(issue?.message).toMatch(message);
    expect(error.message).toContain(`${field}: `);
  });

  test('when a file has several problems, then every one is listed and the first is the error field', () => {
    const error = rejection((f) => {
      f.timezone = 'Mars/Olympus';
      f.workingHours = [['13:00', '17:00'], ['08:00', '12:00']];
    });
    expect(error.field).toBe('timezone');
    expect(error.message).toBe(
      'timezone: unknown time zone "Mars/Olympus"\nworkingHours[1]: periods overlap or are out of order',
    );
  });

  test('when the file is not an object, then the root is named', () => {
    expect(() => validateCalendarFile([])).toThrow('(root): a calendar file must be a JSON object');
    expect(() => validateCalendarFile(null)).toThrow(CalendarValidationError);
  });

  test('when a make-up day falls on a day that is worked anyway, then it is accepted as redundant', () => {
    const file = validFile();
    year2026(file).makeUpWorkingDays = [{ date: '2026-01-09' }];
    expect(loadCalendar(file).isWorkingDay('2026-01-09')).toMatchObject({ value: true, kind: 'make-up' });
  });

  test('when touching periods and a 24:00 end are used, then the file is valid', () => {
    const file = { ...validFile(), workingHours: [['00:00', '12:00'], ['12:00', '24:00']] };
    expect(loadCalendar(file).dayLengthMinutes).toBe(24 * 60);
  });

  test('when a file on disk is not JSON, then the error names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calendar-'));
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "id": ');
    expect(() => loadCalendarFile(path)).toThrow(/^\(file\): not valid JSON/);
  });

  test('when a file was rejected, then the caller gets no calendar and the input is untouched', () => {
    const file = validFile();
    file.timezone = 'Nowhere/Special';
    const before = JSON.stringify(file);
    expect(() => loadCalendar(file)).toThrow(CalendarValidationError);
    expect(JSON.stringify(file)).toBe(before);
  });

  test('when a valid file is loaded, then later changes to the input object do not change the calendar', () => {
    const file = validFile();
    const calendar = loadCalendar(file);
    year2026(file).daysOff = [];
    expect(calendar.isWorkingDay('2026-02-16').value).toBe(false);
    expect(Object.isFrozen(calendar.file)).toBe(true);
  });
});
