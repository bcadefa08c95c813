/**
 * The examples of docs/calendar.md and every kind of day of the real national calendar, 2024–2027.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadCalendar, type Calendar, type DurationUnit } from './working-time';
import { DEFAULT_CALENDAR_PATH, defaultCalendar } from './calendar-files';
import { CalendarInputError } from './errors';

const national = defaultCalendar();

function due(from: string, amount: number, unit: DurationUnit, cutoff?: string, calendar: Calendar = national) {
  const answer = calendar.due({ from, amount, unit, ...(cutoff === undefined ? {} : { cutoff }) });
  return { due: calendar.formatInstant(answer.due), uncertain: answer.uncertain };
}

describe('docs/calendar.md examples (vn-civil-service.json)', () => {
  test.each([
    ['2026-02-13T14:00:00+07:00', 3, 'working-day', undefined, '2026-02-25T14:00:00+07:00', 'Fri before Tết'],
    ['2026-01-09T16:00:00+07:00', 1, 'working-day', undefined, '2026-01-10T16:00:00+07:00', 'make-up Saturday'],
    ['2026-03-02T15:30:00+07:00', 0, 'working-day', '15:00', '2026-03-03T17:00:00+07:00', 'after the cut-off'],
    ['2026-03-02T12:30:00+07:00', 4, 'working-hour', undefined, '2026-03-02T17:00:00+07:00', 'lunch'],
    ['2026-08-28T10:00:00+07:00', 1, 'working-day', undefined, '2026-09-03T10:00:00+07:00', 'Quốc khánh with a swap'],
  ] as const)('when %s + %s %s (cut-off %s), then due is %s (%s)', (from, amount, unit, cutoff, expected, _why) => {
    expect(due(from, amount, unit, cutoff)).toEqual({ due: expected, uncertain: false });
  });

  test('when working time between Fri 13/2/2026 16:00 and Mon 23/2/2026 09:00 is asked, then it is 120 minutes', () => {
    const answer = national.between('2026-02-13T16:00:00+07:00', '2026-02-23T09:00:00+07:00');
    expect(answer).toMatchObject({ minutes: 120, milliseconds: 7_200_000, uncertain: false });
  });
});

describe('kinds of days in the national calendar', () => {
  test.each([
    ['2024-02-09', false, 'holiday', 'Tết Giáp Thìn'],
    ['2024-02-10', false, 'weekend', 'a Tết day falling on Saturday stays a weekend day'],
    ['2024-02-13', false, 'compensatory', 'nghỉ bù for the Saturday Tết day'],
    ['2024-04-29', false, 'swapped-off', 'hoán đổi Monday'],
    ['2024-05-04', true, 'make-up', 'làm bù Saturday'],
    ['2025-01-29', false, 'holiday', 'mùng 1 Tết Ất Tỵ'],
    ['2025-05-02', false, 'swapped-off', 'hoán đổi Friday'],
    ['2025-04-26', true, 'make-up', 'làm bù Saturday'],
    ['2025-09-01', false, 'holiday', 'Quốc khánh adjacent day'],
    ['2026-01-02', false, 'swapped-off', 'hoán đổi Friday'],
    ['2026-01-10', true, 'make-up', 'làm bù Saturday'],
    ['2026-04-26', false, 'weekend', 'Giỗ Tổ on a Sunday'],
    ['2026-04-27', false, 'compensatory', 'nghỉ bù for Giỗ Tổ'],
    ['2026-08-22', true, 'make-up', 'làm bù Saturday'],
    ['2026-03-03', true, 'weekday', 'an ordinary Tuesday'],
    ['2026-03-07', false, 'weekend', 'an ordinary Saturday'],
  ] as const)('when %s is asked, then working is %s (%s: %s)', (date, value, kind, _why) => {
    expect(national.isWorkingDay(date)).toMatchObject({ date, value, kind, uncertain: false, yearStatus: 'confirmed' });
  });

  test('when a day off is asked, then its reason from the file is given', () => {
    expect(national.isWorkingDay('2026-02-17').reason).toMatch(/mùng 1 Tết/);
  });

  test('when 24/11/2026 is asked, then it is a working day (the Culture Day holiday is not law yet)', () => {
    expect(national.isWorkingDay('2026-11-24')).toMatchObject({ value: true, kind: 'weekday', uncertain: false });
  });

  test('when a 2027 date is asked, then the answer is flagged uncertain (provisional year)', () => {
    expect(national.isWorkingDay('2027-02-05')).toMatchObject({ value: false, kind: 'holiday', uncertain: true, yearStatus: 'provisional' });
    expect(national.isWorkingDay('2027-03-03')).toMatchObject({ value: true, uncertain: true });
  });

  test('when a date of a year missing from the file is asked, then the weekday rule alone applies and it is uncertain', () => {
    expect(national.isWorkingDay('2030-01-01')).toMatchObject({ value: true, kind: 'weekday', uncertain: true, yearStatus: 'missing' });
    expect(national.isWorkingDay('2023-12-30')).toMatchObject({ value: false, kind: 'weekend', uncertain: true });
  });

  test('when a date is not a real date, then a CalendarInputError names the date', () => {
    expect(() => national.isWorkingDay('2026-02-30')).toThrow(CalendarInputError);
    expect(() => national.isWorkingDay('2026-2-3')).toThrow(/date: "2026-2-3" is not a real date/);
  });
});

describe('working-day deadlines across the real holidays', () => {
  test.each([
    ['2024-02-07T10:00:00+07:00', 1, '2024-02-15T10:00:00+07:00', 'Tết 2024 and its two nghỉ bù days'],
    ['2024-04-26T10:00:00+07:00', 1, '2024-05-02T10:00:00+07:00', 'the hoán đổi Monday 29/4/2024 and 30/4–1/5'],
    ['2024-05-03T14:00:00+07:00', 1, '2024-05-04T14:00:00+07:00', 'the make-up Saturday 4/5/2024'],
    ['2025-01-24T09:00:00+07:00', 1, '2025-02-03T09:00:00+07:00', 'Tết 2025'],
    ['2025-04-25T16:00:00+07:00', 1, '2025-04-26T16:00:00+07:00', 'the make-up Saturday 26/4/2025'],
    ['2025-04-29T10:00:00+07:00', 1, '2025-05-05T10:00:00+07:00', '30/4, 1/5 and the hoán đổi Friday 2/5/2025'],
    ['2025-12-31T10:00:00+07:00', 1, '2026-01-05T10:00:00+07:00', 'New Year and the hoán đổi Friday 2/1/2026'],
    ['2026-04-24T10:00:00+07:00', 1, '2026-04-28T10:00:00+07:00', 'Giỗ Tổ on Sunday and its nghỉ bù Monday'],
    ['2026-02-13T14:00:00+07:00', 10, '2026-03-06T14:00:00+07:00', 'ten working days over Tết'],
    ['2026-01-02T09:00:00+07:00', 250, '2026-12-31T17:00:00+07:00', 'all 250 working days of 2026 from the hoán đổi Friday: the answer stays on the last period end'],
  ])('when %s + %s working-day, then due is %s (%s)', (from, amount, expected) => {
    expect(due(from, amount, 'working-day').due).toBe(expected);
  });

  test('when a deadline reaches into 2027, then it is flagged uncertain', () => {
    expect(due('2026-12-31T10:00:00+07:00', 0, 'working-day')).toEqual({ due: '2026-12-31T17:00:00+07:00', uncertain: false });
    // 1/1/2027 is a provisional holiday.
    expect(due('2026-12-31T10:00:00+07:00', 1, 'working-day')).toEqual({ due: '2027-01-04T10:00:00+07:00', uncertain: true });
    expect(due('2027-02-04T10:00:00+07:00', 1, 'working-day')).toEqual({ due: '2027-02-08T10:00:00+07:00', uncertain: true });
  });

  test('when a deadline uses a year missing from the file, then it is flagged uncertain', () => {
    expect(due('2030-06-03T10:00:00+07:00', 1, 'working-day')).toEqual({ due: '2030-06-04T10:00:00+07:00', uncertain: true });
    // Reception in 2023 (not in the file), due in 2024 after the 1/1 holiday.
    expect(due('2023-12-29T10:00:00+07:00', 1, 'working-day')).toEqual({ due: '2024-01-02T10:00:00+07:00', uncertain: true });
  });

  test('when the answer records its calendar, then id and version are those of the file', () => {
    const answer = national.due({ from: '2026-03-02T09:00:00+07:00', amount: 1, unit: 'working-day' });
    expect(answer).toMatchObject({ calendarId: 'vn-civil-service', calendarVersion: national.version, firstYear: 2026, lastYear: 2026 });
    expect(national.version).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('the 15:00 cut-off', () => {
  test.each([
    ['2026-03-02T14:59:59+07:00', 0, '2026-03-02T17:00:00+07:00', 'just before: within the same day'],
    ['2026-03-02T15:00:00+07:00', 0, '2026-03-03T17:00:00+07:00', 'exactly at the cut-off: next working day'],
    ['2026-03-02T15:30:00+07:00', 1, '2026-03-03T17:00:00+07:00', 'one working day from the next morning ends that evening'],
    ['2026-03-07T10:00:00+07:00', 0, '2026-03-09T17:00:00+07:00', 'on a Saturday: from Monday'],
    ['2026-02-13T15:30:00+07:00', 0, '2026-02-23T17:00:00+07:00', 'Friday before Tết: from Monday after Tết'],
    ['2026-01-09T15:10:00+07:00', 0, '2026-01-10T17:00:00+07:00', 'Friday before a make-up Saturday: the Saturday counts'],
    ['2026-03-02T07:00:00+07:00', 0, '2026-03-02T17:00:00+07:00', 'before opening: the same day'],
  ])('when received %s with %s working-day and cut-off 15:00, then due is %s (%s)', (from, amount, expected) => {
    expect(due(from, amount, 'working-day', '15:00').due).toBe(expected);
  });

  test('when received after the cut-off, then counting starts at 08:00 of the next working day', () => {
    expect(national.formatInstant(national.startOfCounting('2026-03-02T16:00:00+07:00', '15:00').start)).toBe('2026-03-03T08:00:00+07:00');
    expect(national.formatInstant(national.startOfCounting('2026-03-02T14:00:00+07:00', '15:00').start)).toBe('2026-03-02T14:00:00+07:00');
  });

  test('when working hours are counted with a cut-off, then the cut-off moves the start too', () => {
    expect(due('2026-03-02T15:30:00+07:00', 2, 'working-hour', '15:00').due).toBe('2026-03-03T10:00:00+07:00');
    expect(due('2026-03-02T15:30:00+07:00', 2, 'working-hour').due).toBe('2026-03-03T08:30:00+07:00');
  });
});

describe('reception times around the working periods', () => {
  test.each([
    ['2026-03-02T22:00:00+07:00', 4, '2026-03-03T12:00:00+07:00', 'at night: from 08:00 next day'],
    ['2026-03-03T03:00:00+07:00', 1, '2026-03-03T09:00:00+07:00', 'before dawn: from 08:00 the same day'],
    ['2026-03-07T10:00:00+07:00', 1, '2026-03-09T09:00:00+07:00', 'on a Saturday: from Monday 08:00'],
    ['2026-03-08T23:59:59+07:00', 1, '2026-03-09T09:00:00+07:00', 'late on a Sunday'],
    ['2026-03-02T12:30:00+07:00', 1, '2026-03-02T14:00:00+07:00', 'at lunch: from 13:00'],
    ['2026-03-02T12:00:00+07:00', 1, '2026-03-02T14:00:00+07:00', 'exactly at a period end: from the next period'],
    ['2026-03-02T17:00:00+07:00', 1, '2026-03-03T09:00:00+07:00', 'exactly at the day end: from the next morning'],
    ['2026-03-02T13:00:00+07:00', 1, '2026-03-02T14:00:00+07:00', 'exactly at a period start'],
    ['2026-03-02T08:00:00+07:00', 4, '2026-03-02T12:00:00+07:00', 'an answer on a period end stays there (not 13:00)'],
    ['2026-03-02T08:00:00+07:00', 8, '2026-03-02T17:00:00+07:00', 'an answer on the day end stays there (not 08:00 next day)'],
    ['2026-03-02T11:45:00+07:00', 0.5, '2026-03-02T13:15:00+07:00', 'half an hour across lunch'],
    ['2026-03-02T11:59:59+07:00', 0, '2026-03-02T11:59:59+07:00', 'zero hours inside a period: the instant itself'],
    ['2026-03-02T12:10:00+07:00', 0, '2026-03-02T13:00:00+07:00', 'zero hours at lunch: the start of counting'],
  ])('when received %s + %s working-hour, then due is %s (%s)', (from, amount, expected) => {
    expect(due(from, amount, 'working-hour').due).toBe(expected);
  });

  test('when the instant has fractions of a second, then they are dropped', () => {
    expect(due('2026-03-02T09:00:00.999+07:00', 1, 'working-hour').due).toBe('2026-03-02T10:00:00+07:00');
  });

  test('when the same instant is written in UTC or another offset, then the answer is the same', () => {
    const answers = ['2026-02-13T07:00:00Z', '2026-02-13T14:00:00+07:00', '2026-02-13T02:00:00-05:00', '2026-02-13T12:30:00+05:30'].map(
      (from) => due(from, 3, 'working-day').due,
    );
    expect(new Set(answers)).toEqual(new Set(['2026-02-25T14:00:00+07:00']));
    expect(national.due({ from: new Date('2026-02-13T07:00:00Z'), amount: 3, unit: 'working-day' }).due.toISOString()).toBe(
      '2026-02-25T07:00:00.000Z',
    );
  });

  test('when an instant is formatted, then it is printed in the calendar zone with its offset', () => {
    expect(national.formatInstant('2026-02-23T03:00:00Z')).toBe('2026-02-23T10:00:00+07:00');
    expect(national.localDate('2026-02-22T17:30:00Z')).toBe('2026-02-23');
  });
});

describe('calendar days', () => {
  test.each([
    ['2026-03-02T10:00:00+07:00', 2, '2026-03-04T10:00:00+07:00', 'a working day: same clock time'],
    ['2026-03-02T20:00:00+07:00', 1, '2026-03-03T20:00:00+07:00', 'same clock time even outside the periods'],
    ['2026-02-10T10:00:00+07:00', 7, '2026-02-23T17:00:00+07:00', 'lands in Tết: end of the next working day'],
    ['2026-03-06T10:00:00+07:00', 1, '2026-03-09T17:00:00+07:00', 'lands on Saturday: end of Monday'],
    ['2026-01-03T10:00:00+07:00', 7, '2026-01-10T10:00:00+07:00', 'lands on the make-up Saturday: a working day'],
    ['2026-03-02T10:00:00+07:00', 0, '2026-03-02T10:00:00+07:00', 'zero days: the reception instant'],
  ])('when received %s + %s calendar-day, then due is %s (%s)', (from, amount, expected) => {
    expect(due(from, amount, 'calendar-day').due).toBe(expected);
  });

  test('when a calendar-day deadline has a cut-off, then it counts from the next working day only past the cut-off', () => {
    expect(due('2026-03-02T16:00:00+07:00', 2, 'calendar-day', '15:00').due).toBe('2026-03-05T08:00:00+07:00');
    expect(due('2026-03-02T14:00:00+07:00', 2, 'calendar-day', '15:00').due).toBe('2026-03-04T14:00:00+07:00');
  });

  test('when a calendar-day amount is fractional, then it is rejected', () => {
    expect(() => due('2026-03-02T10:00:00+07:00', 1.5, 'calendar-day')).toThrow(/amount: calendar-day amounts must be whole days/);
  });
});

describe('working time between', () => {
  test.each([
    ['2026-03-02T08:00:00+07:00', '2026-03-02T17:00:00+07:00', 480, 'one working day'],
    ['2026-03-02T11:00:00+07:00', '2026-03-02T14:00:00+07:00', 120, 'across lunch'],
    ['2026-02-13T08:00:00+07:00', '2026-02-24T08:00:00+07:00', 16 * 60, 'across Tết'],
    ['2025-12-31T16:00:00+07:00', '2026-01-05T09:00:00+07:00', 120, 'across the new year and the hoán đổi'],
    ['2026-03-02T17:00:00+07:00', '2026-03-02T08:00:00+07:00', 0, 'reversed: zero'],
    ['2026-03-02T10:00:00+07:00', '2026-03-02T10:00:00+07:00', 0, 'empty: zero'],
    ['2026-03-02T10:00:00+07:00', '2026-03-02T10:00:59+07:00', 0, 'less than a minute: zero whole minutes'],
  ])('when between %s and %s, then it is %s minutes (%s)', (from, to, minutes) => {
    expect(national.between(from, to).minutes).toBe(minutes);
  });

  test('when the interval reaches 2027, then it is uncertain', () => {
    expect(national.between('2026-12-31T08:00:00+07:00', '2027-01-04T17:00:00+07:00')).toMatchObject({ minutes: 960, uncertain: true });
    expect(national.between('2026-12-31T08:00:00+07:00', '2027-01-01T00:00:00+07:00')).toMatchObject({ minutes: 480, uncertain: false });
  });

  test('when a due instant is subtracted back, then between(start, due) is the amount', () => {
    const answer = national.due({ from: '2026-02-13T14:00:00+07:00', amount: 3, unit: 'working-day' });
    expect(national.between(answer.start, answer.due).minutes).toBe(3 * 480);
  });
});

describe('bad requests', () => {
  test.each([
    [{ amount: -1 }, /amount: must be a non-negative number/],
    [{ amount: Number.NaN }, /amount: must be a non-negative number/],
    [{ amount: Number.POSITIVE_INFINITY }, /amount: must be a non-negative number/],
    [{ unit: 'working-week' }, /unit: must be one of working-day, working-hour, calendar-day/],
    [{ from: '2026-03-02T10:00:00' }, /from: .* is not an ISO 8601 instant with an offset/],
    [{ from: '2026-02-30T10:00:00+07:00' }, /from: .* does not name a real date/],
    [{ from: '2026-03-02T24:00:00+07:00' }, /from: .* does not name a real time/],
    [{ from: new Date(Number.NaN) }, /from: is not a valid instant/],
    [{ cutoff: '15h' }, /cutoff: "15h" is not a clock time HH:MM/],
    [{ cutoff: '24:00' }, /cutoff: "24:00" is not a clock time HH:MM/],
  ])('when the request has %p, then a CalendarInputError names the field', (override, message) => {
    const request = { from: '2026-03-02T10:00:00+07:00', amount: 1, unit: 'working-day', ...override } as never;
    expect(() => national.due(request)).toThrow(CalendarInputError);
    expect(() => national.due(request)).toThrow(message);
  });

  test('when an amount would reach centuries ahead, then it is rejected instead of computed', () => {
    expect(() => national.due({ from: '2026-03-02T10:00:00+07:00', amount: 1e9, unit: 'working-hour' })).toThrow(/amount: the deadline would be more than 200 years away/);
    expect(() => national.due({ from: '2026-03-02T10:00:00+07:00', amount: 1e7, unit: 'calendar-day' })).toThrow(/more than 200 years away/);
    expect(() => national.between('1500-01-01T00:00:00Z', '2026-01-01T00:00:00Z')).toThrow(/to: is more than 200 years after from/);
    expect(national.due({ from: '2026-03-02T10:00:00+07:00', amount: 20 * 250, unit: 'working-day' }).uncertain).toBe(true);
  });

  test('when an instant is outside the supported years, then it is rejected', () => {
    expect(() => national.due({ from: '0999-12-31T00:00:00Z', amount: 1, unit: 'working-day' })).toThrow(/supported years/);
  });
});

describe('time zones with daylight saving', () => {
  const paris = loadCalendar({
    id: 'paris-office',
    timezone: 'Europe/Paris',
    weekendDays: [6, 7],
    workingHours: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    years: {},
  });
  const nightShift = loadCalendar({
    id: 'paris-night',
    timezone: 'Europe/Paris',
    weekendDays: [],
    workingHours: [['01:00', '04:00']],
    years: {},
  });

  test('when a deadline crosses the spring change, then it keeps the local clock time and the new offset', () => {
    expect(due('2026-03-27T16:00:00+01:00', 1, 'working-day', undefined, paris).due).toBe('2026-03-30T16:00:00+02:00');
    expect(paris.between('2026-03-27T16:00:00+01:00', '2026-03-30T16:00:00+02:00').minutes).toBe(480);
  });

  test('when a deadline crosses the autumn change, then it keeps the local clock time and the new offset', () => {
    expect(due('2026-10-23T10:00:00+02:00', 1, 'working-day', undefined, paris).due).toBe('2026-10-26T10:00:00+01:00');
  });

  test('when a working period spans the hour that is skipped, then that day has an hour less working time', () => {
    // 29/3/2026: 02:00 → 03:00, so 01:00–04:00 lasts two hours.
    expect(nightShift.between('2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00').minutes).toBe(120);
    expect(due('2026-03-29T01:00:00+01:00', 3, 'working-hour', undefined, nightShift).due).toBe('2026-03-30T02:00:00+02:00');
  });

  test('when a working period spans the hour that repeats, then that day has an hour more working time', () => {
    // 25/10/2026: 03:00 → 02:00, so 01:00–04:00 lasts four hours.
    expect(nightShift.between('2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00').minutes).toBe(240);
    expect(due('2026-10-25T01:00:00+02:00', 3, 'working-hour', undefined, nightShift).due).toBe('2026-10-25T03:00:00+01:00');
  });

  test('when a calendar is in New York, then instants print with -05:00 or -04:00', () => {
    const newYork = loadCalendar({ id: 'ny', timezone: 'America/New_York', weekendDays: [6, 7], workingHours: [['09:00', '17:00']], years: {} });
    expect(newYork.formatInstant('2026-01-15T14:00:00Z')).toBe('2026-01-15T09:00:00-05:00');
    expect(newYork.formatInstant('2026-07-15T13:00:00Z')).toBe('2026-07-15T09:00:00-04:00');
  });
});

describe('shipped data', () => {
  // The contract copy lives beside the repository on the development machine only, so its digest
  // is recorded here: a clean clone (CI) still checks the packaged bytes against the vetted contract.
  const CONTRACT_SHA256 = 'e3ce4a6ce61e5751fa1aa3c0b70f1f3813720aa348459df4d832afb782fdb8fb';
  const sharedCopy = join(__dirname, '..', '..', '..', '..', 'shared', 'calendar', 'vn-civil-service.json');
  const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  test('when the packaged data is read, then its bytes are those of the contract copy (and of the copy itself where it is present)', () => {
    expect(sha256(DEFAULT_CALENDAR_PATH)).toBe(CONTRACT_SHA256);
    if (existsSync(sharedCopy)) expect(sha256(sharedCopy)).toBe(CONTRACT_SHA256);
  });

  test('when every day of 2026 is asked, then the days off and make-up Saturdays are those the law and the 2026 notices set', () => {
    // Labour Code 2019 art. 112 (11 days: 1/1, five days of Tết, Giỗ Tổ 10/3 lunar, 30/4, 1/5, 2/9
    // and one adjacent day), art. 111(3) (a holiday on a weekend is compensated on the next working
    // day), and the Ministry of Home Affairs' swaps for 2026 (2/1 with Sat 10/1, 31/8 with Sat 22/8).
    const expected = [
      '2026-01-01 holiday', // Tết Dương lịch
      '2026-01-02 swapped-off',
      '2026-01-10 make-up',
      '2026-02-16 holiday', // Tết Bính Ngọ: 29 tháng Chạp to mùng 4
      '2026-02-17 holiday',
      '2026-02-18 holiday',
      '2026-02-19 holiday',
      '2026-02-20 holiday',
      '2026-04-27 compensatory', // Giỗ Tổ Hùng Vương falls on Sunday 26/4
      '2026-04-30 holiday',
      '2026-05-01 holiday',
      '2026-08-22 make-up',
      '2026-08-31 swapped-off',
      '2026-09-01 holiday', // Quốc khánh and its adjacent day
      '2026-09-02 holiday',
    ];
    const differing: string[] = [];
    for (let day = Date.UTC(2026, 0, 1); day < Date.UTC(2027, 0, 1); day += 86_400_000) {
      const date = new Date(day).toISOString().slice(0, 10);
      const weekend = [0, 6].includes(new Date(day).getUTCDay());
      const answer = national.isWorkingDay(date);
      if (answer.value === weekend) differing.push(`${date} ${answer.kind}`);
    }
    expect(differing).toEqual(expected);
  });

  test('when the national calendar is loaded, then it is the civil-service calendar of 8 hours a day in Việt Nam time', () => {
    expect(national.id).toBe('vn-civil-service');
    expect(national.dayLengthMinutes).toBe(480);
    expect(national.timezone).toBe('Asia/Ho_Chi_Minh');
  });
});

describe('startOfLocalDate', () => {
  test('when a local date is given, then its local midnight in the calendar zone is answered', () => {
    const calendar = defaultCalendar();
    expect(calendar.startOfLocalDate('2026-07-01').toISOString()).toBe('2026-06-30T17:00:00.000Z');
    expect(() => calendar.startOfLocalDate('2026-13-01')).toThrow(CalendarInputError);
  });
});
