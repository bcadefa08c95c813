/**
 * Proleptic Gregorian date arithmetic on "day numbers" (days since 1970-01-01).
 *
 * Dates are kept as plain integers so the hot paths never allocate `Date` objects and never
 * depend on the host's time zone. The conversions follow Howard Hinnant's public-domain
 * `days_from_civil` / `civil_from_days` algorithms.
 */

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

/** The range of local years the package computes in; Intl output outside it is not reliable. */
export const MIN_YEAR = 1000;
export const MAX_YEAR = 9999;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The year, counted from 1 March, that holds a day number (the algorithm's internal year: January
 * and February belong to the year before). Allocates nothing; shared by the two functions below.
 */
function marchYearOf(dayNumber: number): number {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  return yearOfEra + era * 400;
}

export function civilFromDays(dayNumber: number): CivilDate {
  const marchYear = marchYearOf(dayNumber);
  // Days since 1 March of that year.
  const dayOfYear = dayNumber - daysFromCivil(marchYear, 3, 1);
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = marchYear + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** The year of a day number, without allocating (used on every deadline computation). */
export function yearOfDay(dayNumber: number): number {
  const marchYear = marchYearOf(dayNumber);
  // Counted from 1 March, the last 61 days of the year (January, February) belong to the next year.
  return marchYear + (dayNumber - daysFromCivil(marchYear, 3, 1) >= 306 ? 1 : 0);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. Day 0 (1970-01-01) was a Thursday. */
export function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export function daysInYear(year: number): number {
  return isLeapYear(year) ? 366 : 365;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a strict `YYYY-MM-DD` that names a real date; `undefined` otherwise. */
export function parseIsoDate(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

export function formatIsoDate(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

const CLOCK_TIME = /^(\d{2}):(\d{2})$/;

/**
 * Parses `HH:MM` into minutes after local midnight. `24:00` (the end of the day) is accepted
 * only when `allowEndOfDay` is set, because it is meaningful as the end of a period only.
 */
export function parseClockTime(text: string, allowEndOfDay = false): number | undefined {
  const match = CLOCK_TIME.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (allowEndOfDay && hours === 24 && minutes === 0) return 24 * 60;
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}

export function formatClockTime(minutes: number): string {
  return `${pad(Math.floor(minutes / 60), 2)}:${pad(minutes % 60, 2)}`;
}

export function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
