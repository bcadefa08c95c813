import type { Calendar } from '@tthc/calendar';
import { UNKNOWN_CODE, emptyCounts, ratesOf, type AgencyDirectory, type CountRow, type Period, type SubjectRecord, type Timeliness } from '@tthc/metrics';

/**
 * Delay counts kept as subjects change, so a report reads a few counter documents instead of
 * every subject of its scope. A subject's contribution depends on its stored state alone, never
 * on "now", so it is recomputed and its difference applied whenever workflow stores a new
 * revision; reports then combine counters exactly as `countByAgencyAndProcedure` counts.
 *
 * These counter documents per agency (the raw code stored on the subject; the directory maps
 * it to its successor for the period at read time):
 * - a month (`m|agency|YYYY-MM`): receipts, resolutions by timeliness and apologies in that
 *   month; subjects carried over into it; subjects open at its end, within or past their due;
 * - a quarter and a year (`q|agency|YYYY-Qn`, `y|agency|YYYY`): their receipts, resolutions and
 *   apologies, so a longer period reads three documents per agency rather than one a month;
 * - the open tails (`t|agency`): what a still-open subject adds to every month from one on
 *   (carried over; open at month end, within or overdue), keyed by that first month, so a new
 *   month needs no write at all;
 * - the open subjects now (`n|agency`): the running period is judged as of now, so open
 *   subjects are counted overdue once workflow stored the overdue alert of their due instant
 *   (or judged them late), and within their deadline by the month they fall due in (at risk is
 *   "due before the period ends" or warned).
 *
 * Counter paths are `c.<procedure>.<d|p>.<field>` (dossier or petition), the procedure code
 * escaped for a MongoDB field name.
 */

/** One counter: a document id and a path in it. */
export type CounterKey = string;
export type Contribution = Map<CounterKey, number>;

export interface CounterDocument {
  c?: Record<string, unknown>;
}

const SEP = '\u0000';
export const counterKey = (doc: string, path: string): CounterKey => `${doc}${SEP}${path}`;
export function splitCounterKey(key: CounterKey): { doc: string; path: string } {
  const i = key.indexOf(SEP);
  return { doc: key.slice(0, i), path: key.slice(i + 1) };
}

export const monthDocId = (agency: string, month: string) => `m|${agency}|${month}`;
/** Receipts, resolutions and apologies of a quarter (`2026-Q1`) or a year (`2026`): what a longer period sums. */
export const quarterDocId = (agency: string, quarter: string) => `q|${agency}|${quarter}`;
export const yearDocId = (agency: string, year: string) => `y|${agency}|${year}`;
export const tailDocId = (agency: string) => `t|${agency}`;
export const nowDocId = (agency: string) => `n|${agency}`;

/** The raw agency code a detailed counter document belongs to (`m|agency|month`, `q|…`, `y|…`, `r|…`, `t|agency`, `n|agency`). */
export function agencyOfDoc(doc: string): string {
  const body = doc.slice(2);
  return doc.startsWith('t|') || doc.startsWith('n|') ? body : body.slice(0, body.lastIndexOf('|'));
}

/**
 * The documents a period reads come in two families of the same shape. The detailed one is kept
 * per agency with the procedures inside (`c.<procedure>.<d|p>.…`); the roll-up is kept per
 * province (the agency code's first segment) with the agencies inside (`c.<agency>.<d|p>.…`),
 * so a report that needs no procedure reads a dozen documents for a whole province instead of
 * a dozen per agency. The roll-up is the detailed counters summed over procedures
 * (`withRollUp`), applied in the same `$inc` as them.
 */
interface DocFamily {
  month(unit: string, month: string): string;
  quarter(unit: string, quarter: string): string;
  year(unit: string, year: string): string;
  tail(unit: string): string;
  now(unit: string): string;
}
const DETAILED: DocFamily = { month: monthDocId, quarter: quarterDocId, year: yearDocId, tail: tailDocId, now: nowDocId };
/** A family whose document ids start with these prefixes (month, quarter, year, tail, now). */
const familyOf = (prefixes: Record<keyof DocFamily, string>): DocFamily => ({
  month: (unit, month) => `${prefixes.month}|${unit}|${month}`,
  quarter: (unit, quarter) => `${prefixes.quarter}|${unit}|${quarter}`,
  year: (unit, year) => `${prefixes.year}|${unit}|${year}`,
  tail: (unit) => `${prefixes.tail}|${unit}`,
  now: (unit) => `${prefixes.now}|${unit}`,
});
const ROLL_UP_PREFIXES = { month: 'M', quarter: 'Q', year: 'Y', tail: 'T', now: 'N' };
const ROLL_UP = familyOf(ROLL_UP_PREFIXES);
/**
 * The third family: per province with the procedures inside (`c.<procedure>.<d|p>.…`, the
 * detailed paths summed over the province's agencies), so a list per procedure of a whole
 * province reads a dozen documents instead of a dozen per agency (run T: 569 ms at p95 with 120
 * agencies decoding ~10 000 agency × procedure cells). It holds every agency of the province,
 * so a key that reads only some of them subtracts the others' detailed counters
 * (`procedurePlan`).
 */
const BY_PROCEDURE_PREFIXES = { month: 'Pm', quarter: 'Pq', year: 'Py', tail: 'Pt', now: 'Pn' };
const BY_PROCEDURE = familyOf(BY_PROCEDURE_PREFIXES);
/**
 * The open subjects now within their deadline, per province, by agency and procedure
 * (`c.<agency>|<procedure>.<d|p>.within_<due>_<warned>`): the sub-scores share the points
 * still savable among agency × procedure by their subjects at risk.
 */
export const atRiskDocId = (unit: string) => `S|${unit}`;
/** Every roll-up document id starts with one of these. */
export const ROLL_UP_DOC_PREFIXES: readonly string[] = [...Object.values(ROLL_UP_PREFIXES), ...Object.values(BY_PROCEDURE_PREFIXES), 'S', 'R'].map((p) => `${p}|`);

/** The roll-up unit of an agency: its province, the first segment of its code. */
export function unitOf(agency: string): string {
  const i = agency.indexOf('.');
  return i < 0 ? agency : agency.slice(0, i);
}
/** Procedure code in a roll-up row: the roll-up counts every procedure of the agency together. */
export const ALL_PROCEDURES = '*';
/** What a read of documents kept per procedure takes of each for a request: one procedure's counters, or all. */
export const onlyOf = (who: { procedureCode?: string }) => (who.procedureCode ? { procedure: who.procedureCode } : undefined);
/** Agency code in a row of the per-procedure family: it counts the agencies of a province together. */
export const ALL_AGENCIES = '*';

/** MongoDB field names may not hold `.` or start with `$`; `%` is escaped so decoding is exact. */
export const encodeField = (s: string) => s.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\$/g, '%24');
/** An agency as a roll-up field: `|` is escaped too, so `agency|procedure` splits at its first `|`. */
const encodeAgency = (s: string) => encodeField(s).replace(/\|/g, '%7C');
export const decodeField = (s: string) => (s.includes('%') ? s.replace(/%2E/g, '.').replace(/%24/g, '$').replace(/%7C/g, '|').replace(/%25/g, '%') : s);

/** Months as serial numbers (year × 12 + month − 1) of the calendar's local dates. */
export function monthSerial(instant: number | string, calendar: Calendar): number {
  const [y, m] = calendar.localDate(instant).split('-').map(Number) as [number, number];
  return y * 12 + m - 1;
}
export const monthKeyOf = (serial: number) => `${String(Math.floor(serial / 12)).padStart(4, '0')}-${String((serial % 12) + 1).padStart(2, '0')}`;
const serialOfKey = (key: string) => Number(key.slice(0, 4)) * 12 + Number(key.slice(5, 7)) - 1;

const RESOLVED: Record<Timeliness, string> = { early: 'resolvedEarly', 'on-time': 'resolvedOnTime', late: 'resolvedLate' };

function timelinessOf(end: number, due: number | null, calendar: Calendar): Timeliness {
  if (due === null) return 'on-time';
  if (end > due) return 'late';
  return calendar.localDate(end) < calendar.localDate(due) ? 'early' : 'on-time';
}

/** The procedure a subject is counted under, as `countByAgencyAndProcedure` names it. */
const procedureOf = (r: SubjectRecord) => (r.subject === 'petition' ? (r.procedureCode ?? 'PAKN') : (r.procedureCode ?? UNKNOWN_CODE));

/** What one subject adds to the counters, from its stored state only. */
export function contributionOf(r: SubjectRecord, calendar: Calendar): Contribution {
  const out: Contribution = new Map();
  const agency = r.agencyCode ?? '';
  const prefix = `c.${encodeField(procedureOf(r))}.${r.subject === 'petition' ? 'p' : 'd'}.`;
  const add = (doc: string, field: string) => {
    const key = counterKey(doc, prefix + field);
    out.set(key, (out.get(key) ?? 0) + 1);
  };
  const month = (serial: number) => monthDocId(agency, monthKeyOf(serial));
  /** What happened in a month counts in its quarter and year too. */
  const happened = (serial: number, field: string) => {
    const year = String(Math.floor(serial / 12)).padStart(4, '0');
    add(month(serial), field);
    add(quarterDocId(agency, `${year}-Q${Math.floor((serial % 12) / 3) + 1}`), field);
    add(yearDocId(agency, year), field);
  };
  if (r.receivedAt === null) return out;
  const mr = monthSerial(r.receivedAt, calendar);
  const me = r.endAt === null ? Infinity : monthSerial(r.endAt, calendar);
  // An apology counts in its month while the subject is received and not yet ended there: the
  // months whose recount reads the subject at all. Workflow records one only in between.
  for (const t of r.apologies) {
    const k = monthSerial(t, calendar);
    if (k >= mr && k <= me) happened(k, 'apologies');
  }
  if (r.phase === 'awaiting-reception') return out;
  const md = r.dueAt === null ? Infinity : monthSerial(r.dueAt, calendar);
  if (r.endAt !== null) {
    // Ended in a month before its receipt: no month both holds it and judges it.
    if (me < mr) return out;
    happened(mr, 'received');
    happened(me, RESOLVED[r.timeliness ?? timelinessOf(r.endAt, r.dueAt, calendar)]);
    for (let k = mr + 1; k <= me; k++) add(month(k), 'carried');
    for (let k = mr; k < me; k++) add(month(k), k >= md ? 'endOverdue' : 'endWithin');
    return out;
  }
  happened(mr, 'received');
  add(tailDocId(agency), `${monthKeyOf(mr + 1)}.carried`);
  const late = r.timeliness === 'late';
  // A stopped clock is within its deadline at any month end, unless workflow judged it late.
  const overdueFrom = late ? mr : r.paused || r.dueAt === null ? Infinity : Math.max(mr, md);
  if (overdueFrom === Infinity) add(tailDocId(agency), `${monthKeyOf(mr)}.endWithin`);
  else {
    for (let k = mr; k < overdueFrom; k++) add(month(k), 'endWithin');
    add(tailDocId(agency), `${monthKeyOf(overdueFrom)}.endOverdue`);
  }
  const overdueNow = late || (!r.paused && r.dueAt !== null && r.overdue);
  if (overdueNow) add(nowDocId(agency), 'overdue');
  else add(nowDocId(agency), `within_${r.paused || r.dueAt === null ? 'x' : monthKeyOf(md)}_${r.atRisk ? 1 : 0}`);
  return out;
}

/** `next − previous`, without the counters that did not move. */
export function contributionDelta(previous: Contribution | null, next: Contribution): Contribution {
  const delta: Contribution = new Map();
  for (const [k, n] of next) delta.set(k, n - (previous?.get(k) ?? 0));
  for (const [k, n] of previous ?? []) if (!next.has(k)) delta.set(k, -n);
  for (const [k, n] of delta) if (n === 0) delta.delete(k);
  return delta;
}

/** The document of `family` in `unit` that a detailed document of `kind` (its period `suffix`) counts into. */
function docIn(family: DocFamily, kind: 'm' | 'q' | 'y' | 't' | 'n', unit: string, suffix: string): string {
  if (kind === 't') return family.tail(unit);
  if (kind === 'n') return family.now(unit);
  return family[kind === 'm' ? 'month' : kind === 'q' ? 'quarter' : 'year'](unit, suffix);
}

/**
 * What `delta` (detailed counters) moves in the roll-up: every detailed counter also counts in
 * its province's document, under its agency instead of its procedure, and in its province's
 * per-procedure document under the same path. Derived from the
 * detailed keys alone, so the stored contributions keep their shape and the roll-up stays the
 * sum of the detailed counters whatever revision they were counted at.
 */
export function rollUpOf(delta: Contribution): Contribution {
  const out: Contribution = new Map();
  const bump = (key: CounterKey, n: number) => out.set(key, (out.get(key) ?? 0) + n);
  for (const [key, n] of delta) {
    const { doc, path } = splitCounterKey(key);
    const agency = agencyOfDoc(doc);
    const unit = unitOf(agency);
    const cut = path.indexOf('.', 2);
    const procedure = path.slice(2, cut);
    const rest = path.slice(cut + 1);
    const slot = encodeAgency(agency);
    const suffix = doc.slice(doc.lastIndexOf('|') + 1);
    const kind = doc[0] as 'm' | 'q' | 'y' | 't' | 'n' | 'r';
    // The satisfaction counters (`r|agency|period`, satisfaction-counters.ts) roll up the same way.
    bump(counterKey(kind === 'r' ? `R|${unit}|${suffix}` : docIn(ROLL_UP, kind, unit, suffix), `c.${slot}.${rest}`), n);
    if (kind === 'n' && rest.includes('.within_')) bump(counterKey(atRiskDocId(unit), `c.${slot}|${procedure}.${rest}`), n);
    if (kind !== 'r') bump(counterKey(docIn(BY_PROCEDURE, kind, unit, suffix), path), n);
  }
  for (const [k, n] of out) if (n === 0) out.delete(k);
  return out;
}

/** `delta` plus what it moves in the roll-up: applied in one write, the two never drift apart. */
export function withRollUp(delta: Contribution): Contribution {
  return new Map([...delta, ...rollUpOf(delta)]);
}

/** Whether a counter document is a detailed one (per agency), which the roll-up sums. */
export const isDetailedDocId = (id: string) => /^[mqytnr]\|/.test(id);

/** A stored counter document's numbers as counter keys (what `rollUpOf` takes). */
export function cellsOf(id: string, doc: CounterDocument): Contribution {
  const out: Contribution = new Map();
  const walk = (node: unknown, path: string) => {
    if (typeof node === 'number') out.set(counterKey(id, path), node);
    else for (const [k, v] of entries(node)) walk(v, `${path}.${k}`);
  };
  walk(doc.c, 'c');
  return out;
}

/** The months a period's counts read, and whether it is judged as of now. */
export function periodSpan(period: Period, now: number, calendar: Calendar) {
  const start = Date.parse(period.start);
  const end = Date.parse(period.end);
  const first = monthSerial(start, calendar);
  const last = monthSerial(end, calendar) - 1;
  const running = now < end;
  return { first, last, running, empty: Math.min(now, end) <= start };
}

/** The documents one unit (an agency, or a province in the roll-up) reads for a period. */
interface PeriodDocs {
  /** Receipts, resolutions and apologies of the period. */
  flow: string;
  /** Its first month: what was carried over into it. */
  first: string;
  /** Its last month: what was open at its end (a past period). */
  last: string;
  tail: string;
  now: string;
}
type Span = ReturnType<typeof periodSpan>;

function periodDocs(family: DocFamily, unit: string, period: Period, span: Span): PeriodDocs {
  const flow = period.kind === 'quarter' ? family.quarter(unit, period.key) : period.kind === 'year' ? family.year(unit, period.key) : family.month(unit, monthKeyOf(span.first));
  return { flow, first: family.month(unit, monthKeyOf(span.first)), last: family.month(unit, monthKeyOf(span.last)), tail: family.tail(unit), now: family.now(unit) };
}

/** The ids `tallyPeriod` reads of these documents. */
function idsRead(d: PeriodDocs, span: Span): string[] {
  return [d.flow, d.first, d.tail, span.running ? d.now : d.last];
}

function docIdsOf(family: DocFamily, units: Iterable<string>, periods: readonly Period[], now: number, calendar: Calendar, extra?: (unit: string, span: Span) => string[]): string[] {
  const ids = new Set<string>();
  const list = [...units];
  for (const p of periods) {
    const span = periodSpan(p, now, calendar);
    if (span.empty) continue;
    for (const unit of list) {
      for (const id of idsRead(periodDocs(family, unit, p, span), span)) ids.add(id);
      for (const id of extra?.(unit, span) ?? []) ids.add(id);
    }
  }
  return [...ids];
}

/** The counter documents the counts of `periods` read for `agencies`. */
export function counterDocIds(agencies: readonly string[], periods: readonly Period[], now: number, calendar: Calendar): string[] {
  return docIdsOf(DETAILED, agencies, periods, now, calendar);
}

/**
 * The roll-up documents the per-agency counts of `periods` read for `agencies`: a dozen per
 * province for a year of months, whatever its agencies and procedures. With `atRisk`, also
 * what the running period's subjects at risk per agency × procedure read.
 */
export function rollUpDocIds(agencies: readonly string[], periods: readonly Period[], now: number, calendar: Calendar, opts: { atRisk?: boolean } = {}): string[] {
  const units = new Set(agencies.map(unitOf));
  return docIdsOf(ROLL_UP, units, periods, now, calendar, (unit, span) => (opts.atRisk && span.running ? [atRiskDocId(unit)] : []));
}

type Leaf = Record<string, number>;
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const entries = (v: unknown): Array<[string, unknown]> => (v && typeof v === 'object' ? Object.entries(v as object) : []);

/** Raw counters of one agency × procedure × kind, summed over what the period reads. */
interface Tally {
  received: number;
  carried: number;
  resolvedEarly: number;
  resolvedOnTime: number;
  resolvedLate: number;
  within: number;
  overdue: number;
  atRisk: number;
  apologies: number;
}
const emptyTally = (): Tally => ({ received: 0, carried: 0, resolvedEarly: 0, resolvedOnTime: 0, resolvedLate: 0, within: 0, overdue: 0, atRisk: 0, apologies: 0 });

// A request reads the same documents for every period it counts (the trend: twelve); each is
// taken apart once.
const leaves = new WeakMap<CounterDocument, Array<[string, string, Leaf]>>();
function leavesOf(doc: CounterDocument): Array<[string, string, Leaf]> {
  let out = leaves.get(doc);
  if (!out) {
    out = [];
    for (const [proc, kinds] of entries(doc.c)) for (const [kind, leaf] of entries(kinds)) out.push([proc, kind, leaf as Leaf]);
    leaves.set(doc, out);
  }
  return out;
}

interface TailEntry {
  since: number;
  carried: number;
  within: number;
  overdue: number;
}
/** Parses a counter leaf once per document read: the leaf object itself is the cache key. */
function parsedOnce<T>(parse: (leaf: Leaf) => T[]): (leaf: Leaf) => T[] {
  const cache = new WeakMap<Leaf, T[]>();
  return (leaf) => {
    let out = cache.get(leaf);
    if (!out) {
      out = parse(leaf);
      cache.set(leaf, out);
    }
    return out;
  };
}

const tailEntriesOf = parsedOnce<TailEntry>((leaf) =>
  entries(leaf).map(([from, fields]) => {
    const f = fields as Leaf;
    return { since: serialOfKey(from), carried: num(f['carried']), within: num(f['endWithin']), overdue: num(f['endOverdue']) };
  }),
);

interface NowEntry {
  overdue: boolean;
  /** Month serial of the due instant; null for no due date or a stopped clock. */
  due: number | null;
  warned: boolean;
  n: number;
}
const nowEntriesOf = parsedOnce<NowEntry>((leaf) =>
  entries(leaf).map(([field, n]) => {
    if (field === 'overdue') return { overdue: true, due: null, warned: false, n: num(n) };
    const [, due, warned] = field.split('_');
    return { overdue: false, due: due === 'x' ? null : serialOfKey(due!), warned: warned === '1', n: num(n) };
  }),
);

export interface CounterReadOptions {
  calendar: Calendar;
  directory: AgencyDirectory;
  now: number;
  /** Keeps only rows whose (effective) agency passes. */
  agencyFilter?: (agencyCode: string) => boolean;
}

/** Tallies of one period, per (effective) agency × procedure × kind, filled from any family of documents. */
class PeriodTallies {
  private readonly tallies = new Map<string, { agencyCode: string; procedureCode: string; petition: boolean; t: Tally }>();

  get(agencyCode: string, procedureCode: string, kind: string): Tally {
    const key = `${agencyCode}${SEP}${procedureCode}${SEP}${kind}`;
    let entry = this.tallies.get(key);
    if (!entry) this.tallies.set(key, (entry = { agencyCode, procedureCode, petition: kind === 'p', t: emptyTally() }));
    return entry.t;
  }

  /** Takes `other`'s tallies off these (the agencies a province's documents hold and a key does not read). */
  subtract(other: PeriodTallies): void {
    for (const { agencyCode, procedureCode, petition, t } of other.tallies.values()) {
      const mine = this.get(agencyCode, procedureCode, petition ? 'p' : 'd');
      for (const k of Object.keys(t) as Array<keyof Tally>) mine[k] -= t[k];
    }
  }

  /** Rows as `countByAgencyAndProcedure` gives them: those with nothing to handle left out. */
  rows(): CountRow[] {
    const rows = new Map<string, CountRow>();
    for (const { agencyCode, procedureCode, petition, t } of this.tallies.values()) {
      const rowKey = `${agencyCode}${SEP}${procedureCode}`;
      let row = rows.get(rowKey);
      if (!row) rows.set(rowKey, (row = Object.assign({ agencyCode, procedureCode }, EMPTY)));
      addTally(row, t, petition);
    }
    const out: CountRow[] = [];
    for (const row of rows.values()) {
      if (row.toHandle + row.petitionsToHandle + row.apologies === 0) continue;
      out.push(Object.assign(row, ratesOf(row)));
    }
    return out;
  }
}

/**
 * Adds what a period reads of one unit's documents to the tally of each slot (a procedure of
 * an agency's document, an agency of a province's) and kind; `tally` returns null for a slot
 * the reader leaves out.
 */
function tallyPeriod(docs: ReadonlyMap<string, CounterDocument>, ids: PeriodDocs, span: Span, tally: (slot: string, kind: string) => Tally | null): void {
  const each = (doc: string, f: (t: Tally, leaf: Leaf) => void) => {
    const d = docs.get(doc);
    if (!d) return;
    for (const [slot, kind, leaf] of leavesOf(d)) {
      const t = tally(slot, kind);
      if (t) f(t, leaf);
    }
  };
  // Facts dated after now in the running period are none: workflow stores what happened.
  each(ids.flow, (t, leaf) => {
    t.received += num(leaf['received']);
    t.resolvedEarly += num(leaf['resolvedEarly']);
    t.resolvedOnTime += num(leaf['resolvedOnTime']);
    t.resolvedLate += num(leaf['resolvedLate']);
    t.apologies += num(leaf['apologies']);
  });
  each(ids.first, (t, leaf) => (t.carried += num(leaf['carried'])));
  if (!span.running) {
    each(ids.last, (t, leaf) => {
      t.within += num(leaf['endWithin']);
      t.overdue += num(leaf['endOverdue']);
    });
  }
  each(ids.tail, (t, leaf) => {
    for (const e of tailEntriesOf(leaf)) {
      if (e.since <= span.first) t.carried += e.carried;
      if (!span.running && e.since <= span.last) {
        t.within += e.within;
        t.overdue += e.overdue;
      }
    }
  });
  if (span.running) each(ids.now, (t, leaf) => addNow(t, leaf, span));
}

/** The running period judges open subjects as of now. */
function addNow(t: Tally, leaf: Leaf, span: Span): void {
  for (const e of nowEntriesOf(leaf)) {
    if (e.overdue) {
      t.overdue += e.n;
      continue;
    }
    t.within += e.n;
    // At risk: due before the period ends (clock running), or warned by sla.
    if ((e.due !== null && e.due <= span.last) || e.warned) t.atRisk += e.n;
  }
}

/**
 * Counts per agency × procedure in one period from the counters of `agencies` (raw codes):
 * the same rows `countByAgencyAndProcedure` gives over the subjects of those agencies.
 */
export function countsFromCounters(docs: ReadonlyMap<string, CounterDocument>, agencies: readonly string[], period: Period, opts: CounterReadOptions): CountRow[] {
  const span = periodSpan(period, opts.now, opts.calendar);
  if (span.empty) return [];
  const tallies = new PeriodTallies();
  for (const agency of agencies) {
    const agencyCode = agency ? opts.directory.effectiveCode(agency, period) : UNKNOWN_CODE;
    if (opts.agencyFilter && !opts.agencyFilter(agencyCode)) continue;
    tallyPeriod(docs, periodDocs(DETAILED, agency, period, span), span, (slot, kind) => tallies.get(agencyCode, decodeField(slot), kind));
  }
  return tallies.rows();
}

/**
 * The effective agency code a roll-up slot counts under in `period`, or null when the slot is
 * not one of `agencies` (another key's agency in the same province) or the filter refuses it.
 * Cached per slot: a province's documents repeat the same agencies.
 */
function slotAgencies(agencies: readonly string[], period: Period, opts: CounterReadOptions): (slot: string) => string | null {
  const candidates = new Set(agencies);
  const cache = new Map<string, string | null>();
  return (slot) => {
    let code = cache.get(slot);
    if (code === undefined) {
      const agency = decodeField(slot);
      const effective = agency ? opts.directory.effectiveCode(agency, period) : UNKNOWN_CODE;
      code = candidates.has(agency) && (!opts.agencyFilter || opts.agencyFilter(effective)) ? effective : null;
      cache.set(slot, code);
    }
    return code;
  };
}

/**
 * Counts per agency (procedure `ALL_PROCEDURES`) in one period from the roll-up of the
 * provinces of `agencies`: each row is the sum of the rows `countsFromCounters` gives for
 * that agency. Only `agencies` are counted, never another agency of the same province.
 */
export function agencyCountsFromRollUp(docs: ReadonlyMap<string, CounterDocument>, agencies: readonly string[], period: Period, opts: CounterReadOptions): CountRow[] {
  const span = periodSpan(period, opts.now, opts.calendar);
  if (span.empty) return [];
  const tallies = new PeriodTallies();
  const agencyOf = slotAgencies(agencies, period, opts);
  for (const unit of new Set(agencies.map(unitOf))) {
    tallyPeriod(docs, periodDocs(ROLL_UP, unit, period, span), span, (slot, kind) => {
      const agencyCode = agencyOf(slot);
      return agencyCode === null ? null : tallies.get(agencyCode, ALL_PROCEDURES, kind);
    });
  }
  return tallies.rows();
}

/**
 * The subjects at risk in the running period per agency × procedure, from the roll-up (rows
 * holding `atRisk` and `petitionsAtRisk` only); none for a past period, where nothing is at
 * risk. What the sub-scores share their savable points by.
 */
export function atRiskFromRollUp(docs: ReadonlyMap<string, CounterDocument>, agencies: readonly string[], period: Period, opts: CounterReadOptions): CountRow[] {
  const span = periodSpan(period, opts.now, opts.calendar);
  if (span.empty || !span.running) return [];
  const agencyOf = slotAgencies(agencies, period, opts);
  const rows = new Map<string, CountRow>();
  for (const unit of new Set(agencies.map(unitOf))) {
    const d = docs.get(atRiskDocId(unit));
    if (!d) continue;
    for (const [slot, kind, leaf] of leavesOf(d)) {
      const cut = slot.indexOf('|');
      const agencyCode = agencyOf(slot.slice(0, cut));
      if (agencyCode === null) continue;
      const procedureCode = decodeField(slot.slice(cut + 1));
      const t = emptyTally();
      addNow(t, leaf, span);
      if (t.atRisk === 0) continue;
      const rowKey = `${agencyCode}${SEP}${procedureCode}`;
      let row = rows.get(rowKey);
      if (!row) rows.set(rowKey, (row = Object.assign({ agencyCode, procedureCode }, EMPTY)));
      if (kind === 'p') row.petitionsAtRisk += t.atRisk;
      else row.atRisk += t.atRisk;
    }
  }
  return [...rows.values()];
}

const EMPTY = emptyCounts();

/**
 * How a count per procedure reads a key's agencies in one period: a province whose agencies the
 * key mostly reads takes its per-procedure documents, less the detailed counters of the agencies
 * the key does not read (`minus`); any other province the detailed counters of the agencies it
 * reads (`detailed`). `all` is every agency with counters, `counted` those the key counts.
 */
export interface ProcedurePlan {
  whole: Array<{ unit: string; minus: string[] }>;
  detailed: string[];
}

export function procedurePlan(all: readonly string[], counted: readonly string[], period: Period, opts: CounterReadOptions): ProcedurePlan {
  const reads = new Set(counted);
  const units = new Map<string, { read: string[]; other: string[] }>();
  for (const agency of new Set(all)) {
    const read = reads.has(agency) && (!opts.agencyFilter || opts.agencyFilter(agency ? opts.directory.effectiveCode(agency, period) : UNKNOWN_CODE));
    const unit = unitOf(agency);
    let u = units.get(unit);
    if (!u) units.set(unit, (u = { read: [], other: [] }));
    (read ? u.read : u.other).push(agency);
  }
  const plan: ProcedurePlan = { whole: [], detailed: [] };
  for (const [unit, { read, other }] of units) {
    if (read.length === 0) continue;
    if (other.length < read.length) plan.whole.push({ unit, minus: other });
    else plan.detailed.push(...read);
  }
  return plan;
}

/** The counter documents `procedureCountsFromCounters` reads for a plan. */
export function procedureDocIds(plan: ProcedurePlan, period: Period, now: number, calendar: Calendar): string[] {
  const agencies = [...plan.detailed, ...plan.whole.flatMap((w) => w.minus)];
  return [...docIdsOf(BY_PROCEDURE, plan.whole.map((w) => w.unit), [period], now, calendar), ...docIdsOf(DETAILED, agencies, [period], now, calendar)];
}

/**
 * Counts per procedure in one period: rows that add up, per procedure, to what
 * `countsFromCounters` gives over the same agencies. A province read whole gives rows of agency
 * `ALL_AGENCIES`; only a list that never tells agencies apart may read them.
 */
export function procedureCountsFromCounters(docs: ReadonlyMap<string, CounterDocument>, plan: ProcedurePlan, period: Period, opts: CounterReadOptions): CountRow[] {
  const span = periodSpan(period, opts.now, opts.calendar);
  if (span.empty) return [];
  const tallies = new PeriodTallies();
  const unread = new PeriodTallies();
  for (const { unit, minus } of plan.whole) {
    tallyPeriod(docs, periodDocs(BY_PROCEDURE, unit, period, span), span, (s, kind) => tallies.get(ALL_AGENCIES, decodeField(s), kind));
    for (const agency of minus) tallyPeriod(docs, periodDocs(DETAILED, agency, period, span), span, (s, kind) => unread.get(ALL_AGENCIES, decodeField(s), kind));
  }
  tallies.subtract(unread);
  const detailed = plan.detailed.length > 0 ? countsFromCounters(docs, plan.detailed, period, opts) : [];
  return [...tallies.rows(), ...detailed];
}

function addTally(row: CountRow, t: Tally, petition: boolean): void {
  row.apologies += t.apologies;
  if (petition) {
    row.petitionsReceived += t.received;
    row.petitionsToHandle += t.received + t.carried;
    row.petitionsOnTime += t.resolvedEarly + t.resolvedOnTime;
    row.petitionsLate += t.resolvedLate;
    row.petitionsOpenWithinDeadline += t.within;
    row.petitionsOpenOverdue += t.overdue;
    row.petitionsAtRisk += t.atRisk;
    return;
  }
  row.received += t.received;
  row.toHandle += t.received + t.carried;
  row.resolvedEarly += t.resolvedEarly;
  row.resolvedOnTime += t.resolvedOnTime;
  row.resolvedLate += t.resolvedLate;
  row.openWithinDeadline += t.within;
  row.openOverdue += t.overdue;
  row.atRisk += t.atRisk;
}
