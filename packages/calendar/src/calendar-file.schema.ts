/**
 * The calendar file format of docs/calendar.md §"Calendar file" and its validation.
 *
 * Validation is hand-written rather than schema-library based so that the package has no
 * runtime dependencies and every message names the exact field, as the format requires.
 */
import { MAX_YEAR, MIN_YEAR, parseClockTime, parseIsoDate, yearOfDay } from './civil-date';
import { CalendarValidationError, type ValidationIssue } from './errors';
import { isKnownTimeZone } from './time-zone';

export const DAY_OFF_KINDS = ['holiday', 'compensatory', 'swapped-off'] as const;
export type DayOffKind = (typeof DAY_OFF_KINDS)[number];

export const YEAR_STATUSES = ['confirmed', 'provisional'] as const;
export type YearStatus = (typeof YEAR_STATUSES)[number];

export interface DayOffEntry {
  readonly date: string;
  readonly kind: DayOffKind;
  readonly reason?: string;
}

export interface MakeUpWorkingDayEntry {
  readonly date: string;
  readonly reason?: string;
}

export interface CalendarYear {
  readonly status: YearStatus;
  readonly daysOff?: readonly DayOffEntry[];
  readonly makeUpWorkingDays?: readonly MakeUpWorkingDayEntry[];
  readonly sources?: readonly string[];
}

/** A working period `[start, end)` as local `HH:MM` clock times. */
export type WorkingPeriod = readonly [start: string, end: string];

export interface CalendarFile {
  readonly id: string;
  readonly name?: string;
  /** Explicit version label; when absent the version is a hash of the content. */
  readonly version?: string;
  readonly description?: string;
  readonly timezone: string;
  readonly weekendDays: readonly number[];
  readonly workingHours: readonly WorkingPeriod[];
  readonly years: Readonly<Record<string, CalendarYear>>;
}

const TOP_LEVEL_FIELDS = new Set(['$schema', 'id', 'name', 'version', 'description', 'timezone', 'weekendDays', 'workingHours', 'years']);
const YEAR_FIELDS = new Set(['status', 'daysOff', 'makeUpWorkingDays', 'sources']);
const DAY_OFF_FIELDS = new Set(['date', 'kind', 'reason']);
const MAKE_UP_FIELDS = new Set(['date', 'reason']);
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Collects every problem of a calendar file; an empty list means the file is valid. */
export function checkCalendarFile(json: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const report = (field: string, message: string): void => {
    issues.push({ field, message });
  };
  if (!isObject(json)) {
    report('(root)', 'a calendar file must be a JSON object');
    return issues;
  }
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL_FIELDS.has(key)) report(key, 'unknown field');
  }

  if (typeof json.id !== 'string' || !ID_PATTERN.test(json.id)) {
    report('id', `must be a non-empty identifier of letters, digits, ".", "_", ":" or "-" (got ${describe(json.id)})`);
  }
  for (const field of ['name', 'description', 'version'] as const) {
    const value = json[field];
    if (value !== undefined && (typeof value !== 'string' || (field === 'version' && value.trim() === ''))) {
      report(field, `must be a ${field === 'version' ? 'non-empty ' : ''}string`);
    }
  }

  if (typeof json.timezone !== 'string') {
    report('timezone', 'must be an IANA time-zone name such as "Asia/Ho_Chi_Minh"');
  } else if (!isKnownTimeZone(json.timezone)) {
    report('timezone', `unknown time zone ${describe(json.timezone)}`);
  }

  checkWeekendDays(json.weekendDays, report);
  checkWorkingHours(json.workingHours, report);

  if (!isObject(json.years)) {
    report('years', 'must be an object keyed by year, e.g. {"2026": {...}}');
  } else {
    for (const [key, year] of Object.entries(json.years)) {
      checkYear(key, year, report);
    }
  }
  return issues;
}

function checkWeekendDays(value: unknown, report: (field: string, message: string) => void): void {
  if (!Array.isArray(value)) {
    report('weekendDays', 'must be an array of ISO weekday numbers (1 = Monday … 7 = Sunday)');
    return;
  }
  const seen = new Set<number>();
  value.forEach((day: unknown, index) => {
    if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 7) {
      report(`weekendDays[${index}]`, `${describe(day)} is not an ISO weekday number (1 = Monday … 7 = Sunday)`);
    } else if (seen.has(day)) {
      report(`weekendDays[${index}]`, `${day} is listed twice`);
    } else {
      seen.add(day);
    }
  });
  if (seen.size === 7) report('weekendDays', 'every weekday is a weekend day, so no week has working time');
}

function checkWorkingHours(value: unknown, report: (field: string, message: string) => void): void {
  if (!Array.isArray(value) || value.length === 0) {
    report('workingHours', 'must be a non-empty array of ["HH:MM", "HH:MM"] periods');
    return;
  }
  let previousEnd: number | undefined;
  value.forEach((period: unknown, index) => {
    const field = `workingHours[${index}]`;
    if (!Array.isArray(period) || period.length !== 2) {
      report(field, 'must be a pair ["HH:MM", "HH:MM"]');
      previousEnd = undefined;
      return;
    }
    const [startText, endText] = period as unknown[];
    const start = typeof startText === 'string' ? parseClockTime(startText) : undefined;
    const end = typeof endText === 'string' ? parseClockTime(endText, true) : undefined;
    if (start === undefined) report(`${field}[0]`, `${describe(startText)} is not a clock time HH:MM (00:00–23:59)`);
    if (end === undefined) report(`${field}[1]`, `${describe(endText)} is not a clock time HH:MM (00:00–24:00)`);
    if (start === undefined || end === undefined) {
      previousEnd = undefined;
      return;
    }
    if (start >= end) report(field, `start ${String(startText)} must be before end ${String(endText)}`);
    else if (previousEnd !== undefined && start < previousEnd) report(field, 'periods overlap or are out of order');
    previousEnd = end;
  });
}

function checkYear(
  key: string,
  year: unknown,
  report: (field: string, message: string) => void,
): void {
  const base = `years.${key}`;
  const yearNumber = /^\d{4}$/.test(key) ? Number(key) : undefined;
  if (yearNumber === undefined || yearNumber < MIN_YEAR || yearNumber > MAX_YEAR) {
    report(base, `the key must be a four-digit year between ${MIN_YEAR} and ${MAX_YEAR}`);
  }
  if (!isObject(year)) {
    report(base, 'must be an object with "status", "daysOff" and "makeUpWorkingDays"');
    return;
  }
  for (const field of Object.keys(year)) {
    if (!YEAR_FIELDS.has(field)) report(`${base}.${field}`, 'unknown field');
  }
  if (!(YEAR_STATUSES as readonly unknown[]).includes(year.status)) {
    report(`${base}.status`, `must be "confirmed" or "provisional" (got ${describe(year.status)})`);
  }
  if (year.sources !== undefined && (!Array.isArray(year.sources) || year.sources.some((s) => typeof s !== 'string'))) {
    report(`${base}.sources`, 'must be an array of strings');
  }

  // Where each date was first listed, to report duplicates and off/make-up conflicts.
  const offAt = new Map<number, string>();
  const checkEntries = (listName: 'daysOff' | 'makeUpWorkingDays', allowed: Set<string>): void => {
    const list = year[listName];
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      report(`${base}.${listName}`, 'must be an array');
      return;
    }
    const seenHere = new Map<number, string>();
    list.forEach((entry: unknown, index) => {
      const field = `${base}.${listName}[${index}]`;
      if (!isObject(entry)) {
        report(field, 'must be an object with a "date"');
        return;
      }
      for (const name of Object.keys(entry)) {
        if (!allowed.has(name)) report(`${field}.${name}`, 'unknown field');
      }
      if (entry.reason !== undefined && typeof entry.reason !== 'string') report(`${field}.reason`, 'must be a string');
      if (listName === 'daysOff' && !(DAY_OFF_KINDS as readonly unknown[]).includes(entry.kind)) {
        report(`${field}.kind`, `must be one of ${DAY_OFF_KINDS.join(', ')} (got ${describe(entry.kind)})`);
      }
      const day = typeof entry.date === 'string' ? parseIsoDate(entry.date) : undefined;
      if (day === undefined) {
        report(`${field}.date`, `${describe(entry.date)} is not a real date YYYY-MM-DD`);
        return;
      }
      const dateText = entry.date as string;
      if (yearNumber !== undefined && yearOfDay(day) !== yearNumber) {
        report(`${field}.date`, `${dateText} is outside its year ${key}`);
      }
      const duplicate = seenHere.get(day);
      if (duplicate !== undefined) {
        report(`${field}.date`, `${dateText} is listed twice (also ${duplicate})`);
        return;
      }
      seenHere.set(day, field);
      if (listName === 'daysOff') {
        offAt.set(day, field);
        return;
      }
      const alsoOff = offAt.get(day);
      if (alsoOff !== undefined) report(`${field}.date`, `${dateText} is both a day off (${alsoOff}) and a make-up working day`);
      // A make-up day on a day that is already worked is redundant, not wrong: a profile that
      // works Saturdays inherits the national make-up Saturdays unchanged.
    });
  };
  checkEntries('daysOff', DAY_OFF_FIELDS);
  checkEntries('makeUpWorkingDays', MAKE_UP_FIELDS);
}

/**
 * Validates a calendar file and returns it typed. Throws {@link CalendarValidationError} listing
 * every problem, each naming its field, e.g. `workingHours[1]: periods overlap or are out of order`.
 */
export function validateCalendarFile(json: unknown): CalendarFile {
  const issues = checkCalendarFile(json);
  if (issues.length > 0) throw new CalendarValidationError(issues);
  return json as CalendarFile;
}
