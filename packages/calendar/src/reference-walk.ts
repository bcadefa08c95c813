/**
 * A deliberately naive second implementation of docs/calendar.md, used only as an oracle by the
 * property tests and the benchmark: it walks day by day from the reception date, asks `Intl`
 * for every local date and offset, and shares nothing with the fast path (no year indexes, no
 * offset tables, no day-number arithmetic). Not exported from the package entry point.
 */
import type { CalendarFile } from './calendar-file.schema';

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Stop walking after this many days: a bug in the oracle must fail, not hang. */
const MAX_WALK_DAYS = 366 * 60;

export type ReferenceUnit = 'working-day' | 'working-hour' | 'calendar-day';

export interface ReferenceAnswer {
  readonly value: number;
  readonly uncertain: boolean;
}

interface Period {
  readonly start: number;
  readonly end: number;
  /** UTC midnight standing for the local date the period belongs to. */
  readonly date: number;
}

export class ReferenceCalendar {
  private readonly formatter: Intl.DateTimeFormat;
  private readonly daysOff: Set<string>;
  private readonly makeUp: Set<string>;
  private readonly weekend: Set<number>;
  private readonly confirmedYears: Set<number>;
  private readonly periods: ReadonlyArray<readonly [number, number]>;
  private readonly dayLengthMs: number;
  private readonly offsetMemo = new Map<number, number>();
  private readonly instantMemo = new Map<number, number>();

  constructor(file: CalendarFile) {
    this.formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone: file.timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    this.daysOff = new Set();
    this.makeUp = new Set();
    this.confirmedYears = new Set();
    for (const [year, entry] of Object.entries(file.years)) {
      if (entry.status === 'confirmed') this.confirmedYears.add(Number(year));
      for (const day of entry.daysOff ?? []) this.daysOff.add(day.date);
      for (const day of entry.makeUpWorkingDays ?? []) this.makeUp.add(day.date);
    }
    this.weekend = new Set(file.weekendDays);
    const toMinutes = (text: string): number => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
    this.periods = file.workingHours.map(([start, end]) => [toMinutes(start), toMinutes(end)] as const);
    this.dayLengthMs = this.periods.reduce((sum, [start, end]) => sum + (end - start) * MINUTE, 0);
  }

  /** docs/calendar.md rules 1–5 by walking the days. */
  due(from: number, amount: number, unit: ReferenceUnit, cutoff?: string): ReferenceAnswer {
    const t = Math.floor(from / SECOND) * SECOND;
    const { date, msOfDay } = this.localParts(t);
    const cutoffMoves = cutoff !== undefined && !(this.isWorkingDate(date) && t < this.instantOf(date, toMs(cutoff)));

    if (unit === 'calendar-day') {
      let baseDate = date;
      let baseMs = msOfDay;
      if (cutoffMoves) {
        const first = this.periodsFrom(date + DAY).next().value as Period;
        ({ date: baseDate, msOfDay: baseMs } = this.localParts(first.start));
      }
      const target = baseDate + amount * DAY;
      if (this.isWorkingDate(target)) {
        return { value: this.instantOf(target, baseMs), uncertain: this.uncertain(date, target) };
      }
      const last = this.lastPeriodOfDay(this.periodsFrom(target + DAY));
      return { value: last.end, uncertain: this.uncertain(date, last.date) };
    }

    const walk = this.periodsFrom(cutoffMoves ? date + DAY : date);
    let current = walk.next().value as Period;
    while (!cutoffMoves && current.end <= t) current = walk.next().value as Period;
    const s = cutoffMoves ? current.start : Math.max(current.start, t);

    if (unit === 'working-day' && amount === 0) {
      const days = this.periodsFrom(current.date);
      const last = this.lastPeriodOfDay(days);
      return { value: last.end, uncertain: this.uncertain(date, last.date) };
    }
    let remaining = Math.round(amount * (unit === 'working-day' ? this.dayLengthMs : HOUR));
    let position = s;
    for (;;) {
      const available = current.end - position;
      if (remaining <= available) {
        const due = Math.ceil((position + remaining) / SECOND) * SECOND;
        return { value: due, uncertain: this.uncertain(date, current.date) };
      }
      remaining -= available;
      current = walk.next().value as Period;
      position = current.start;
    }
  }

  /** Rule 6: working time in `[from, to)`, summed period by period. */
  between(from: number, to: number): ReferenceAnswer {
    const a = Math.floor(from / SECOND) * SECOND;
    const b = Math.floor(to / SECOND) * SECOND;
    if (b <= a) return { value: 0, uncertain: false };
    const firstDate = this.localParts(a).date;
    const lastDate = this.localParts(b - SECOND).date;
    let total = 0;
    for (let date = firstDate; date <= lastDate; date += DAY) {
      if (!this.isWorkingDate(date)) continue;
      for (const period of this.periodsOfDate(date)) {
        total += Math.max(0, Math.min(period.end, b) - Math.max(period.start, a));
      }
    }
    return { value: total, uncertain: this.uncertain(firstDate, lastDate) };
  }

  isWorkingDate(date: number): boolean {
    const key = new Date(date).toISOString().slice(0, 10);
    if (this.makeUp.has(key)) return true;
    const weekday = new Date(date).getUTCDay() || 7;
    return !this.weekend.has(weekday) && !this.daysOff.has(key);
  }

  private uncertain(firstDate: number, lastDate: number): boolean {
    for (let year = new Date(firstDate).getUTCFullYear(); year <= new Date(lastDate).getUTCFullYear(); year++) {
      if (!this.confirmedYears.has(year)) return true;
    }
    return false;
  }

  private *periodsFrom(firstDate: number): Generator<Period, never> {
    for (let date = firstDate, walked = 0; ; date += DAY, walked++) {
      if (walked > MAX_WALK_DAYS) throw new Error('reference walk found no working time');
      if (this.isWorkingDate(date)) yield* this.periodsOfDate(date);
    }
  }

  private periodsOfDate(date: number): Period[] {
    const result: Period[] = [];
    for (const [startMinute, endMinute] of this.periods) {
      const start = this.instantOf(date, startMinute * MINUTE);
      const end = this.instantOf(date, endMinute * MINUTE);
      if (end > start) result.push({ start, end, date });
    }
    return result;
  }

  private lastPeriodOfDay(walk: Generator<Period, never>): Period {
    let last = walk.next().value as Period;
    for (;;) {
      const next = walk.next().value as Period;
      if (next.date !== last.date) return last;
      last = next;
    }
  }

  /** Local date (as UTC midnight) and time of day of an instant, straight from `Intl`. */
  private localParts(t: number): { date: number; msOfDay: number } {
    const local = t + this.offset(t);
    const date = Math.floor(local / DAY) * DAY;
    return { date, msOfDay: local - date };
  }

  /** The earliest instant whose local wall-clock time is at or after `date` + `msOfDay`. */
  private instantOf(date: number, msOfDay: number): number {
    const local = date + msOfDay;
    const memo = this.instantMemo.get(local);
    if (memo !== undefined) return memo;
    const offsets = new Set([-2 * DAY, -DAY / 2, 0, DAY / 2, 2 * DAY].map((shift) => this.offset(local + shift)));
    let best = Number.POSITIVE_INFINITY;
    for (const offset of offsets) {
      const candidate = local - offset;
      if (this.offset(candidate) === offset) best = Math.min(best, candidate);
    }
    if (best === Number.POSITIVE_INFINITY) {
      // The wall-clock time was skipped: find the instant the clocks jumped past it.
      let lo = local - Math.max(...offsets);
      let hi = local - Math.min(...offsets);
      while (hi - lo > SECOND) {
        const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
        if (mid + this.offset(mid) >= local) hi = mid;
        else lo = mid;
      }
      best = hi;
    }
    this.instantMemo.set(local, best);
    return best;
  }

  private offset(t: number): number {
    const memo = this.offsetMemo.get(t);
    if (memo !== undefined) return memo;
    const parts: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(new Date(t))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const local = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, (parts.hour ?? 0) % 24, parts.minute ?? 0, parts.second ?? 0);
    const offset = local - t;
    this.offsetMemo.set(t, offset);
    return offset;
  }
}

function toMs(clock: string): number {
  return (Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5))) * MINUTE;
}
