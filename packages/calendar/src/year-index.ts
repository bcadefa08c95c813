/**
 * The working time of one local calendar year, precomputed as instants.
 *
 * Every working period of every working day of the year becomes an `[start, end)` pair of
 * instants, with the running total of working time at each period end. Finding where counting
 * starts is then a binary search on the starts, and adding N working hours is a binary search on
 * the running totals: a 250-working-day deadline costs the same as a 1-day one, instead of a walk
 * over a year of days.
 */
import { MS_PER_DAY, MS_PER_MINUTE, daysFromCivil, daysInYear } from './civil-date';
import type { ZoneRules } from './time-zone';

export interface YearIndex {
  readonly year: number;
  /** Day number of 1 January. */
  readonly firstDay: number;
  readonly dayCount: number;
  /** The year is missing from the file or `provisional`. */
  readonly uncertain: boolean;
  /** Local midnight starting the year, and the one starting the next, as instants. */
  readonly startInstant: number;
  readonly endInstant: number;
  /** 1 when the day (offset from 1 January) is a working day. */
  readonly working: Uint8Array;
  readonly periodCount: number;
  readonly periodStart: Float64Array;
  readonly periodEnd: Float64Array;
  /** Working milliseconds from the start of the year to the end of each period. */
  readonly cumulativeEnd: Float64Array;
  /** For each period, the index of the last period of the same day. */
  readonly dayLastPeriod: Int32Array;
  /** For each day offset (and one past the end), the first period on that day or later. */
  readonly dayFirstPeriod: Int32Array;
  /** Working milliseconds in the whole year. */
  readonly total: number;
}

export interface YearIndexSource {
  readonly zone: ZoneRules;
  /** Working periods of a working day as minute offsets from local midnight: [s0, e0, s1, e1, …]. */
  readonly periodMinutes: readonly number[];
  isWorkingDayNumber(dayNumber: number): boolean;
  isUncertainYear(year: number): boolean;
}

export function buildYearIndex(year: number, source: YearIndexSource): YearIndex {
  const { zone, periodMinutes } = source;
  const firstDay = daysFromCivil(year, 1, 1);
  const dayCount = daysInYear(year);
  const periodsPerDay = periodMinutes.length / 2;
  const capacity = dayCount * periodsPerDay;
  const periodStart = new Float64Array(capacity);
  const periodEnd = new Float64Array(capacity);
  const cumulativeEnd = new Float64Array(capacity);
  const dayLastPeriod = new Int32Array(capacity);
  const dayFirstPeriod = new Int32Array(dayCount + 1);
  const working = new Uint8Array(dayCount);
  let count = 0;
  let total = 0;
  for (let offset = 0; offset < dayCount; offset++) {
    dayFirstPeriod[offset] = count;
    const dayNumber = firstDay + offset;
    if (!source.isWorkingDayNumber(dayNumber)) continue;
    working[offset] = 1;
    const midnight = dayNumber * MS_PER_DAY;
    const firstOfDay = count;
    for (let k = 0; k < periodMinutes.length; k += 2) {
      const start = zone.toInstant(midnight + (periodMinutes[k] as number) * MS_PER_MINUTE);
      const end = zone.toInstant(midnight + (periodMinutes[k + 1] as number) * MS_PER_MINUTE);
      // A period swallowed by a daylight-saving gap has no working time; keeping it would
      // create zero-length periods that every search would have to step over.
      if (end <= start) continue;
      periodStart[count] = start;
      periodEnd[count] = end;
      total += end - start;
      cumulativeEnd[count] = total;
      count++;
    }
    for (let p = firstOfDay; p < count; p++) dayLastPeriod[p] = count - 1;
  }
  dayFirstPeriod[dayCount] = count;
  return {
    year,
    firstDay,
    dayCount,
    uncertain: source.isUncertainYear(year),
    startInstant: zone.toInstant(firstDay * MS_PER_DAY),
    endInstant: zone.toInstant((firstDay + dayCount) * MS_PER_DAY),
    working,
    periodCount: count,
    periodStart: periodStart.subarray(0, count),
    periodEnd: periodEnd.subarray(0, count),
    cumulativeEnd: cumulativeEnd.subarray(0, count),
    dayLastPeriod: dayLastPeriod.subarray(0, count),
    dayFirstPeriod,
    total,
  };
}

/** Index of the first element in `[0, length)` greater than `value` (sorted input). */
export function upperBound(values: Float64Array, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element in `[from, length)` at least `value` (sorted input). */
export function lowerBound(values: Float64Array, from: number, length: number, value: number): number {
  let lo = from;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Working milliseconds from the start of the index's year up to `instant`. */
export function workingBefore(index: YearIndex, instant: number): number {
  if (instant <= index.startInstant) return 0;
  if (instant >= index.endInstant) return index.total;
  const i = upperBound(index.periodStart, index.periodCount, instant) - 1;
  if (i < 0) return 0;
  const end = index.periodEnd[i] as number;
  const cumulative = index.cumulativeEnd[i] as number;
  return instant < end ? cumulative - (end - instant) : cumulative;
}
