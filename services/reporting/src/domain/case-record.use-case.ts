/**
 * The case record: what workflow derived for one dossier or petition, laid out for a reader
 * who got an alert and asks why. Most of it is read from the stored state (deadlines,
 * classification, apologies, steps, findings); what workflow keeps only as totals or not at all
 * (each pause, working time late, the re-appointments, the findings about missing apologies and
 * late steps) is derived here from the stored state and history. Working time always comes
 * from the calendar: wall-clock differences would count nights, weekends and Tết.
 */
import { latestStart, type Calendar } from '@tthc/calendar';
import type { CloudEvent, DeadlineEntryV1, Timeliness } from '@tthc/contracts';
import { handlingEnded } from '@tthc/metrics';
import { findingText } from './case-findings.catalog';
import { publicData, type HistoryEntryView } from './dossier-view';

/** One fact of the stored history (workflow's Fact, read loosely: older documents lack fields). */
export type StoredCaseFact = Pick<CloudEvent, 'id' | 'source' | 'type' | 'time' | 'data'> & { key?: string; occurredAt: string };

export interface StoredCaseFinding {
  code: string;
  detail: string;
  factKey: string | null;
  at: string | null;
}

/** The stored subject as the record needs it; instants as ISO strings. */
export interface StoredCase {
  code: string;
  subject: 'dossier' | 'petition';
  agencyCode: string | null;
  procedureCode: string | null;
  phase: string;
  statusCode: number | null;
  receivedAt: string | null;
  dueAt: string | null;
  closedAt: string | null;
  endAt: string | null;
  overdue: boolean;
  overdueAt: string | null;
  atRisk: boolean;
  paused: boolean;
  timeliness: Timeliness | null;
  deadlines: DeadlineEntryV1[];
  findings: StoredCaseFinding[];
  /** The whole derived state; only its dossier- or petition-specific members are read from it. */
  state: Readonly<Record<string, unknown>>;
  history: StoredCaseFact[];
}

/** Rules the law left open that change what the record shows; the same settings as workflow's. */
export interface CaseRules {
  financialObligationPausesClock: boolean;
  apologyLeadWorkingDays: number;
}

export interface CaseContext {
  calendar: Calendar;
  now: Date;
  rules: CaseRules;
}

export interface WorkingTime {
  workingMinutes: number;
  /** Working days of the calendar's day length, one decimal. */
  workingDays: number;
}

export interface DeadlineRecord {
  key: string;
  kind: string;
  label: string | null;
  dueAt: string;
  version: number;
  status: string;
  /** The agency answerable for this deadline (the step's agency, the petition's holder). */
  answerableAgencyCode: string | null;
  legalBasis: string;
  warn: boolean;
  escalate: boolean;
  /** When the deadline's work ended, when known. */
  endAt: string | null;
  /** Working time past `dueAt`: to `endAt`, or to now while it is still open; 0 when not late. */
  late: WorkingTime;
  /** Working minutes from the timeline's origin to `dueAt`. */
  workingMinute: number;
}

export type PauseKind = 'supplement' | 'financial-obligation';

export interface PauseRecord {
  kinds: PauseKind[];
  startedAt: string;
  /** null while the citizen is still awaited. */
  endedAt: string | null;
  /** Why it ended: what the citizen supplied, processing going on, or the dossier closing. */
  endedBy: string | null;
  workingMinutes: number;
  /** False when the dossier closed while waiting: the request time is its end, nothing is given back. */
  givenBack: boolean;
  fromWorkingMinute: number;
  toWorkingMinute: number;
}

export interface FindingRecord {
  code: string;
  vi: string;
  en: string;
  /** The derivation's own wording, with the instants it compared. */
  detail: string;
  at: string | null;
  factId: string | null;
  factType: string | null;
  /** `workflow`: stored with the state; `reporting`: derived for this record. */
  origin: 'workflow' | 'reporting';
}

export interface ReappointmentRecord {
  at: string;
  from: string | null;
  to: string;
  by: 'apology' | 'receipt';
  /** An apology in time, within the allowance; a re-issued receipt never is. */
  lawful: boolean;
  factId: string | null;
}

export interface CaseHistoryEntry extends HistoryEntryView {
  workingMinute: number;
}

export interface CaseRecord {
  code: string;
  subject: 'dossier' | 'petition';
  agencyCode: string | null;
  holderAgencyCode: string | null;
  procedureCode: string | null;
  status: string;
  statusCode: number | null;
  receivedAt: string | null;
  dueAt: string | null;
  appointmentAt: string | null;
  legalDueAt: string | null;
  overdue: boolean;
  overdueAt: string | null;
  atRisk: boolean;
  paused: boolean;
  closedAt: string | null;
  endAt: string | null;
  classification: Timeliness | null;
  /** Working time past the main due instant (to the end, or to now while open); null with no due instant. */
  late: WorkingTime | null;
  deadlines: DeadlineRecord[];
  pauses: PauseRecord[];
  pausedWorkingMinutes: number;
  supplementRequests: number;
  findings: FindingRecord[];
  apologies: Array<{ issuedAt: string; newAppointmentAt: string; valid: boolean; flag: string | null; channels: string[] }>;
  reappointments: ReappointmentRecord[];
  steps: Array<{ stepNo: number; agencyCode: string; name: string | null; assignedAt: string; allottedHours: number; dueAt: string; completedAt: string | null; timeliness: Timeliness | null; overdue: boolean }>;
  transfers: Array<{ at: string; fromAgencyCode: string; toAgencyCode: string; onTime: boolean }>;
  /** The dossier a petition complains about, as the petitioner named it; null for dossiers and unlinked petitions. */
  concernsDossierCode: string | null;
  /** Citizens' ratings of a dossier, oldest first (the latest one stands). */
  ratings: Array<{ ratedAt: string; level: string; channel: string | null }>;
  lateAgencies: string[];
  timeline: { origin: string | null; asOf: string; asOfWorkingMinute: number; calendarId: string; calendarVersion: string; dayLengthMinutes: number };
  history: CaseHistoryEntry[];
}

const ms = (iso: string) => Date.parse(iso);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strOrNull = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown, fallback = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The order workflow applies facts in: when they happened, when they were sent, their key. */
function byOccurrence(a: StoredCaseFact, b: StoredCaseFact): number {
  const ka = a.key ?? `${a.source}\n${a.id}`;
  const kb = b.key ?? `${b.source}\n${b.id}`;
  return ms(a.occurredAt) - ms(b.occurredAt) || ms(a.time) - ms(b.time) || (ka < kb ? -1 : ka > kb ? 1 : 0);
}

export function workingTime(calendar: Calendar, from: string | null, to: string | null): WorkingTime {
  if (from === null || to === null || ms(to) <= ms(from)) return { workingMinutes: 0, workingDays: 0 };
  const minutes = calendar.between(from, to).minutes;
  return { workingMinutes: minutes, workingDays: Math.round((minutes / calendar.dayLengthMinutes) * 10) / 10 };
}

/** Signed working minutes from `origin` to `at`, so facts before the origin sit left of it. */
export function workingOffset(calendar: Calendar, origin: string, at: string): number {
  return ms(at) >= ms(origin) ? calendar.between(origin, at).minutes : -calendar.between(at, origin).minutes;
}

const SUPPLEMENT_REQUESTED = 'vn.tthc.dossier.supplement-requested';
const FINANCIAL_REQUESTED = 'vn.tthc.dossier.financial-obligation-requested';
const WAIT_ENDS: Readonly<Record<string, PauseKind>> = {
  'vn.tthc.dossier.supplement-received': 'supplement',
  'vn.tthc.dossier.financial-obligation-fulfilled': 'financial-obligation',
};
// A portal record carries no previous status, so processing going on again is how it says the citizen supplied what was asked.
const PROCESSING = new Set(['vn.tthc.dossier.processing-started', 'vn.tthc.dossier.step-assigned', 'vn.tthc.dossier.step-completed']);
const CLOSING = new Set(['vn.tthc.dossier.refused', 'vn.tthc.dossier.withdrawn', 'vn.tthc.dossier.suspended', 'vn.tthc.dossier.resolved', 'vn.tthc.dossier.returned']);
const RECEIVED = 'vn.tthc.dossier.received';
const RESUMED = 'vn.tthc.dossier.resumed';
const APOLOGY = 'vn.tthc.dossier.apology-issued';

/**
 * The spans during which a dossier's clock stood still, by the reading workflow applies
 * (docs/legal-rules.md rule 7): a supplement request after reception starts a wait (a request
 * at the counter, before the receipt, does not); what was asked arriving, or processing going on,
 * ends it; overlapping waits make one pause. Facts workflow rejected are skipped.
 */
export function pausesOf(history: readonly StoredCaseFact[], rejectedKeys: ReadonlySet<string>, rules: CaseRules, calendar: Calendar, now: Date): Array<Omit<PauseRecord, 'fromWorkingMinute' | 'toWorkingMinute'>> {
  const pauses: Array<Omit<PauseRecord, 'fromWorkingMinute' | 'toWorkingMinute'>> = [];
  let received = false;
  let open = false;
  const waiting = new Set<PauseKind>();
  let startedAt: string | null = null;
  let kinds: PauseKind[] = [];
  const finish = (at: string, endedBy: string, givenBack: boolean) => {
    if (startedAt === null) return;
    pauses.push({ kinds, startedAt, endedAt: at, endedBy, workingMinutes: workingTime(calendar, startedAt, at).workingMinutes, givenBack });
    startedAt = null;
    kinds = [];
    waiting.clear();
  };
  const start = (kind: PauseKind, at: string) => {
    if (waiting.size === 0) startedAt = at;
    waiting.add(kind);
    if (!kinds.includes(kind)) kinds.push(kind);
  };
  for (const fact of [...history].sort(byOccurrence)) {
    if (fact.key !== undefined && rejectedKeys.has(fact.key)) continue;
    const at = fact.occurredAt;
    if (fact.type === RECEIVED && !received) {
      received = true;
      open = true;
    } else if (fact.type === RESUMED && received) {
      open = true;
    } else if (fact.type === SUPPLEMENT_REQUESTED && received && open) {
      start('supplement', at);
    } else if (fact.type === FINANCIAL_REQUESTED && received && open && rules.financialObligationPausesClock) {
      start('financial-obligation', at);
    } else if (Object.hasOwn(WAIT_ENDS, fact.type) && open) {
      waiting.delete(WAIT_ENDS[fact.type]!);
      if (waiting.size === 0) finish(at, fact.type, true);
    } else if (PROCESSING.has(fact.type) && open && waiting.size > 0) {
      finish(at, fact.type, true);
    }
    if (CLOSING.has(fact.type) && open) {
      open = false;
      finish(at, fact.type, false);
    }
  }
  if (startedAt !== null) {
    const until = now.toISOString();
    pauses.push({ kinds, startedAt, endedAt: null, endedBy: null, workingMinutes: workingTime(calendar, startedAt, until).workingMinutes, givenBack: true });
  }
  return pauses;
}

/**
 * Every move of a dossier's appointment: valid apologies (the lawful way, rule 10) and
 * re-issued receipts with another date (never lawful). Invalid apologies moved nothing and
 * are listed with the apologies only.
 */
export function reappointmentsOf(history: readonly StoredCaseFact[], validApologyKeys: ReadonlySet<string>, rejectedKeys: ReadonlySet<string>): ReappointmentRecord[] {
  const moves: ReappointmentRecord[] = [];
  let current: string | null = null;
  let received = false;
  for (const fact of [...history].sort(byOccurrence)) {
    if (fact.key !== undefined && rejectedKeys.has(fact.key)) continue;
    const data = isObj(fact.data) ? fact.data : {};
    if (fact.type === RECEIVED) {
      const appointment = strOrNull(data.appointmentAt);
      if (!received) {
        received = true;
        current = appointment;
      } else if (appointment !== null && (current === null || ms(appointment) !== ms(current))) {
        moves.push({ at: fact.occurredAt, from: current, to: appointment, by: 'receipt', lawful: false, factId: fact.id });
        current = appointment;
      }
    } else if (fact.type === APOLOGY && fact.key !== undefined && validApologyKeys.has(fact.key)) {
      const to = strOrNull(data.newAppointmentAt);
      if (to === null) continue;
      moves.push({ at: fact.occurredAt, from: current, to, by: 'apology', lawful: true, factId: fact.id });
      current = to;
    }
  }
  return moves;
}

type StepView = CaseRecord['steps'][number];

function stepsOf(state: Readonly<Record<string, unknown>>): StepView[] {
  return list(state.steps)
    .filter(isObj)
    .map((s) => ({
      stepNo: num(s.stepNo),
      agencyCode: strOrNull(s.agencyCode) ?? '',
      name: strOrNull(s.name),
      assignedAt: strOrNull(s.assignedAt) ?? '',
      allottedHours: num(s.allottedHours),
      dueAt: strOrNull(s.dueAt) ?? '',
      completedAt: strOrNull(s.completedAt),
      timeliness: (strOrNull(s.timeliness) as Timeliness | null) ?? null,
      overdue: s.overdue === true,
    }));
}

/** When each deadline's work ended, from what the state recorded for it. */
function endOfDeadline(c: StoredCase, key: string, steps: readonly StepView[]): string | null {
  const s = c.state;
  if (key === 'dossier') return c.endAt;
  if (key === 'forwarding') {
    const f = isObj(s.forwarding) ? s.forwarding : null;
    return strOrNull(f?.forwardedAt) ?? (f?.timeliness != null ? c.endAt : null);
  }
  if (key.startsWith('step:')) {
    const step = steps.find((st) => `step:${st.stepNo}` === key);
    return step ? (step.completedAt ?? c.endAt) : null;
  }
  if (key === 'petition:answer') return strOrNull(s.answeredAt) ?? (s.status === 'rejected' ? c.closedAt : null);
  if (key === 'petition:publish') return strOrNull(s.publishedAt);
  return null;
}

function lateOf(calendar: Calendar, dueAt: string, endAt: string | null, status: string, now: string): WorkingTime {
  if (endAt !== null) return workingTime(calendar, dueAt, endAt);
  // A paused deadline moves out by the stopped time when the wait ends, so it is not late meanwhile.
  return status === 'open' ? workingTime(calendar, dueAt, now) : { workingMinutes: 0, workingDays: 0 };
}

/**
 * Findings the stored state implies but workflow does not write: a late dossier with no lawful
 * apology (rule 10), each late step (rule 11) and a late hand-over (rule 4).
 */
export function derivedFindings(c: StoredCase, steps: readonly StepView[], apologies: CaseRecord['apologies'], late: WorkingTime | null, ctx: CaseContext): StoredCaseFindingWithData[] {
  const out: StoredCaseFindingWithData[] = [];
  if (c.subject !== 'dossier') return out;
  const isLate = c.overdue || (late !== null && late.workingMinutes > 0);
  if (isLate && c.dueAt !== null && !apologies.some((a) => a.valid)) {
    const apologyDueAt = apologyDeadline(ctx, c.dueAt);
    out.push({
      code: 'late-without-apology',
      detail: `late by ${late?.workingMinutes ?? 0} working minutes past ${c.dueAt} with no valid apology; one was due by ${apologyDueAt}`,
      factKey: null,
      at: c.dueAt,
      data: { apologyDueAt },
    });
  }
  for (const step of steps) {
    if (step.timeliness !== 'late' && !step.overdue) continue;
    const end = step.completedAt ?? c.endAt ?? ctx.now.toISOString();
    const overrun = workingTime(ctx.calendar, step.dueAt, end);
    out.push({
      code: 'step-late',
      detail: `step ${step.stepNo} of ${step.agencyCode} due ${step.dueAt}, ${step.completedAt ? `completed ${step.completedAt}` : 'not completed'}: ${overrun.workingMinutes} working minutes late`,
      factKey: null,
      at: step.dueAt,
      data: { stepNo: step.stepNo, stepName: step.name ?? '', agencyCode: step.agencyCode, workingDaysLate: overrun.workingDays },
    });
  }
  const f = isObj(c.state.forwarding) ? c.state.forwarding : null;
  if (f?.timeliness === 'late') {
    out.push({ code: 'forwarding-late', detail: `handed over at ${strOrNull(f.forwardedAt) ?? '(unknown)'}, due ${strOrNull(f.dueAt) ?? '(unknown)'}`, factKey: null, at: strOrNull(f.dueAt), data: { dueAt: strOrNull(f.dueAt) } });
  }
  return out;
}

export interface StoredCaseFindingWithData extends StoredCaseFinding {
  data: Record<string, unknown>;
}

/** The last instant an apology could still be sent: `apologyLeadWorkingDays` working days before the due instant. */
export function apologyDeadline(ctx: Pick<CaseContext, 'calendar' | 'rules'>, dueAt: string): string {
  return ctx.calendar.formatInstant(latestStart(ctx.calendar, { due: dueAt, amount: ctx.rules.apologyLeadWorkingDays, unit: 'working-day' }));
}

type ApologyView = CaseRecord['apologies'][number] & { factKey: string | null };

function apologiesOf(state: Readonly<Record<string, unknown>>): ApologyView[] {
  return list(state.apologies)
    .filter(isObj)
    .map((a) => ({
      issuedAt: strOrNull(a.issuedAt) ?? '',
      newAppointmentAt: strOrNull(a.newAppointmentAt) ?? '',
      valid: a.valid === true,
      flag: strOrNull(a.flag),
      channels: list(a.channels).filter((x): x is string => typeof x === 'string'),
      factKey: strOrNull(a.factKey),
    }));
}

/** Places an instant on the record's time line: working minutes from its origin. */
type Offset = (at: string | null) => number;

function deadlineRecordsOf(c: StoredCase, steps: readonly StepView[], calendar: Calendar, now: string, offset: Offset): DeadlineRecord[] {
  return c.deadlines.map((d) => {
    const endAt = endOfDeadline(c, d.key, steps);
    return {
      key: d.key,
      kind: d.kind,
      label: d.label,
      dueAt: d.dueAt,
      version: d.version,
      status: d.status,
      answerableAgencyCode: d.agencyCode,
      legalBasis: d.legalBasis,
      warn: d.warn,
      escalate: d.escalate,
      endAt,
      late: lateOf(calendar, d.dueAt, endAt, d.status, now),
      workingMinute: offset(d.dueAt),
    };
  });
}

/** The stored findings, then those derived here, each in both languages with the fact behind it. */
function findingRecordsOf(c: StoredCase, history: readonly StoredCaseFact[], derived: readonly StoredCaseFindingWithData[]): FindingRecord[] {
  const factByKey = new Map(history.filter((f) => f.key !== undefined).map((f) => [f.key!, f]));
  const stored: StoredCaseFindingWithData[] = c.findings.map((f) => {
    const fact = f.factKey === null ? undefined : factByKey.get(f.factKey);
    return { ...f, data: fact ? publicData(fact.type, fact.data) : {} };
  });
  return [...stored.map((f) => ({ f, origin: 'workflow' as const })), ...derived.map((f) => ({ f, origin: 'reporting' as const }))].map(({ f, origin }) => {
    const fact = f.factKey === null ? undefined : factByKey.get(f.factKey);
    const text = findingText(f.code, { at: f.at, data: f.data });
    return { code: f.code, vi: text.vi, en: text.en, detail: f.detail, at: f.at, factId: fact?.id ?? null, factType: fact?.type ?? null, origin };
  });
}

function transfersOf(state: Readonly<Record<string, unknown>>): CaseRecord['transfers'] {
  return list(state.transfers)
    .filter(isObj)
    .map((t) => ({ at: strOrNull(t.at) ?? '', fromAgencyCode: strOrNull(t.fromAgencyCode) ?? '', toAgencyCode: strOrNull(t.toAgencyCode) ?? '', onTime: t.onTime === true }));
}

function ratingsOf(state: Readonly<Record<string, unknown>>): CaseRecord['ratings'] {
  return list(state.ratings)
    .filter(isObj)
    .map((r) => ({ ratedAt: strOrNull(r.ratedAt) ?? '', level: strOrNull(r.level) ?? '', channel: strOrNull(r.channel) }));
}

/** Builds the case record of one stored subject. */
export function buildCaseRecord(subject: StoredCase, ctx: CaseContext): CaseRecord {
  const { calendar } = ctx;
  // Workflow's state holds instants in the agency's zone, the flat fields hold Dates: one zone for every instant of the record.
  const local = (iso: string | null) => (iso === null ? null : calendar.formatInstant(iso));
  const c: StoredCase = { ...subject, receivedAt: local(subject.receivedAt), dueAt: local(subject.dueAt), closedAt: local(subject.closedAt), endAt: local(subject.endAt), overdueAt: local(subject.overdueAt) };
  const now = calendar.formatInstant(ctx.now);
  const s = c.state;
  const rejected = new Set(list(s.rejected).filter(isObj).map((r) => strOrNull(r.factKey)).filter((k): k is string => k !== null));
  const history = [...c.history].sort(byOccurrence);
  const origin = c.receivedAt ?? history[0]?.occurredAt ?? null;
  const offset: Offset = (at) => (origin === null || at === null ? 0 : workingOffset(calendar, origin, at));
  const steps = stepsOf(s);
  const apologies = apologiesOf(s);
  const validApologyKeys = new Set(apologies.filter((a) => a.valid && a.factKey !== null).map((a) => a.factKey!));
  const late = c.dueAt === null ? null : lateOf(calendar, c.dueAt, handlingEnded(c.phase, c.subject) ? c.endAt : null, c.phase !== 'open' ? 'closed' : c.paused ? 'paused' : 'open', now);
  const pauses = c.subject === 'dossier' ? pausesOf(history, rejected, ctx.rules, calendar, ctx.now).map((p) => ({ ...p, fromWorkingMinute: offset(p.startedAt), toWorkingMinute: offset(p.endedAt ?? now) })) : [];

  return {
    code: c.code,
    subject: c.subject,
    agencyCode: c.agencyCode,
    holderAgencyCode: strOrNull(s.holderAgencyCode) ?? c.agencyCode,
    procedureCode: c.procedureCode,
    status: c.phase,
    statusCode: c.statusCode,
    receivedAt: c.receivedAt,
    dueAt: c.dueAt,
    appointmentAt: strOrNull(s.appointmentAt),
    legalDueAt: strOrNull(s.legalDueAt),
    overdue: c.overdue,
    overdueAt: c.overdueAt,
    atRisk: c.atRisk,
    paused: c.paused,
    closedAt: c.closedAt,
    endAt: c.endAt,
    classification: c.timeliness,
    late,
    deadlines: deadlineRecordsOf(c, steps, calendar, now, offset),
    pauses,
    pausedWorkingMinutes: num(s.pausedWorkingMinutes),
    supplementRequests: num(s.supplementRequests),
    findings: findingRecordsOf(c, history, derivedFindings(c, steps, apologies, late, ctx)),
    apologies: apologies.map(({ factKey: _key, ...a }) => a),
    reappointments: c.subject === 'dossier' ? reappointmentsOf(history, validApologyKeys, rejected) : [],
    steps,
    transfers: transfersOf(s),
    concernsDossierCode: strOrNull(s.concernsDossierCode),
    ratings: ratingsOf(s),
    lateAgencies: list(s.lateAgencies).filter((x): x is string => typeof x === 'string'),
    timeline: { origin, asOf: now, asOfWorkingMinute: offset(now), calendarId: calendar.id, calendarVersion: calendar.version, dayLengthMinutes: calendar.dayLengthMinutes },
    history: history.map((f) => ({
      id: f.id,
      source: f.source,
      type: f.type,
      time: f.time,
      occurredAt: f.occurredAt,
      data: publicData(f.type, f.data),
      workingMinute: offset(f.occurredAt),
    })),
  };
}
