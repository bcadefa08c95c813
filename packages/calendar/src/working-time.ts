/**
 * A validated working-time calendar and the deadline arithmetic of docs/calendar.md.
 */
import {
  MAX_YEAR,
  MIN_YEAR,
  MS_PER_DAY,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  formatIsoDate,
  isoWeekday,
  parseClockTime,
  parseIsoDate,
  yearOfDay,
} from './civil-date';
import {
  validateCalendarFile,
  type CalendarFile,
  type DayOffEntry,
  type DayOffKind,
  type MakeUpWorkingDayEntry,
  type WorkingPeriod,
  type YearStatus,
} from './calendar-file.schema';
import { contentVersion } from './calendar-version';
import { CalendarInputError } from './errors';
import { formatInstantInZone, toInstantMs, type InstantInput } from './instant';
import { zoneRules, type ZoneRules } from './time-zone';
import { buildYearIndex, lowerBound, upperBound, workingBefore, type YearIndex, type YearIndexSource } from './year-index';

/**
 * No computation may reach further than this from its start. Legal deadlines are days or months
 * long; the limit stops an absurd amount from building centuries of year indexes.
 */
export const MAX_SPAN_YEARS = 200;

export type DurationUnit = 'working-day' | 'working-hour' | 'calendar-day';
export const DURATION_UNITS: readonly DurationUnit[] = ['working-day', 'working-hour', 'calendar-day'];

export interface DueRequest {
  /** The reception instant `t`. */
  readonly from: InstantInput;
  /** Non-negative; fractions are allowed for working hours and working days, not calendar days. */
  readonly amount: number;
  readonly unit: DurationUnit;
  /** `HH:MM`: receptions at or after it (or on a non-working day) count from the next working day. */
  readonly cutoff?: string;
}

export interface DueAnswer {
  /** The due instant, to the second. */
  readonly due: Date;
  /** Where counting started: `s(t)` for working units; `t` (or `s(t)` under a cut-off) for calendar days. */
  readonly start: Date;
  /** The answer used a date of a year missing from the file or marked `provisional`. */
  readonly uncertain: boolean;
  /** First and last local years whose dates the answer used. */
  readonly firstYear: number;
  readonly lastYear: number;
  readonly calendarId: string;
  readonly calendarVersion: string;
}

export interface BetweenAnswer {
  /** Working time inside `[from, to)`, 0 when `to <= from`. */
  readonly milliseconds: number;
  /** Whole working minutes (rounded down). */
  readonly minutes: number;
  readonly uncertain: boolean;
  readonly firstYear: number;
  readonly lastYear: number;
  readonly calendarId: string;
  readonly calendarVersion: string;
}

export type DayKind = 'weekday' | 'weekend' | 'make-up' | DayOffKind;

export interface DayAnswer {
  readonly date: string;
  /** Whether the local date is a working day. */
  readonly value: boolean;
  readonly uncertain: boolean;
  /** Why: an ordinary weekday or weekend day, a make-up working day, or the kind of day off. */
  readonly kind: DayKind;
  readonly reason?: string;
  /** `missing` when the file does not list the date's year. */
  readonly yearStatus: YearStatus | 'missing';
}

export interface StartAnswer {
  readonly start: Date;
  readonly uncertain: boolean;
}

/**
 * A working-time calendar loaded from a file in the format of docs/calendar.md. Immutable: a changed file
 * is a new `Calendar` with a new {@link Calendar.version}.
 *
 * Create one with {@link loadCalendar}.
 */
export class Calendar {
  readonly id: string;
  /** The file's `version` field, or the first 12 hex digits of the SHA-256 of its canonical JSON. */
  readonly version: string;
  readonly name: string;
  readonly timezone: string;
  readonly weekendDays: readonly number[];
  readonly workingHours: readonly WorkingPeriod[];
  /** Sum of the working periods, in minutes (480 for 08:00–12:00 + 13:00–17:00). */
  readonly dayLengthMinutes: number;
  /** The validated file, deep-frozen. */
  readonly file: CalendarFile;

  private readonly zone: ZoneRules;
  private readonly source: YearIndexSource;
  private readonly weekendMask: number;
  private readonly daysOff = new Map<number, DayOffEntry>();
  private readonly makeUpDays = new Map<number, MakeUpWorkingDayEntry>();
  private readonly statusByYear = new Map<number, YearStatus>();
  private readonly indexes = new Map<number, YearIndex>();
  private readonly cutoffMinutes = new Map<string, number>();
  private lastIndex: YearIndex | undefined;
  // Where the last search ended; fields rather than a returned object keep the hot path free
  // of allocations.
  private cursorIndex!: YearIndex;
  private cursorPeriod = 0;

  /** Validates `json` (throws {@link CalendarValidationError}) and indexes it. */
  constructor(json: unknown) {
    const file = deepFreeze(structuredClone(validateCalendarFile(json)));
    this.file = file;
    this.id = file.id;
    this.version = file.version ?? contentVersion(file);
    this.name = file.name ?? file.id;
    this.timezone = file.timezone;
    this.weekendDays = file.weekendDays;
    this.workingHours = file.workingHours;
    this.zone = zoneRules(file.timezone);
    this.weekendMask = file.weekendDays.reduce((mask, day) => mask | (1 << day), 0);
    const periodMinutes: number[] = [];
    for (const [start, end] of file.workingHours) {
      periodMinutes.push(parseClockTime(start) as number, parseClockTime(end, true) as number);
    }
    let length = 0;
    for (let k = 0; k < periodMinutes.length; k += 2) length += (periodMinutes[k + 1] as number) - (periodMinutes[k] as number);
    this.dayLengthMinutes = length;
    for (const [key, year] of Object.entries(file.years)) {
      this.statusByYear.set(Number(key), year.status);
      for (const entry of year.daysOff ?? []) this.daysOff.set(parseIsoDate(entry.date) as number, entry);
      for (const entry of year.makeUpWorkingDays ?? []) this.makeUpDays.set(parseIsoDate(entry.date) as number, entry);
    }
    this.source = {
      zone: this.zone,
      periodMinutes,
      isWorkingDayNumber: (day) => this.isWorkingDayNumber(day),
      isUncertainYear: (year) => this.isUncertainYear(year),
    };
  }

  /** `confirmed`, `provisional`, or `missing` when the file does not list the year. */
  yearStatus(year: number): YearStatus | 'missing' {
    return this.statusByYear.get(year) ?? 'missing';
  }

  /** Answers that use a date of this year are flagged uncertain. */
  isUncertainYear(year: number): boolean {
    return this.statusByYear.get(year) !== 'confirmed';
  }

  /** Whether a local date `YYYY-MM-DD` is a working day, and why. */
  isWorkingDay(date: string): DayAnswer {
    const day = parseIsoDate(date);
    if (day === undefined) throw new CalendarInputError('date', `${JSON.stringify(date)} is not a real date YYYY-MM-DD`);
    const year = yearOfDay(day);
    if (year < MIN_YEAR || year > MAX_YEAR) throw new CalendarInputError('date', `is outside the supported years ${MIN_YEAR}–${MAX_YEAR}`);
    const base = { date, uncertain: this.isUncertainYear(year), yearStatus: this.yearStatus(year) };
    const makeUp = this.makeUpDays.get(day);
    if (makeUp) return { ...base, value: true, kind: 'make-up', ...withReason(makeUp.reason) };
    if (this.isWeekendDayNumber(day)) return { ...base, value: false, kind: 'weekend' };
    const off = this.daysOff.get(day);
    if (off) return { ...base, value: false, kind: off.kind, ...withReason(off.reason) };
    return { ...base, value: true, kind: 'weekday' };
  }

  /** Whether an instant lies inside a working period (`start <= t < end`). */
  isWorkingInstant(instant: InstantInput): boolean {
    const t = toInstantMs(instant);
    const index = this.indexAt(t);
    const i = upperBound(index.periodStart, index.periodCount, t) - 1;
    return i >= 0 && t < (index.periodEnd[i] as number);
  }

  /** The start of counting `s(t)` (docs/calendar.md rules 1 and 2). */
  startOfCounting(from: InstantInput, cutoff?: string): StartAnswer {
    const t = toInstantMs(from, 'from');
    const firstYear = this.localYear(t);
    const start = this.locateStart(t, cutoff === undefined ? -1 : this.parseCutoff(cutoff));
    return { start: new Date(start), uncertain: this.anyUncertain(firstYear, this.cursorIndex.year) };
  }

  /** The due instant of an amount of working days, working hours or calendar days from `from`. */
  due(request: DueRequest): DueAnswer {
    const t = toInstantMs(request.from, 'from');
    const { amount, unit } = request;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new CalendarInputError('amount', `must be a non-negative number (got ${String(amount)})`);
    }
    const cutoff = request.cutoff === undefined ? -1 : this.parseCutoff(request.cutoff);
    if (unit === 'calendar-day') return this.dueCalendarDays(t, amount, cutoff);
    if (unit !== 'working-day' && unit !== 'working-hour') {
      throw new CalendarInputError('unit', `must be one of ${DURATION_UNITS.join(', ')} (got ${String(unit)})`);
    }
    const firstYear = this.localYear(t);
    const start = this.locateStart(t, cutoff);
    let due: number;
    if (unit === 'working-day' && amount === 0) {
      // "Within the day": the end of the working day that contains s.
      due = this.cursorIndex.periodEnd[this.cursorIndex.dayLastPeriod[this.cursorPeriod] as number] as number;
    } else {
      const perUnit = unit === 'working-day' ? this.dayLengthMinutes * MS_PER_MINUTE : 60 * MS_PER_MINUTE;
      due = this.addWorkingTime(start, Math.round(amount * perUnit));
    }
    return this.dueAnswer(Math.ceil(due / MS_PER_SECOND) * MS_PER_SECOND, start, firstYear, this.cursorIndex.year);
  }

  /** Working time inside `[from, to)` (docs/calendar.md rule 6). */
  between(from: InstantInput, to: InstantInput): BetweenAnswer {
    const a = toInstantMs(from, 'from');
    const b = toInstantMs(to, 'to');
    // The answers are written out rather than spread from a shared part: V8 copies a spread
    // object through its slow path, about 4 µs a call, which was most of a 10 000-row export's
    // working-days column.
    if (b <= a) {
      const year = this.localYear(a);
      return { calendarId: this.id, calendarVersion: this.version, milliseconds: 0, minutes: 0, uncertain: false, firstYear: year, lastYear: year };
    }
    const first = this.indexAt(a);
    const last = this.indexAt(b);
    if (last.year - first.year > MAX_SPAN_YEARS) {
      throw new CalendarInputError('to', `is more than ${MAX_SPAN_YEARS} years after from`);
    }
    let milliseconds: number;
    if (first === last) {
      milliseconds = workingBefore(last, b) - workingBefore(first, a);
    } else {
      milliseconds = first.total - workingBefore(first, a) + workingBefore(last, b);
      for (let year = first.year + 1; year < last.year; year++) milliseconds += this.indexForYear(year).total;
    }
    // The last instant inside [a, b) decides the last date used.
    const lastYear = this.indexAt(b - MS_PER_SECOND).year;
    return {
      calendarId: this.id,
      calendarVersion: this.version,
      milliseconds,
      minutes: Math.floor(milliseconds / MS_PER_MINUTE),
      uncertain: this.anyUncertain(first.year, lastYear),
      firstYear: first.year,
      lastYear,
    };
  }

  /** `2026-02-23T10:00:00+07:00`: the instant in this calendar's zone, to the second. */
  formatInstant(instant: InstantInput): string {
    return formatInstantInZone(toInstantMs(instant), this.zone);
  }

  /** The local date (`YYYY-MM-DD`) of an instant in this calendar's zone. */
  localDate(instant: InstantInput): string {
    return formatIsoDate(Math.floor(this.zone.toLocalMs(toInstantMs(instant)) / MS_PER_DAY));
  }

  /**
   * The instant a local date (`YYYY-MM-DD`) begins in this calendar's zone: its local
   * midnight. The end of a span of whole days (a month, a half-year) is the start of the day
   * after it.
   */
  startOfLocalDate(date: string): Date {
    const day = parseIsoDate(date);
    if (day === undefined) throw new CalendarInputError('date', `must be a date YYYY-MM-DD (got ${JSON.stringify(date)})`);
    return new Date(this.zone.toInstant(day * MS_PER_DAY));
  }

  // ---- internals -------------------------------------------------------------------------

  private isWeekendDayNumber(day: number): boolean {
    return (this.weekendMask & (1 << isoWeekday(day))) !== 0;
  }

  private isWorkingDayNumber(day: number): boolean {
    if (this.makeUpDays.has(day)) return true;
    return !this.isWeekendDayNumber(day) && !this.daysOff.has(day);
  }

  /** What `due` answers, for either kind of unit: the instants as Dates, the years used, the calendar. */
  private dueAnswer(due: number, start: number, firstYear: number, lastYear: number): DueAnswer {
    return {
      due: new Date(due),
      start: new Date(start),
      uncertain: this.anyUncertain(firstYear, lastYear),
      firstYear,
      lastYear,
      calendarId: this.id,
      calendarVersion: this.version,
    };
  }

  private anyUncertain(firstYear: number, lastYear: number): boolean {
    for (let year = firstYear; year <= lastYear; year++) {
      if (this.statusByYear.get(year) !== 'confirmed') return true;
    }
    return false;
  }

  private parseCutoff(cutoff: string): number {
    let minutes = this.cutoffMinutes.get(cutoff);
    if (minutes === undefined) {
      minutes = typeof cutoff === 'string' ? parseClockTime(cutoff) : undefined;
      if (minutes === undefined) throw new CalendarInputError('cutoff', `${JSON.stringify(cutoff)} is not a clock time HH:MM`);
      this.cutoffMinutes.set(cutoff, minutes);
    }
    return minutes;
  }

  private localYear(instant: number): number {
    return this.indexAt(instant).year;
  }

  private indexForYear(year: number): YearIndex {
    let index = this.indexes.get(year);
    if (index === undefined) {
      if (year < MIN_YEAR || year > MAX_YEAR) {
        throw new CalendarInputError('instant', `the computation reaches beyond the supported years ${MIN_YEAR}–${MAX_YEAR}`);
      }
      index = buildYearIndex(year, this.source);
      this.indexes.set(year, index);
    }
    return index;
  }

  /** The year whose local days contain the instant. */
  private indexAt(instant: number): YearIndex {
    const last = this.lastIndex;
    if (last !== undefined && instant >= last.startInstant && instant < last.endInstant) return last;
    let index = this.indexForYear(yearOfDay(Math.floor(instant / MS_PER_DAY)));
    if (instant < index.startInstant) index = this.indexForYear(index.year - 1);
    else if (instant >= index.endInstant) index = this.indexForYear(index.year + 1);
    this.lastIndex = index;
    return index;
  }

  /** Rule 2's condition: `t` is on a non-working day, or at or after the cut-off of a working day. */
  private cutoffApplies(t: number, cutoffMinutes: number): boolean {
    const dayNumber = Math.floor(this.zone.toLocalMs(t) / MS_PER_DAY);
    const index = this.indexForYear(yearOfDay(dayNumber));
    return (
      index.working[dayNumber - index.firstDay] !== 1 ||
      t >= this.zone.toInstant(dayNumber * MS_PER_DAY + cutoffMinutes * MS_PER_MINUTE)
    );
  }

  private nextYearWithin(index: YearIndex, startYear: number): YearIndex {
    if (index.year + 1 - startYear > MAX_SPAN_YEARS) {
      throw new CalendarInputError('amount', `the deadline would be more than ${MAX_SPAN_YEARS} years away`);
    }
    return this.indexForYear(index.year + 1);
  }

  /** Rules 1 and 2: returns `s` and leaves the cursor on the period that contains it. */
  private locateStart(t: number, cutoffMinutes: number): number {
    if (cutoffMinutes >= 0 && this.cutoffApplies(t, cutoffMinutes)) {
      const dayNumber = Math.floor(this.zone.toLocalMs(t) / MS_PER_DAY);
      const index = this.indexForYear(yearOfDay(dayNumber));
      return this.firstPeriodFrom(index, index.dayFirstPeriod[dayNumber - index.firstDay + 1] as number);
    }
    const index = this.indexAt(t);
    const i = upperBound(index.periodStart, index.periodCount, t) - 1;
    if (i >= 0 && t < (index.periodEnd[i] as number)) {
      this.cursorIndex = index;
      this.cursorPeriod = i;
      return t;
    }
    return this.firstPeriodFrom(index, i + 1);
  }

  /** The start of the first period at or after `period` of `index`, continuing into later years. */
  private firstPeriodFrom(index: YearIndex, period: number): number {
    let current = index;
    let p = period;
    while (p >= current.periodCount) {
      current = this.nextYearWithin(current, index.year);
      p = 0;
    }
    this.cursorIndex = current;
    this.cursorPeriod = p;
    return current.periodStart[p] as number;
  }

  /**
   * Rule 3: the earliest instant `d >= start` with `amountMs` of working time in `[start, d)`.
   * `start` must be inside the cursor's period. An answer on a period end stays there.
   */
  private addWorkingTime(start: number, amountMs: number): number {
    let index = this.cursorIndex;
    const p = this.cursorPeriod;
    const periodEnd = index.periodEnd[p] as number;
    let target = (index.cumulativeEnd[p] as number) - (periodEnd - start) + amountMs;
    let from = p;
    const startYear = index.year;
    while (target > index.total) {
      target -= index.total;
      index = this.nextYearWithin(index, startYear);
      from = 0;
    }
    const j = lowerBound(index.cumulativeEnd, from, index.periodCount, target);
    this.cursorIndex = index;
    this.cursorPeriod = j;
    return (index.periodEnd[j] as number) - ((index.cumulativeEnd[j] as number) - target);
  }

  /** Rule 5 (with the cut-off, when given, moving the start as in rule 2). */
  private dueCalendarDays(t: number, amount: number, cutoff: number): DueAnswer {
    if (!Number.isInteger(amount)) throw new CalendarInputError('amount', `calendar-day amounts must be whole days (got ${amount})`);
    const firstYear = this.localYear(t);
    // A cut-off moves the start only when rule 2 applies; otherwise calendar days count from t.
    const start = cutoff >= 0 && this.cutoffApplies(t, cutoff) ? this.locateStart(t, cutoff) : t;
    const localMs = this.zone.toLocalMs(start);
    const startDay = Math.floor(localMs / MS_PER_DAY);
    if (amount > MAX_SPAN_YEARS * 366) {
      throw new CalendarInputError('amount', `the deadline would be more than ${MAX_SPAN_YEARS} years away`);
    }
    const targetDay = startDay + amount;
    const index = this.indexForYear(yearOfDay(targetDay));
    const offset = targetDay - index.firstDay;
    let due: number;
    let lastYear = index.year;
    if (index.working[offset] === 1) {
      due = this.zone.toInstant(targetDay * MS_PER_DAY + (localMs - startDay * MS_PER_DAY));
    } else {
      this.firstPeriodFrom(index, index.dayFirstPeriod[offset + 1] as number);
      due = this.cursorIndex.periodEnd[this.cursorIndex.dayLastPeriod[this.cursorPeriod] as number] as number;
      lastYear = this.cursorIndex.year;
    }
    return this.dueAnswer(due, start, firstYear, lastYear);
  }
}

function withReason(reason: string | undefined): { reason?: string } {
  return reason === undefined ? {} : { reason };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Validates a parsed calendar file and returns the calendar.
 *
 * @throws {CalendarValidationError} naming the bad field, e.g.
 *   `workingHours[1]: periods overlap or are out of order`. Nothing is computed from a bad file.
 */
export function loadCalendar(json: unknown): Calendar {
  return new Calendar(json);
}

/** `2026-02-23T10:00:00+07:00`: an instant in the calendar's zone with its offset, to the second. */
export function formatInstant(instant: InstantInput, calendar: Calendar): string {
  return calendar.formatInstant(instant);
}
