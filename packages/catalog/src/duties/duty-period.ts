import type { Calendar } from '@tthc/calendar';
import type { Duty, DutyPeriodMonths } from './duty.schema';

/** One period of a duty: its id (`2026-H1`), its first and last local days, and when it falls due. */
export interface DutyPeriod {
  id: string;
  startDate: string;
  endDate: string;
  /** The start of the day after `endDate` in the calendar's zone: the duty is due by then. */
  dueAt: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');

function periodId(year: number, index: number, months: DutyPeriodMonths): string {
  if (months === 12) return String(year);
  if (months === 6) return `${year}-H${index + 1}`;
  if (months === 3) return `${year}-Q${index + 1}`;
  return `${year}-${pad(index + 1)}`;
}

/**
 * The period of a duty that holds a local date. Periods are aligned on the calendar year, so
 * "at least once every 6 months" is read as once in each half-year (docs/legal-rules.md, periodic
 * duties). The due instant comes from the calendar: the local midnight that ends the period's
 * last day, whether or not that day is a working day, since the duty is a span of whole days,
 * not working time.
 */
export function dutyPeriodOf(months: DutyPeriodMonths, localDate: string, calendar: Calendar): DutyPeriod {
  const year = Number(localDate.slice(0, 4));
  const month = Number(localDate.slice(5, 7));
  const index = Math.floor((month - 1) / months);
  const firstMonth = index * months + 1;
  const nextMonth = firstMonth + months;
  const next = nextMonth > 12 ? `${year + 1}-01-01` : `${year}-${pad(nextMonth)}-01`;
  const lastMonth = nextMonth - 1;
  const lastDay = new Date(Date.UTC(year, lastMonth, 0)).getUTCDate();
  return {
    id: periodId(year, index, months),
    startDate: `${year}-${pad(firstMonth)}-01`,
    endDate: `${year}-${pad(lastMonth)}-${pad(lastDay)}`,
    dueAt: calendar.startOfLocalDate(next),
  };
}

/** An agency as the duties need it: its code and its level in the agency directory. */
export interface DutyAgency {
  code: string;
  level: string;
}

/** The agencies a duty applies to: those it names, and those of the levels it names. */
export function agenciesOfDuty(duty: Pick<Duty, 'appliesTo'>, directory: readonly DutyAgency[]): string[] {
  const levels = new Set<string>(duty.appliesTo.levels);
  const codes = new Set(duty.appliesTo.agencies);
  for (const a of directory) if (levels.has(a.level)) codes.add(a.code);
  return [...codes].sort();
}

/** Whether a duty is followed in a period: it took effect before the period ended. */
export function dutyInForce(duty: Pick<Duty, 'effectiveFrom'>, period: Pick<DutyPeriod, 'endDate'>): boolean {
  return duty.effectiveFrom <= period.endDate;
}
