/**
 * fast-check generators of random calendar files and of instants that often land on the
 * calendar's boundaries. Test-only (excluded from the build).
 */
import fc from 'fast-check';

import type { CalendarFile, CalendarYear, DayOffKind, WorkingPeriod } from '../calendar-file.schema';

export const ZONES = ['Asia/Ho_Chi_Minh', 'Europe/Paris', 'America/New_York', 'UTC'] as const;
export const FIRST_YEAR = 2024;
export const LAST_YEAR = 2027;

const DAY = 86_400_000;
const HALF_HOUR = 1_800_000;
const KINDS: readonly DayOffKind[] = ['holiday', 'compensatory', 'swapped-off'];

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function clock(halfHours: number): string {
  return `${String(Math.floor(halfHours / 2)).padStart(2, '0')}:${halfHours % 2 === 0 ? '00' : '30'}`;
}

/**
 * 1–3 periods on a half-hour grid anywhere in 00:00–24:00, so that some fall into the
 * daylight-saving gap or overlap of Paris and New York.
 */
export const workingHoursArb: fc.Arbitrary<WorkingPeriod[]> = fc
  .integer({ min: 1, max: 3 })
  .chain((count) => fc.uniqueArray(fc.integer({ min: 0, max: 48 }), { minLength: count * 2, maxLength: count * 2 }))
  .map((bounds) => {
    const sorted = [...bounds].sort((a, b) => a - b);
    const periods: WorkingPeriod[] = [];
    for (let i = 0; i < sorted.length; i += 2) periods.push([clock(sorted[i] as number), clock(sorted[i + 1] as number)]);
    return periods;
  });

const yearArb = (year: number): fc.Arbitrary<CalendarYear> => {
  const days = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / DAY;
  return fc
    .record({
      status: fc.constantFrom('confirmed' as const, 'provisional' as const),
      off: fc.uniqueArray(fc.integer({ min: 0, max: days - 1 }), { maxLength: 25 }),
      kinds: fc.array(fc.constantFrom(...KINDS), { minLength: 25, maxLength: 25 }),
      makeUp: fc.uniqueArray(fc.integer({ min: 0, max: days - 1 }), { maxLength: 12 }),
    })
    .map(({ status, off, kinds, makeUp }) => {
      const start = Date.UTC(year, 0, 1);
      const offSet = new Set(off);
      return {
        status,
        daysOff: off.map((d, i) => ({ date: isoDate(start + d * DAY), kind: kinds[i] ?? 'holiday' })),
        // A date cannot be both off and make-up; a make-up day on a worked weekday is allowed.
        makeUpWorkingDays: makeUp.filter((d) => !offSet.has(d)).map((d) => ({ date: isoDate(start + d * DAY) })),
      };
    });
};

export const calendarFileArb: fc.Arbitrary<CalendarFile> = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    weekendDays: fc.subarray([1, 2, 3, 4, 5, 6, 7], { maxLength: 5 }),
    workingHours: workingHoursArb,
    listedYears: fc.subarray([FIRST_YEAR, FIRST_YEAR + 1, FIRST_YEAR + 2, LAST_YEAR]),
  })
  .chain(({ timezone, weekendDays, workingHours, listedYears }) =>
    fc.tuple(...listedYears.map((year) => yearArb(year))).map((years) => ({
      id: 'random',
      timezone,
      weekendDays,
      workingHours,
      years: Object.fromEntries(listedYears.map((year, i) => [String(year), years[i] as CalendarYear])),
    })),
  );

/** Days on which Paris or New York change their clocks, 2024–2027. */
const DST_CHANGE_DAYS = [
  '2024-03-10', '2024-03-31', '2024-10-27', '2024-11-03', '2025-03-09', '2025-03-30', '2025-10-26', '2025-11-02',
  '2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01', '2027-03-14', '2027-03-28', '2027-10-31', '2027-11-07',
].map((day) => Date.parse(`${day}T00:00:00Z`));

/**
 * Whole-second instants from late 2023 to early 2028: some on a half-hour grid (every zone
 * above has whole-hour offsets, so these hit period starts and ends), some anywhere, and some
 * within two days of a daylight-saving change.
 */
export const instantArb: fc.Arbitrary<number> = fc.oneof(
  fc
    .integer({ min: Date.UTC(FIRST_YEAR - 1, 11, 1) / HALF_HOUR, max: Date.UTC(LAST_YEAR + 1, 1, 1) / HALF_HOUR })
    .map((slot) => slot * HALF_HOUR),
  fc.integer({ min: Date.UTC(FIRST_YEAR - 1, 11, 1) / 1000, max: Date.UTC(LAST_YEAR + 1, 1, 1) / 1000 }).map((s) => s * 1000),
  fc
    .tuple(fc.constantFrom(...DST_CHANGE_DAYS), fc.integer({ min: -96, max: 96 }))
    .map(([day, halfHours]) => day + halfHours * HALF_HOUR),
);

/** Working-hour amounts in whole minutes up to 120 h (15 working days of 8 h). */
export const hoursArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 120 * 60 }).map((minutes) => minutes / 60);

/** Working-day amounts: whole days up to 40, or a half day. */
export const daysArb: fc.Arbitrary<number> = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 20 }).map((n) => n / 2));

export const cutoffArb: fc.Arbitrary<string | undefined> = fc.option(
  fc.integer({ min: 0, max: 47 }).map((halfHours) => clock(halfHours)),
  { nil: undefined },
);
