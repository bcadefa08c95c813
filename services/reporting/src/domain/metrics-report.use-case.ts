import type { Calendar } from '@tthc/calendar';
import {
  computeSubScores,
  countByAgencyAndProcedure,
  groupRows,
  monthsEndingAt,
  responsibleStep,
  totalOf,
  type AgencyDirectory,
  type DelayCounts,
  type GroupBy,
  type GroupRow,
  type Period,
  type Rubric,
  type SubjectRecord,
  type SubScoreReport,
} from '@tthc/metrics';
import { inScope, intersectScope, scopeOfKey, withHistoricUnits, type AgencyFilter, type AgencyScope, type KeyScope, type SuccessorDirectory } from './agency-scope';
import type { MetricsReadModel } from './metrics-read-model';

export interface ReportContext {
  readModel: MetricsReadModel;
  calendar: Calendar;
  directory: AgencyDirectory;
  rubrics: readonly Rubric[];
  now: Date;
}

/** What a request reads: the key's agencies narrowed by its filter. */
export interface Audience {
  /** Exact: lists, counts and totals hold these agencies and no other. */
  scope: AgencyScope;
  /** `scope` plus the historic units counting under its agencies: the candidates of a count. */
  countingScope: AgencyScope;
  visible: (agencyCode: string) => boolean;
  procedureCode?: string;
}

/** The audience of a key and an optional `?agency=` filter; null when the two share no agency. */
export function audienceFor(key: KeyScope, filter: AgencyFilter | null, directory: SuccessorDirectory, procedureCode?: string): Audience | null {
  const scope = intersectScope(scopeOfKey(key), filter);
  if (!scope) return null;
  return {
    scope,
    countingScope: withHistoricUnits(scope, directory),
    visible: (code) => inScope(scope, code),
    ...(procedureCode ? { procedureCode } : {}),
  };
}

export const SORTABLE = ['lateRate', 'onTimeRate', 'received', 'toHandle', 'resolvedLate', 'openOverdue', 'atRisk'] as const;
export type SortKey = (typeof SORTABLE)[number];

export interface LateCasesReport {
  period: Period;
  asOf: string;
  groupBy: GroupBy;
  items: GroupRow[];
  totals: DelayCounts;
  page: number;
  pageSize: number;
  total: number;
}

/**
 * Agency × procedure counts of one period for an audience: the one counting every report over
 * delay counts reads (late cases, sub-scores, the monthly report), so their figures agree.
 */
export async function rowsFor(ctx: ReportContext, period: Period, who: Audience) {
  const subjects = await ctx.readModel.subjectsFor({ openSince: new Date(period.start), end: new Date(period.end) }, who.countingScope);
  return rowsFromSubjects(ctx, subjects, period, who);
}

function rowsFromSubjects(ctx: ReportContext, subjects: readonly SubjectRecord[], period: Period, who: Audience) {
  const rows = countByAgencyAndProcedure(subjects, period, { calendar: ctx.calendar, directory: ctx.directory, now: ctx.now.getTime(), agencyFilter: who.visible });
  return who.procedureCode ? rows.filter((r) => r.procedureCode === who.procedureCode) : rows;
}

const labelOf = (r: GroupRow) => r.agencyCode ?? r.procedureCode ?? r.level ?? '';

/** Delay counts grouped by agency, procedure or level; the whole list or one page of it. */
export async function lateCases(
  ctx: ReportContext,
  q: { period: Period; groupBy: GroupBy; sort: SortKey; order: 'asc' | 'desc'; page: number; pageSize: number | 'all' },
  who: Audience,
): Promise<LateCasesReport> {
  const rows = await rowsFor(ctx, q.period, who);
  const sign = q.order === 'desc' ? -1 : 1;
  const grouped = groupRows(rows, q.groupBy, ctx.directory).sort((a, b) => sign * (a[q.sort] - b[q.sort]) || b.openOverdue - a.openOverdue || labelOf(a).localeCompare(labelOf(b)));
  const size = q.pageSize === 'all' ? Math.max(grouped.length, 1) : q.pageSize;
  const page = q.pageSize === 'all' ? 1 : q.page;
  return {
    period: q.period,
    asOf: ctx.calendar.formatInstant(Math.min(ctx.now.getTime(), Date.parse(q.period.end))),
    groupBy: q.groupBy,
    items: grouped.slice((page - 1) * size, page * size),
    totals: totalOf(rows),
    page,
    pageSize: size,
    total: grouped.length,
  };
}

export interface TrendItem {
  period: string;
  received: number;
  toHandle: number;
  late: number;
  lateRate: number;
  onTimeRate: number;
}

/** The last `months` months up to the current one, oldest first. */
export async function trend(ctx: ReportContext, months: number, who: Audience): Promise<{ items: TrendItem[] }> {
  const periods = monthsEndingAt(ctx.now, months, ctx.calendar);
  const first = periods[0]!;
  const last = periods[periods.length - 1]!;
  const subjects = await ctx.readModel.subjectsFor({ openSince: new Date(first.start), end: new Date(last.end) }, who.countingScope);
  return {
    items: periods.map((p) => {
      const t = totalOf(rowsFromSubjects(ctx, subjects, p, who));
      return { period: p.key, received: t.received, toHandle: t.toHandle, late: t.resolvedLate + t.openOverdue, lateRate: t.lateRate, onTimeRate: t.onTimeRate };
    }),
  };
}

export async function subScores(ctx: ReportContext, period: Period, who: Audience): Promise<SubScoreReport & { period: Period }> {
  const rows = await rowsFor(ctx, period, who);
  const year = Number(period.key.slice(0, 4));
  const rubric = ctx.rubrics.find((r) => r.year === year) ?? null;
  const report = computeSubScores(rows, { directory: ctx.directory, rubric });
  return { estimate: true, period, items: report.items, savable: report.savable, rubric: report.rubric };
}

export interface DossierListItem {
  code: string;
  subject: 'dossier' | 'petition';
  agencyCode: string | null;
  procedureCode: string | null;
  phase: string;
  statusCode: number | null;
  dueAt: string | null;
  atRisk: boolean;
  overdue: boolean;
  /** Working days from the due instant to now (calendar), one decimal; 0 when not yet due. */
  workingDaysLate: number;
  responsibleStep: { stepNo: number; name: string | null; agencyCode: string | null } | null;
}

export function toDossierListItem(r: SubjectRecord, ctx: Pick<ReportContext, 'calendar' | 'now'>): DossierListItem {
  const now = ctx.now.getTime();
  const lateMs = r.dueAt !== null && r.dueAt < now ? ctx.calendar.between(r.dueAt, now).milliseconds : 0;
  const step = responsibleStep(r, now);
  return {
    code: r.code,
    subject: r.subject,
    agencyCode: r.agencyCode,
    procedureCode: r.procedureCode,
    phase: r.phase,
    statusCode: r.statusCode,
    dueAt: r.dueAt === null ? null : ctx.calendar.formatInstant(r.dueAt),
    atRisk: r.atRisk,
    overdue: r.overdue,
    workingDaysLate: Math.round((lateMs / (ctx.calendar.dayLengthMinutes * 60_000)) * 10) / 10,
    responsibleStep: step ? { stepNo: step.stepNo, name: step.name, agencyCode: step.agencyCode } : null,
  };
}
