import type { Calendar } from '@tthc/calendar';
import type { DelayCountsComputedV1 } from '@tthc/contracts';
import { COUNT_FIELDS, countByAgencyAndProcedure, currentPeriods, periodContaining, type AgencyDirectory, type Period, type SubjectRecord } from '@tthc/metrics';

/** One stored and published row: an agency × procedure in one period. */
export interface DelayCountsRow extends DelayCountsComputedV1 {
  /** `<period>|<agency>|<procedure>`: the idempotency key of the upsert. */
  id: string;
}

export interface DelayCountsStore {
  /** Subjects received before `end` and not closed before `openSince`. */
  subjectsFor(window: { openSince: Date; end: Date }): Promise<SubjectRecord[]>;
  /** Upserts every row, then drops rows of the same periods that this run did not produce. */
  replacePeriods(periodKeys: string[], rows: DelayCountsRow[], runAt: Date): Promise<void>;
  /** The run time of the oldest stored row of the period; null when it has none. */
  lastComputedAt(periodKey: string): Promise<Date | null>;
}

export interface DelayCountsPublisher {
  publish(rows: DelayCountsRow[]): Promise<void>;
}

export interface DelayCountsDeps {
  store: DelayCountsStore;
  publisher: DelayCountsPublisher;
  calendar: Calendar;
  directory: AgencyDirectory;
}

/**
 * The periods a run computes: the running month, quarter and year, plus, for a period-close
 * run, the periods that ended at the month boundary just passed (judged at their end, final).
 */
export function periodsToCompute(now: Date, calendar: Calendar, closedMonthKey: string | null): Period[] {
  const periods = currentPeriods(now, calendar);
  if (closedMonthKey) {
    const month = periods[0]!;
    // The month that closed is the one before the running month; its quarter and year closed
    // with it only when they end at the same instant.
    const lastInstant = new Date(Date.parse(month.start) - 1);
    for (const kind of ['month', 'quarter', 'year'] as const) {
      const p = periodContaining(lastInstant, kind, calendar);
      if (p.end === month.start && !periods.some((q) => q.key === p.key)) periods.push(p);
    }
  }
  return periods;
}

/**
 * The periods a run computes now. The running quarter and year count every subject of the year,
 * so their read grows to millions of subjects by December, while the running month's reads only
 * the subjects still open and those closed this month. A scheduled run therefore recomputes the
 * quarter and year only when their stored rows are `longEveryMs` old (or missing), and the month
 * every time. A period-close run computes everything it closes, final.
 */
export async function periodsDue(
  input: { now: Date; closedMonthKey: string | null; longEveryMs: number },
  deps: { calendar: Calendar; store: Pick<DelayCountsStore, 'lastComputedAt'> },
): Promise<Period[]> {
  const all = periodsToCompute(input.now, deps.calendar, input.closedMonthKey);
  if (input.closedMonthKey) return all;
  const [month, ...longer] = all;
  for (const period of longer) {
    const last = await deps.store.lastComputedAt(period.key);
    if (last === null || input.now.getTime() - last.getTime() >= input.longEveryMs) return all;
  }
  return [month!];
}

/**
 * Recomputes the delay counts of `periods` from the dossiers (nothing is carried from a
 * previous run, so a rerun after any failure gives the same rows), stores and publishes them.
 */
export async function publishDelayCounts(input: { periods: Period[]; now: Date }, deps: DelayCountsDeps): Promise<{ periods: string[]; rows: number; subjects: number }> {
  const openSince = new Date(Math.min(...input.periods.map((p) => Date.parse(p.start))));
  const end = new Date(Math.max(...input.periods.map((p) => Date.parse(p.end))));
  const subjects = await deps.store.subjectsFor({ openSince, end });
  const computedAt = deps.calendar.formatInstant(input.now);
  const rows: DelayCountsRow[] = [];
  for (const period of input.periods) {
    // Counting a year of subjects takes tens of milliseconds a period; the timers of this
    // process fire in between rather than after all of them.
    await new Promise((resolve) => setImmediate(resolve));
    const asOfMs = Math.min(input.now.getTime(), Date.parse(period.end));
    for (const r of countByAgencyAndProcedure(subjects, period, { calendar: deps.calendar, directory: deps.directory, now: input.now.getTime() })) {
      const counts = Object.fromEntries([...COUNT_FIELDS.map((f) => [f, r[f]]), ['lateRate', r.lateRate], ['onTimeRate', r.onTimeRate]]) as DelayCountsRow['counts'];
      rows.push({
        id: `${period.key}|${r.agencyCode}|${r.procedureCode}`,
        periodKey: period.key,
        periodKind: period.kind,
        periodStart: period.start,
        periodEnd: period.end,
        zone: period.zone,
        asOf: deps.calendar.formatInstant(asOfMs),
        final: asOfMs >= Date.parse(period.end),
        agencyCode: r.agencyCode,
        agencyLevel: deps.directory.info(r.agencyCode).level,
        procedureCode: r.procedureCode,
        counts,
        computedAt,
      });
    }
  }
  const keys = input.periods.map((p) => p.key);
  await deps.store.replacePeriods(keys, rows, input.now);
  await deps.publisher.publish(rows);
  return { periods: keys, rows: rows.length, subjects: subjects.length };
}
