import { groupRows, totalOf, type AgencyLevel, type DelayCounts, type GroupRow, type Period } from '@tthc/metrics';
import { agencyRowsFor, type Audience, type ReportContext } from './metrics-report.use-case';

/**
 * One line of the monthly report in the one-stop portal's layout (dossiers; petitions are
 * reported apart). Every figure is read off the delay counts the late-case API serves, so
 * the two never disagree; `carriedOver` is the part of `toHandle` received before the month.
 */
/** The late-case counts the portal's monthly sheet shows (open ones at the end of the period, or now for the running month), plus what was carried over. */
export type MonthlyFigures = Pick<DelayCounts, 'received' | 'toHandle' | 'resolvedEarly' | 'resolvedOnTime' | 'resolvedLate' | 'openWithinDeadline' | 'openOverdue' | 'lateRate' | 'apologies'> & {
  carriedOver: number;
};

export type ReportLevel = AgencyLevel | 'unknown';

export interface MonthlyAgencyLine extends MonthlyFigures {
  agencyCode: string;
  agencyName: string | null;
  level: ReportLevel;
}

export interface MonthlyLevelLine extends MonthlyFigures {
  level: ReportLevel;
}

export interface MonthlyReport {
  period: Period;
  asOf: string;
  agencies: MonthlyAgencyLine[];
  levels: MonthlyLevelLine[];
  totals: MonthlyFigures;
}

/** The portal lists province-level agencies before communes; historic and unknown units last. */
export const LEVEL_ORDER: readonly ReportLevel[] = ['ministry', 'province', 'commune', 'district', 'unknown'];

export function figuresOf(c: DelayCounts): MonthlyFigures {
  return {
    received: c.received,
    carriedOver: c.toHandle - c.received,
    toHandle: c.toHandle,
    resolvedEarly: c.resolvedEarly,
    resolvedOnTime: c.resolvedOnTime,
    resolvedLate: c.resolvedLate,
    openWithinDeadline: c.openWithinDeadline,
    openOverdue: c.openOverdue,
    lateRate: c.lateRate,
    apologies: c.apologies,
  };
}

const levelOf = (g: GroupRow): ReportLevel => g.level ?? 'unknown';
const rank = (l: ReportLevel) => LEVEL_ORDER.indexOf(l);

/** One month per agency and per level, from the same counting as `GET /v1/metrics/late-cases`. */
export async function monthlyReport(ctx: ReportContext, period: Period, who: Audience): Promise<MonthlyReport> {
  const rows = await agencyRowsFor(ctx, period, who);
  const agencies = groupRows(rows, 'agency', ctx.directory)
    .map((g) => ({ agencyCode: g.agencyCode ?? '', agencyName: g.agencyName, level: levelOf(g), ...figuresOf(g) }))
    .sort((a, b) => rank(a.level) - rank(b.level) || a.agencyCode.localeCompare(b.agencyCode));
  const levels = groupRows(rows, 'level', ctx.directory)
    .map((g) => ({ level: levelOf(g), ...figuresOf(g) }))
    .sort((a, b) => rank(a.level) - rank(b.level));
  return {
    period,
    asOf: ctx.calendar.formatInstant(Math.min(ctx.now.getTime(), Date.parse(period.end))),
    agencies,
    levels,
    totals: figuresOf(totalOf(rows)),
  };
}
