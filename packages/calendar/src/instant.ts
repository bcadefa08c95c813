/**
 * Reading and printing instants. Instants are whole seconds since the epoch (as milliseconds):
 * the format compares and prints them to the second, so sub-second input is truncated once here.
 */
import {
  MAX_YEAR,
  MIN_YEAR,
  MS_PER_DAY,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  pad,
  yearOfDay,
} from './civil-date';
import { CalendarInputError } from './errors';
import type { ZoneRules } from './time-zone';

/** An instant: a `Date`, epoch milliseconds, or an ISO 8601 string with an offset (`Z` or `±HH:MM`). */
export type InstantInput = Date | number | string;

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

const MIN_INSTANT = daysFromCivil(MIN_YEAR, 1, 2) * MS_PER_DAY;
const MAX_INSTANT = daysFromCivil(MAX_YEAR, 12, 30) * MS_PER_DAY;

/**
 * Parses an ISO 8601 instant. The offset is required: a wall-clock time alone does not name
 * an instant, and guessing the zone is how deadlines end up an offset early or late.
 */
export function parseIsoInstant(text: string, field = 'instant'): number {
  const match = ISO_INSTANT.exec(text.trim());
  if (!match) {
    throw new CalendarInputError(
      field,
      `${JSON.stringify(text)} is not an ISO 8601 instant with an offset, e.g. 2026-02-13T14:00:00+07:00`,
    );
  }
  const [, y, mo, d, h, mi, s, zulu, sign, offH, offM] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const offsetHours = zulu ? 0 : Number(offH);
  const offsetMinutes = zulu || offM === undefined ? 0 : Number(offM);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new CalendarInputError(field, `${JSON.stringify(text)} does not name a real date`);
  }
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    throw new CalendarInputError(field, `${JSON.stringify(text)} does not name a real time of day or offset`);
  }
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * MS_PER_MINUTE;
  const localMs = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * MS_PER_SECOND;
  return checkRange(localMs - offsetMs, field);
}

/** Normalises any accepted instant to whole-second epoch milliseconds. */
export function toInstantMs(value: InstantInput, field = 'instant'): number {
  if (typeof value === 'string') return parseIsoInstant(value, field);
  const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new CalendarInputError(field, 'is not a valid instant');
  return checkRange(Math.floor(ms / MS_PER_SECOND) * MS_PER_SECOND, field);
}

function checkRange(ms: number, field: string): number {
  if (ms < MIN_INSTANT || ms > MAX_INSTANT) {
    throw new CalendarInputError(field, `is outside the supported years ${MIN_YEAR}–${MAX_YEAR}`);
  }
  return ms;
}

/** `2026-02-23T10:00:00+07:00`: the instant in the zone, with the zone's offset at that instant. */
export function formatInstantInZone(instant: number, zone: ZoneRules): string {
  const whole = Math.floor(instant / MS_PER_SECOND) * MS_PER_SECOND;
  const offset = zone.offsetAt(whole);
  const localMs = whole + offset;
  const dayNumber = Math.floor(localMs / MS_PER_DAY);
  const { year, month, day } = civilFromDays(dayNumber);
  const seconds = Math.floor((localMs - dayNumber * MS_PER_DAY) / MS_PER_SECOND);
  const clock = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${clock}${formatOffset(offset)}`;
}

/** `+07:00`; offsets with seconds (local mean time before 1900s) keep them: `+07:06:40`. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.abs(offsetMs) / MS_PER_SECOND;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor(total / 60) % 60;
  const seconds = total % 60;
  return `${sign}${pad(hours, 2)}:${pad(minutes, 2)}${seconds === 0 ? '' : `:${pad(seconds, 2)}`}`;
}

/** The local year of an instant in a zone (used for the uncertainty of an answer). */
export function localYearOf(instant: number, zone: ZoneRules): number {
  return yearOfDay(Math.floor(zone.toLocalMs(instant) / MS_PER_DAY));
}
