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

/** MongoDB field names may not hold `.` or start with `$`; `%` is escaped so decoding is exact. */
const encodeField = (s: string) => s.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\$/g, '%24');
const decodeField = (s: string) => (s.includes('%') ? s.replace(/%2E/g, '.').replace(/%24/g, '$').replace(/%25/g, '%') : s);

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

/** The months a period's counts read, and whether it is judged as of now. */
export function periodSpan(period: Period, now: number, calendar: Calendar) {
  const start = Date.parse(period.start);
  const end = Date.parse(period.end);
  const first = monthSerial(start, calendar);
  const last = monthSerial(end, calendar) - 1;
  const running = now < end;
  return { first, last, running, empty: Math.min(now, end) <= start };
}

/** The document holding a period's receipts, resolutions and apologies. */
function flowDocId(agency: string, period: Period, first: number): string {
  if (period.kind === 'quarter') return quarterDocId(agency, period.key);
  if (period.kind === 'year') return yearDocId(agency, period.key);
  return monthDocId(agency, monthKeyOf(first));
}

/** The counter documents the counts of `periods` read for `agencies`. */
export function counterDocIds(agencies: readonly string[], periods: readonly Period[], now: number, calendar: Calendar): string[] {
  const ids = new Set<string>();
  for (const p of periods) {
    const span = periodSpan(p, now, calendar);
    if (span.empty) continue;
    for (const a of agencies) {
      ids.add(flowDocId(a, p, span.first));
      ids.add(monthDocId(a, monthKeyOf(span.first)));
      ids.add(tailDocId(a));
      ids.add(span.running ? nowDocId(a) : monthDocId(a, monthKeyOf(span.last)));
    }
  }
  return [...ids];
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

/**
 * Counts per agency × procedure in one period from the counters of `agencies` (raw codes):
 * the same rows `countByAgencyAndProcedure` gives over the subjects of those agencies.
 */
export function countsFromCounters(docs: ReadonlyMap<string, CounterDocument>, agencies: readonly string[], period: Period, opts: CounterReadOptions): CountRow[] {
  const span = periodSpan(period, opts.now, opts.calendar);
  if (span.empty) return [];
  const rows = new Map<string, CountRow>();
  for (const agency of agencies) {
    const agencyCode = agency ? opts.directory.effectiveCode(agency, period) : UNKNOWN_CODE;
    if (opts.agencyFilter && !opts.agencyFilter(agencyCode)) continue;
    const tallies = new Map<string, Tally>();
    const tally = (proc: string, kind: string) => {
      const key = `${proc}${SEP}${kind}`;
      let t = tallies.get(key);
      if (!t) tallies.set(key, (t = emptyTally()));
      return t;
    };
    const each = (doc: string, f: (t: Tally, leaf: Leaf) => void) => {
      const d = docs.get(doc);
      if (d) for (const [proc, kind, leaf] of leavesOf(d)) f(tally(proc, kind), leaf);
    };
    // Facts dated after now in the running period are none: workflow stores what happened.
    each(flowDocId(agency, period, span.first), (t, leaf) => {
      t.received += num(leaf['received']);
      t.resolvedEarly += num(leaf['resolvedEarly']);
      t.resolvedOnTime += num(leaf['resolvedOnTime']);
      t.resolvedLate += num(leaf['resolvedLate']);
      t.apologies += num(leaf['apologies']);
    });
    each(monthDocId(agency, monthKeyOf(span.first)), (t, leaf) => (t.carried += num(leaf['carried'])));
    if (!span.running) {
      each(monthDocId(agency, monthKeyOf(span.last)), (t, leaf) => {
        t.within += num(leaf['endWithin']);
        t.overdue += num(leaf['endOverdue']);
      });
    }
    each(tailDocId(agency), (t, leaf) => {
      for (const e of tailEntriesOf(leaf)) {
        if (e.since <= span.first) t.carried += e.carried;
        if (!span.running && e.since <= span.last) {
          t.within += e.within;
          t.overdue += e.overdue;
        }
      }
    });
    if (span.running) {
      each(nowDocId(agency), (t, leaf) => {
        for (const e of nowEntriesOf(leaf)) {
          if (e.overdue) {
            t.overdue += e.n;
            continue;
          }
          t.within += e.n;
          // At risk: due before the period ends (clock running), or warned by sla.
          if ((e.due !== null && e.due <= span.last) || e.warned) t.atRisk += e.n;
        }
      });
    }
    for (const [key, t] of tallies) {
      const cut = key.indexOf(SEP);
      const procedureCode = decodeField(key.slice(0, cut));
      const rowKey = `${agencyCode}${SEP}${procedureCode}`;
      let row = rows.get(rowKey);
      if (!row) rows.set(rowKey, (row = Object.assign({ agencyCode, procedureCode }, EMPTY)));
      addTally(row, t, key.slice(cut + 1) === 'p');
    }
  }
  const out: CountRow[] = [];
  for (const row of rows.values()) {
    if (row.toHandle + row.petitionsToHandle + row.apologies === 0) continue;
    out.push(Object.assign(row, ratesOf(row)));
  }
  return out;
}

const EMPTY = emptyCounts();

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
