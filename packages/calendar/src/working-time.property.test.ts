/**
 * Properties of the deadline arithmetic over random calendars (random zone, weekend, 1–3
 * working periods, days off and make-up days) and random instants.
 */
import fc from 'fast-check';

import type { CalendarFile } from './calendar-file.schema';
import { defaultCalendar } from './calendar-files';
import { canonicalJson, contentVersion } from './calendar-version';
import { ReferenceCalendar } from './reference-walk';
import { calendarFileArb, cutoffArb, daysArb, hoursArb, instantArb } from './test-support/calendar-arbitraries';
import { loadCalendar, type Calendar, type DurationUnit } from './working-time';

const SECOND = 1000;
/** CALENDAR_PBT_SCALE=50 runs fifty times more cases (slow; for hunting rare bugs). */
const SCALE = Number(process.env.CALENDAR_PBT_SCALE ?? '1');
const runs = (n: number): { numRuns: number } => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });
const HOUR = 3_600_000;

type WorkingUnit = Exclude<DurationUnit, 'calendar-day'>;

const workingAmountArb: fc.Arbitrary<[WorkingUnit, number]> = fc.oneof(
  fc.tuple(fc.constant('working-hour' as const), hoursArb),
  fc.tuple(fc.constant('working-day' as const), daysArb),
);
const anyAmountArb: fc.Arbitrary<[DurationUnit, number]> = fc.oneof(
  workingAmountArb,
  fc.tuple(fc.constant('calendar-day' as const), fc.integer({ min: 0, max: 60 })),
);

const iso = (ms: number): string => new Date(ms).toISOString();

function dueMs(calendar: Calendar, from: number | string, amount: number, unit: DurationUnit, cutoff?: string): number {
  return calendar.due({ from, amount, unit, ...(cutoff === undefined ? {} : { cutoff }) }).due.getTime();
}

function amountMs(calendar: Calendar, unit: WorkingUnit, amount: number): number {
  return Math.round(amount * (unit === 'working-day' ? calendar.dayLengthMinutes * 60_000 : HOUR));
}

/** Several cases per random calendar, so each generated calendar is exercised more than once. */
function withCalendar<T>(cases: fc.Arbitrary<T>, count = 8): fc.Arbitrary<[CalendarFile, T[]]> {
  return fc.tuple(calendarFileArb, fc.array(cases, { minLength: 1, maxLength: count }));
}

describe('working time on random calendars', () => {
  test('when due is computed, then it equals the day-by-day reference walk (instant and uncertainty)', () => {
    fc.assert(
      fc.property(withCalendar(fc.tuple(instantArb, anyAmountArb, cutoffArb)), ([file, cases]) => {
        const calendar = loadCalendar(file);
        const reference = new ReferenceCalendar(file);
        for (const [t, [unit, amount], cutoff] of cases) {
          const fast = calendar.due({ from: t, amount, unit, ...(cutoff === undefined ? {} : { cutoff }) });
          const slow = reference.due(t, amount, unit, cutoff);
          expect({ due: iso(fast.due.getTime()), uncertain: fast.uncertain }).toEqual({
            due: iso(slow.value),
            uncertain: slow.uncertain,
          });
        }
      }),
      runs(120),
    );
  });

  test('when due is computed on the real national calendar, then it equals the reference walk', () => {
    const national = defaultCalendar();
    const reference = new ReferenceCalendar(national.file);
    fc.assert(
      fc.property(instantArb, anyAmountArb, cutoffArb, (t, [unit, amount], cutoff) => {
        const fast = national.due({ from: t, amount, unit, ...(cutoff === undefined ? {} : { cutoff }) });
        const slow = reference.due(t, amount, unit, cutoff);
        expect({ due: iso(fast.due.getTime()), uncertain: fast.uncertain }).toEqual({ due: iso(slow.value), uncertain: slow.uncertain });
      }),
      runs(500),
    );
  });

  test('when working time between two instants is computed, then it equals the reference walk', () => {
    fc.assert(
      fc.property(
        withCalendar(fc.tuple(instantArb, fc.integer({ min: -2 * 24 * 3600, max: 40 * 24 * 3600 }))),
        ([file, cases]) => {
          const calendar = loadCalendar(file);
          const reference = new ReferenceCalendar(file);
          for (const [a, seconds] of cases) {
            const b = a + seconds * SECOND;
            const fast = calendar.between(a, b);
            const slow = reference.between(a, b);
            expect({ ms: fast.milliseconds, uncertain: fast.uncertain }).toEqual({ ms: slow.value, uncertain: slow.uncertain });
          }
        },
      ),
      runs(80),
    );
  });

  test('when a working-time deadline is computed, then it is a working instant or the end of a period', () => {
    fc.assert(
      fc.property(withCalendar(fc.tuple(instantArb, workingAmountArb, cutoffArb)), ([file, cases]) => {
        const calendar = loadCalendar(file);
        for (const [t, [unit, amount], cutoff] of cases) {
          const due = dueMs(calendar, t, amount, unit, cutoff);
          const workingAfter = calendar.between(due, due + SECOND).milliseconds === SECOND;
          const workingBefore = calendar.between(due - SECOND, due).milliseconds === SECOND;
          expect({ due: iso(due), workingOrPeriodEnd: workingAfter || workingBefore }).toEqual({
            due: iso(due),
            workingOrPeriodEnd: true,
          });
        }
      }),
      runs(60),
    );
  });

  test('when reception is later, then the working-time deadline is never earlier (monotonic)', () => {
    fc.assert(
      fc.property(
        withCalendar(fc.tuple(instantArb, fc.integer({ min: 0, max: 5 * 24 * 3600 }), workingAmountArb, cutoffArb)),
        ([file, cases]) => {
          const calendar = loadCalendar(file);
          for (const [t, laterBy, [unit, amount], cutoff] of cases) {
            const early = dueMs(calendar, t, amount, unit, cutoff);
            const late = dueMs(calendar, t + laterBy * SECOND, amount, unit, cutoff);
            expect(late).toBeGreaterThanOrEqual(early);
          }
        },
      ),
      runs(60),
    );
  });

  test('when N working hours or N > 0 working days are added, then the working time between start and due is N', () => {
    fc.assert(
      fc.property(withCalendar(fc.tuple(instantArb, workingAmountArb, cutoffArb)), ([file, cases]) => {
        const calendar = loadCalendar(file);
        for (const [t, [unit, amount], cutoff] of cases) {
          // N = 0 working days means "within the day", not zero working time.
          if (unit === 'working-day' && amount === 0) continue;
          const answer = calendar.due({ from: t, amount, unit, ...(cutoff === undefined ? {} : { cutoff }) });
          expect(calendar.between(answer.start, answer.due).milliseconds).toBe(amountMs(calendar, unit, amount));
        }
      }),
      runs(60),
    );
  });

  test('when hours are added in two steps from a working instant, then the result equals adding them at once (b > 0)', () => {
    // With b = 0 the second step would move a period-end answer to the next period start,
    // which is the same working-time position but a different instant; hence b > 0.
    fc.assert(
      fc.property(
        withCalendar(fc.tuple(instantArb, hoursArb, hoursArb.filter((b) => b > 0))),
        ([file, cases]) => {
          const calendar = loadCalendar(file);
          for (const [t, a, b] of cases) {
            const s = calendar.startOfCounting(t).start.getTime();
            const stepwise = dueMs(calendar, dueMs(calendar, s, a, 'working-hour'), b, 'working-hour');
            expect(iso(stepwise)).toBe(iso(dueMs(calendar, s, a + b, 'working-hour')));
          }
        },
      ),
      runs(60),
    );
  });

  test('when the reception instant is written with another offset, then every answer is the same', () => {
    const offsetArb = fc.integer({ min: -12 * 4, max: 14 * 4 }).map((quarters) => quarters * 15);
    fc.assert(
      fc.property(withCalendar(fc.tuple(instantArb, offsetArb, anyAmountArb, cutoffArb)), ([file, cases]) => {
        const calendar = loadCalendar(file);
        for (const [t, offsetMinutes, [unit, amount], cutoff] of cases) {
          const written = writeWithOffset(t, offsetMinutes);
          expect(dueMs(calendar, written, amount, unit, cutoff)).toBe(dueMs(calendar, t, amount, unit, cutoff));
          expect(dueMs(calendar, new Date(t).toISOString(), amount, unit, cutoff)).toBe(dueMs(calendar, t, amount, unit, cutoff));
        }
      }),
      runs(40),
    );
  });

  test('when a file is re-serialised with its keys in another order, then its version is unchanged', () => {
    fc.assert(
      fc.property(calendarFileArb, (file) => {
        const reversed = reverseKeys(file);
        expect(canonicalJson(reversed)).toBe(canonicalJson(file));
        expect(loadCalendar(reversed).version).toBe(contentVersion(file));
      }),
      runs(30),
    );
  });
});

/** `2026-02-13T21:30:00+05:30`-style text for the same instant in another offset. */
function writeWithOffset(t: number, offsetMinutes: number): string {
  const local = new Date(t + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, child]) => [key, reverseKeys(child)]),
    );
  }
  return value;
}
