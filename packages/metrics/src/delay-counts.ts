import type { Calendar } from '@tthc/calendar';
import type { AgencyDirectory, AgencyLevel } from './agency-directory';
import type { Period } from './period';
import type { SubjectRecord, Timeliness } from './subject-record';

/**
 * Delay counts of one group (agency × procedure, or an aggregate) in one period, by the
 * portal's rules (QĐ 766 methodology; docs/legal-rules.md §1.6, rules 8 and 9).
 *
 * Definitions, for a period `[start, end)` judged as of `asOf = min(now, end)`:
 * - A dossier is *open at an instant* when it was received before it and its end instant
 *   (NgayKetThucXuLy, else closedAt) is not before it. A dossier open at the period's end is
 *   judged at the period's last instant; for the running period, at `now`.
 * - `received`: dossiers received in `[start, asOf)`.
 * - `toHandle` ("cần xử lý"): `received` + dossiers carried over (received earlier, still open
 *   at `start`).
 * - `resolvedEarly | resolvedOnTime | resolvedLate`: dossiers whose end instant falls in
 *   `[start, asOf)`, by workflow's timeliness, else by end ≤ due (early when the end's local
 *   date is before the due date). A dossier with no due date is never late.
 * - `openOverdue`: open at `asOf` and due before it (or already judged late by workflow);
 *   `openWithinDeadline`: the other open ones. A paused clock (awaiting the citizen) is within
 *   its deadline: the portal takes the request instant as its end.
 * - `atRisk`: open within deadline but flagged at risk by the SLA service or due before `end`.
 * - `lateRate = (resolvedLate + openOverdue) / toHandle`, `onTimeRate = 100 % − lateRate`, as
 *   fractions with four decimals (0.5 = 50 %; 0 and 1 when there is nothing to handle).
 * - Petitions (PAKN) are counted apart by the same rules: `petitionsOnTime` /
 *   `petitionsLate` (handled in the period), `petitionsOpenOverdue`, `petitionsAtRisk`.
 * - `apologies`: apologies issued in `[start, asOf)` for dossiers of the group.
 */
export interface DelayCounts {
  received: number;
  toHandle: number;
  resolvedEarly: number;
  resolvedOnTime: number;
  resolvedLate: number;
  openWithinDeadline: number;
  openOverdue: number;
  atRisk: number;
  lateRate: number;
  onTimeRate: number;
  petitionsReceived: number;
  petitionsToHandle: number;
  petitionsOnTime: number;
  petitionsLate: number;
  petitionsOpenWithinDeadline: number;
  petitionsOpenOverdue: number;
  petitionsAtRisk: number;
  apologies: number;
}

export const COUNT_FIELDS = [
  'received',
  'toHandle',
  'resolvedEarly',
  'resolvedOnTime',
  'resolvedLate',
  'openWithinDeadline',
  'openOverdue',
  'atRisk',
  'petitionsReceived',
  'petitionsToHandle',
  'petitionsOnTime',
  'petitionsLate',
  'petitionsOpenWithinDeadline',
  'petitionsOpenOverdue',
  'petitionsAtRisk',
  'apologies',
] as const satisfies ReadonlyArray<keyof DelayCounts>;
export type CountField = (typeof COUNT_FIELDS)[number];

export function emptyCounts(): DelayCounts {
  const c = Object.fromEntries(COUNT_FIELDS.map((f) => [f, 0])) as Record<CountField, number>;
  return { ...c, lateRate: 0, onTimeRate: 1 };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** `lateRate` and `onTimeRate` (fractions, 0.25 = 25 %) of the counts. */
export function ratesOf(c: Pick<DelayCounts, 'resolvedLate' | 'openOverdue' | 'toHandle'>): Pick<DelayCounts, 'lateRate' | 'onTimeRate'> {
  const late = c.resolvedLate + c.openOverdue;
  const lateRate = c.toHandle === 0 ? 0 : round4(late / c.toHandle);
  return { lateRate, onTimeRate: round4(1 - lateRate) };
}

/** Fills `lateRate` and `onTimeRate` from the counts. */
export function withRates(c: DelayCounts): DelayCounts {
  return { ...c, ...ratesOf(c) };
}

export function addCounts(a: DelayCounts, b: DelayCounts): DelayCounts {
  const out = { ...a };
  for (const f of COUNT_FIELDS) out[f] = a[f] + b[f];
  return withRates(out);
}

/** How one subject stands in a period; `null` when it does not belong to the period at all. */
export type Standing =
  | { kind: 'resolved'; timeliness: Timeliness; received: boolean }
  | { kind: 'open'; overdue: boolean; atRisk: boolean; received: boolean };

export function judge(r: SubjectRecord, period: { start: number; end: number }, asOf: number, calendar: Calendar): Standing | null {
  if (r.phase === 'awaiting-reception' || r.receivedAt === null || r.receivedAt >= asOf) return null;
  const received = r.receivedAt >= period.start;
  if (r.endAt !== null && r.endAt < period.start) return null;
  if (r.endAt !== null && r.endAt < asOf) return { kind: 'resolved', timeliness: r.timeliness ?? timelinessOf(r.endAt, r.dueAt, calendar), received };
  // Open at asOf (still open, or closed only later than the instant we judge at).
  const stillOpenNow = r.endAt === null;
  const clockStopped = stillOpenNow && r.paused;
  const overdue = (r.dueAt !== null && r.dueAt < asOf && !clockStopped) || (stillOpenNow && r.timeliness === 'late');
  const atRisk = !overdue && asOf < period.end && ((stillOpenNow && r.atRisk) || (r.dueAt !== null && r.dueAt < period.end && !clockStopped));
  return { kind: 'open', overdue, atRisk, received };
}

function timelinessOf(end: number, due: number | null, calendar: Calendar): Timeliness {
  if (due === null) return 'on-time';
  if (end > due) return 'late';
  return calendar.localDate(end) < calendar.localDate(due) ? 'early' : 'on-time';
}

export function countOne(c: DelayCounts, r: SubjectRecord, s: Standing): void {
  if (r.subject === 'petition') {
    c.petitionsToHandle += 1;
    if (s.received) c.petitionsReceived += 1;
    if (s.kind === 'resolved') {
      if (s.timeliness === 'late') c.petitionsLate += 1;
      else c.petitionsOnTime += 1;
    } else if (s.overdue) c.petitionsOpenOverdue += 1;
    else {
      c.petitionsOpenWithinDeadline += 1;
      if (s.atRisk) c.petitionsAtRisk += 1;
    }
    return;
  }
  c.toHandle += 1;
  if (s.received) c.received += 1;
  if (s.kind === 'resolved') {
    if (s.timeliness === 'late') c.resolvedLate += 1;
    else if (s.timeliness === 'early') c.resolvedEarly += 1;
    else c.resolvedOnTime += 1;
  } else if (s.overdue) c.openOverdue += 1;
  else {
    c.openWithinDeadline += 1;
    if (s.atRisk) c.atRisk += 1;
  }
}

export interface CountRow extends DelayCounts {
  agencyCode: string;
  procedureCode: string;
}

export interface CountOptions {
  calendar: Calendar;
  directory: AgencyDirectory;
  /** The instant "now"; the running period is judged as of it. */
  now: number;
  /** Keeps only subjects whose (effective) agency passes. */
  agencyFilter?: (agencyCode: string) => boolean;
}

/** Marker for a missing agency or procedure code in group keys and rows. */
export const UNKNOWN_CODE = '(unknown)';

/**
 * Counts per agency × procedure in one period. Agencies are mapped through the directory for
 * the period (district units → successors after two-level government began).
 */
export function countByAgencyAndProcedure(records: Iterable<SubjectRecord>, period: Period, opts: CountOptions): CountRow[] {
  const bounds = { start: Date.parse(period.start), end: Date.parse(period.end) };
  const asOf = Math.min(opts.now, bounds.end);
  const rows = new Map<string, CountRow>();
  for (const r of records) {
    const agencyCode = r.agencyCode ? opts.directory.effectiveCode(r.agencyCode, period) : UNKNOWN_CODE;
    if (opts.agencyFilter && !opts.agencyFilter(agencyCode)) continue;
    const procedureCode = r.subject === 'petition' ? (r.procedureCode ?? 'PAKN') : (r.procedureCode ?? UNKNOWN_CODE);
    const apologies = r.apologies.filter((t) => t >= bounds.start && t < asOf).length;
    const s = asOf > bounds.start ? judge(r, bounds, asOf, opts.calendar) : null;
    if (!s && apologies === 0) continue;
    const key = `${agencyCode}\u0000${procedureCode}`;
    let row = rows.get(key);
    if (!row) {
      row = { agencyCode, procedureCode, ...emptyCounts() };
      rows.set(key, row);
    }
    if (s) countOne(row, r, s);
    row.apologies += apologies;
  }
  return [...rows.values()].map((row) => ({ ...row, ...withRates(row) }));
}

export type GroupBy = 'agency' | 'procedure' | 'level';

export interface GroupRow extends DelayCounts {
  agencyCode: string | null;
  agencyName: string | null;
  level: AgencyLevel | 'unknown' | null;
  procedureCode: string | null;
}

/** Aggregates agency × procedure rows by agency, procedure or government level. */
export function groupRows(rows: readonly CountRow[], groupBy: GroupBy, directory: AgencyDirectory): GroupRow[] {
  const groups = new Map<string, GroupRow>();
  for (const row of rows) {
    const info = directory.info(row.agencyCode);
    const key = groupBy === 'agency' ? row.agencyCode : groupBy === 'procedure' ? row.procedureCode : info.level;
    const seed: GroupRow =
      groupBy === 'agency'
        ? { agencyCode: row.agencyCode, agencyName: info.name, level: info.level, procedureCode: null, ...emptyCounts() }
        : groupBy === 'procedure'
          ? { agencyCode: null, agencyName: null, level: null, procedureCode: row.procedureCode, ...emptyCounts() }
          : { agencyCode: null, agencyName: null, level: info.level, procedureCode: null, ...emptyCounts() };
    const current = groups.get(key) ?? seed;
    groups.set(key, { ...current, ...addCounts(current, row) });
  }
  return [...groups.values()];
}

export function totalOf(rows: readonly DelayCounts[]): DelayCounts {
  return rows.reduce<DelayCounts>((acc, r) => addCounts(acc, r), emptyCounts());
}
