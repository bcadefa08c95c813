import type { Calendar } from '@tthc/calendar';

export type PeriodKind = 'month' | 'quarter' | 'year';

/**
 * A reporting period: `[start, end)` between two local midnights in the calendar's zone
 * (Asia/Ho_Chi_Minh for the national calendar). `start` and `end` are written with the
 * zone's offset, e.g. `2026-02-01T00:00:00+07:00`.
 */
export interface Period {
  /** `2026-02`, `2026-Q1` or `2026`. */
  key: string;
  kind: PeriodKind;
  start: string;
  end: string;
  zone: string;
}

export class PeriodKeyError extends Error {
  constructor(key: string) {
    super(`period "${key}" must be YYYY-MM, YYYY-Qn or YYYY`);
    this.name = 'PeriodKeyError';
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * The instant of local midnight at the start of `date` (YYYY-MM-DD) in the calendar's zone.
 * The offset is read from the calendar's own zone data (`formatInstant`), never assumed: the
 * first guess uses the offset in force near that day, and a second pass corrects it if the
 * offset changed in between (daylight saving in zones that have it).
 */
export function localMidnight(date: string, calendar: Calendar): string {
  let offset = offsetOf(calendar.formatInstant(`${date}T00:00:00Z`));
  for (let pass = 0; pass < 2; pass++) {
    const candidate = `${date}T00:00:00${offset}`;
    const written = calendar.formatInstant(candidate);
    if (written.startsWith(`${date}T00:00:00`)) return written;
    offset = offsetOf(written);
  }
  return calendar.formatInstant(`${date}T00:00:00${offset}`);
}

function offsetOf(formatted: string): string {
  const m = /(Z|[+-]\d{2}:\d{2})$/.exec(formatted);
  return m?.[1] ?? 'Z';
}

interface Civil {
  year: number;
  month: number;
}

function bounds(kind: PeriodKind, year: number, index: number): { key: string; from: Civil; to: Civil } {
  if (kind === 'year') return { key: String(year), from: { year, month: 1 }, to: { year: year + 1, month: 1 } };
  if (kind === 'quarter') {
    const first = (index - 1) * 3 + 1;
    const next = first + 3;
    return { key: `${year}-Q${index}`, from: { year, month: first }, to: next > 12 ? { year: year + 1, month: 1 } : { year, month: next } };
  }
  return { key: `${year}-${pad(index)}`, from: { year, month: index }, to: index === 12 ? { year: year + 1, month: 1 } : { year, month: index + 1 } };
}

function build(kind: PeriodKind, year: number, index: number, calendar: Calendar): Period {
  const b = bounds(kind, year, index);
  return {
    key: b.key,
    kind,
    start: localMidnight(`${pad(b.from.year, 4)}-${pad(b.from.month)}-01`, calendar),
    end: localMidnight(`${pad(b.to.year, 4)}-${pad(b.to.month)}-01`, calendar),
    zone: calendar.timezone,
  };
}

/** Parses `2026-11`, `2026-Q4` or `2026`; throws {@link PeriodKeyError} otherwise. */
export function parsePeriod(key: string, calendar: Calendar): Period {
  const month = /^(\d{4})-(\d{2})$/.exec(key);
  if (month) {
    const m = Number(month[2]);
    if (m < 1 || m > 12) throw new PeriodKeyError(key);
    return build('month', Number(month[1]), m, calendar);
  }
  const quarter = /^(\d{4})-Q([1-4])$/.exec(key);
  if (quarter) return build('quarter', Number(quarter[1]), Number(quarter[2]), calendar);
  if (/^\d{4}$/.test(key)) return build('year', Number(key), 1, calendar);
  throw new PeriodKeyError(key);
}

/** The period of `kind` that contains `instant`, by the instant's local date. */
export function periodContaining(instant: string | Date | number, kind: PeriodKind, calendar: Calendar): Period {
  const [y, m] = calendar.localDate(instant).split('-').map(Number) as [number, number];
  if (kind === 'year') return build('year', y, 1, calendar);
  if (kind === 'quarter') return build('quarter', y, Math.floor((m - 1) / 3) + 1, calendar);
  return build('month', y, m, calendar);
}

/** The `count` months ending with the one that contains `instant`, oldest first. */
export function monthsEndingAt(instant: string | Date | number, count: number, calendar: Calendar): Period[] {
  const [y, m] = calendar.localDate(instant).split('-').map(Number) as [number, number];
  const out: Period[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const serial = y * 12 + (m - 1) - i;
    out.push(build('month', Math.floor(serial / 12), (serial % 12) + 1, calendar));
  }
  return out;
}

/** The month, quarter and year that contain `instant`. */
export function currentPeriods(instant: string | Date | number, calendar: Calendar): Period[] {
  return (['month', 'quarter', 'year'] as const).map((k) => periodContaining(instant, k, calendar));
}
