import type { Calendar } from '@tthc/calendar';
import {
  computeSubScores,
  countByAgencyAndProcedure,
  groupRows,
  monthsEndingAt,
  responsibleStep,
  totalOf,
  type AgencyDirectory,
  type CountRow,
  type DelayCounts,
  type GroupBy,
  type GroupRow,
  type Period,
  type Rubric,
  type ListedSubject,
  type SubjectRecord,
  type SubScoreReport,
} from '@tthc/metrics';
import { inScope, intersectScope, scopeOfKey, withHistoricUnits, type AgencyFilter, type AgencyScope, type KeyScope, type SuccessorDirectory } from './agency-scope';
import type { DelayCounterStore } from './count-subjects.use-case';
import { agencyCountsFromRollUp, atRiskFromRollUp, counterDocIds, countsFromCounters, onlyOf, procedureCountsFromCounters, procedureDocIds, procedurePlan, rollUpDocIds, unitOf } from './delay-counters';
import type { MetricsReadModel } from './metrics-read-model';
import { ratingCountsFor, type SatisfactionContext } from './satisfaction.use-case';
import type { StoredCase } from './case-record.use-case';

export interface ReportContext {
  readModel: MetricsReadModel;
  /**
   * The delay counters kept by the state consumer. Reports read them when given; without them
   * (the recount test, the bench's comparison) they count the stored subjects per request.
   */
  counters?: Pick<DelayCounterStore, 'read' | 'agencies' | 'version'>;
  calendar: Calendar;
  directory: AgencyDirectory;
  rubrics: readonly Rubric[];
  now: Date;
  /** Citizens' ratings for the satisfaction sub-score; without it the sub-score is the proxy. */
  satisfaction?: SatisfactionContext;
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
export async function rowsFor(ctx: ReportContext, period: Period, who: Audience): Promise<CountRow[]> {
  return (await rowsForPeriods(ctx, [period], who))[0]!;
}

/**
 * The same counts one row per agency (procedure `*` when read from the roll-up): what reports
 * that never tell procedures apart read (the monthly report, the totals).
 */
export async function agencyRowsFor(ctx: ReportContext, period: Period, who: Audience): Promise<CountRow[]> {
  return (await agencyRowsForPeriods(ctx, [period], who))[0]!;
}

/** The rows per agency read from the province roll-up, whatever the key's size (or the detailed rows of one procedure). */
export async function rollUpRowsFor(ctx: ReportContext, period: Period, who: Audience): Promise<CountRow[]> {
  return (await agencyRowsWithAtRisk(ctx, [period], who, false, 'always')).rows[0]!;
}

/** The raw agency codes with counters that a count for `who` reads. */
export async function countedAgencies(counters: NonNullable<ReportContext['counters']>, who: Audience): Promise<string[]> {
  return countedOf(await counters.agencies(), who);
}

function countedOf(all: readonly string[], who: Audience): string[] {
  const scope = who.countingScope;
  // Subjects without an agency are candidates only of a read of every agency, as in the scan.
  return all.filter((a) => (a === '' ? scope === '*' : inScope(scope, a)));
}

/**
 * Rows of one period for a list per procedure: they add up per procedure to `rowsFor`'s, but a
 * province the key reads (almost) whole comes from its per-procedure documents, as rows of no
 * particular agency. Only what groups by procedure may read them.
 */
export async function procedureRowsFor(ctx: ReportContext, period: Period, who: Audience): Promise<CountRow[]> {
  if (!ctx.counters) return rowsFor(ctx, period, who);
  const all = await ctx.counters.agencies();
  const now = ctx.now.getTime();
  const opts = { calendar: ctx.calendar, directory: ctx.directory, now, agencyFilter: who.visible };
  const plan = procedurePlan(all, countedOf(all, who), period, opts);
  const rows = procedureCountsFromCounters(await ctx.counters.read(procedureDocIds(plan, period, now, ctx.calendar), onlyOf(who)), plan, period, opts);
  return who.procedureCode ? rows.filter((r) => r.procedureCode === who.procedureCode) : rows;
}

/** The rows of each period, from one read of the counters (or of the subjects). */
async function rowsForPeriods(ctx: ReportContext, periods: readonly Period[], who: Audience, counted?: string[]): Promise<CountRow[][]> {
  if (!ctx.counters) return rowsByScan(ctx, periods, who);
  const agencies = counted ?? (await countedAgencies(ctx.counters, who));
  const now = ctx.now.getTime();
  const docs = await ctx.counters.read(counterDocIds(agencies, periods, now, ctx.calendar), onlyOf(who));
  return periods.map((p) => {
    const rows = countsFromCounters(docs, agencies, p, { calendar: ctx.calendar, directory: ctx.directory, now, agencyFilter: who.visible });
    return who.procedureCode ? rows.filter((r) => r.procedureCode === who.procedureCode) : rows;
  });
}

/**
 * Rows of each period for reports that add up agencies, levels or everything but never tell
 * procedures apart (the trend, the totals, the monthly report): read from the province
 * roll-up, one row per agency, so a province costs a dozen documents rather than a dozen per
 * agency. A request for one procedure, or one without counters, reads what `rowsForPeriods` does.
 */
async function agencyRowsForPeriods(ctx: ReportContext, periods: readonly Period[], who: Audience): Promise<CountRow[][]> {
  return (await agencyRowsWithAtRisk(ctx, periods, who, false)).rows;
}

/**
 * With `atRisk`, also the at-risk subjects per agency × procedure (the sub-scores' savable
 * points); null when `rows` already hold them. `rollUp: 'always'` reads the roll-up whatever
 * the key (the recount test checks it for every scope).
 */
async function agencyRowsWithAtRisk(
  ctx: ReportContext,
  periods: readonly Period[],
  who: Audience,
  atRisk: boolean,
  rollUp: 'when-smaller' | 'always' = 'when-smaller',
): Promise<{ rows: CountRow[][]; atRisk: CountRow[][] | null }> {
  if (!ctx.counters || who.procedureCode) return { rows: await rowsForPeriods(ctx, periods, who), atRisk: null };
  const agencies = await countedAgencies(ctx.counters, who);
  // A province's documents hold all its agencies, so they pay once the key reads more agencies
  // than provinces; one agency's own documents are smaller (measured in the README's Bench).
  if (rollUp === 'when-smaller' && agencies.length <= new Set(agencies.map(unitOf)).size) return { rows: await rowsForPeriods(ctx, periods, who, agencies), atRisk: null };
  const now = ctx.now.getTime();
  const docs = await ctx.counters.read(rollUpDocIds(agencies, periods, now, ctx.calendar, { atRisk }));
  const opts = { calendar: ctx.calendar, directory: ctx.directory, now, agencyFilter: who.visible };
  return {
    rows: periods.map((p) => agencyCountsFromRollUp(docs, agencies, p, opts)),
    atRisk: atRisk ? periods.map((p) => atRiskFromRollUp(docs, agencies, p, opts)) : null,
  };
}

/**
 * The same rows counted from the stored subjects, read per request: what every report did
 * before the counters, kept to check them (the recount test) and to measure them (the bench).
 */
export async function rowsByScan(ctx: ReportContext, periods: readonly Period[], who: Audience): Promise<CountRow[][]> {
  if (periods.length === 0) return [];
  const openSince = new Date(Math.min(...periods.map((p) => Date.parse(p.start))));
  const end = new Date(Math.max(...periods.map((p) => Date.parse(p.end))));
  const subjects = await ctx.readModel.subjectsFor({ openSince, end }, who.countingScope);
  return periods.map((p) => rowsFromSubjects(ctx, subjects, p, who));
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
  // Only a list per procedure tells procedures apart; the others add up whole agencies.
  const rows = q.groupBy === 'procedure' ? await procedureRowsFor(ctx, q.period, who) : (await agencyRowsForPeriods(ctx, [q.period], who))[0]!;
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
  const rows = await agencyRowsForPeriods(ctx, periods, who);
  return {
    items: periods.map((p, i) => {
      const t = totalOf(rows[i]!);
      return { period: p.key, received: t.received, toHandle: t.toHandle, late: t.resolvedLate + t.openOverdue, lateRate: t.lateRate, onTimeRate: t.onTimeRate };
    }),
  };
}

export async function subScores(ctx: ReportContext, period: Period, who: Audience): Promise<SubScoreReport & { period: Period }> {
  const agencies = ctx.counters && ctx.satisfaction ? await countedAgencies(ctx.counters, who) : undefined;
  const [counted, ratings] = await Promise.all([agencyRowsWithAtRisk(ctx, [period], who, true), ratingCountsFor(ctx, period, who, agencies)]);
  const year = Number(period.key.slice(0, 4));
  const rubric = ctx.rubrics.find((r) => r.year === year) ?? null;
  const savable = counted.atRisk?.[0];
  const report = computeSubScores(counted.rows[0]!, { directory: ctx.directory, rubric, ratings, ...(savable ? { savableRows: savable } : {}) });
  return { estimate: true, period, items: report.items, savable: report.savable, rubric: report.rubric };
}

/** A line of the open-case lists: the stored subject's own fields, plus how late it is and who holds it. */
export interface DossierListItem extends Pick<StoredCase, 'code' | 'subject' | 'agencyCode' | 'procedureCode' | 'phase' | 'statusCode' | 'dueAt' | 'atRisk' | 'overdue'> {
  /** Working days from the due instant to now (calendar), one decimal; 0 when not yet due. */
  workingDaysLate: number;
  responsibleStep: { stepNo: number; name: string | null; agencyCode: string | null } | null;
}

export function toDossierListItem(r: ListedSubject, ctx: Pick<ReportContext, 'calendar' | 'now'>): DossierListItem {
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
