/**
 * The dossier lifecycle as a deterministic function of its history (docs/legal-rules.md §1, rules 6–11).
 * The history is sorted with `compareFacts` and de-duplicated by key first, so any delivery
 * order, redelivery or late-arriving older fact gives the same state.
 */
import type { Calendar } from '@tthc/calendar';
import { auditAppointment, computeLegalDue, type CatalogEntry } from '@tthc/catalog';
import {
  ALERT_TYPES,
  DOSSIER_RECEIVED_V1,
  DOSSIER_RESOLVED_V1,
  PORTAL_STATUS,
  STATUS_OF_EVENT,
  isPetitionEventType,
  type DeadlineEntryV1,
  type Timeliness,
} from '@tthc/contracts';

import { classify, endInstant, settledStatus, type Closing, type ClosingKind } from './dossier/classification';
import { compareFacts, type AlertFact, type DeriveContext, type Fact, type Finding, type SubjectStateBase } from './subject';

export { compareFacts, type Fact } from './subject';

export interface DossierApology {
  factKey: string;
  issuedAt: string;
  newAppointmentAt: string;
  valid: boolean;
  /** Why it did not move the due instant: 'second-apology', 'late-apology', 'no-due-date', 'after-close'. */
  flag: string | null;
  channels: string[];
}

export interface DossierStep {
  stepNo: number;
  agencyCode: string;
  name: string | null;
  assignedAt: string;
  allottedHours: number;
  dueAt: string;
  completedAt: string | null;
  timeliness: Timeliness | null;
  overdue: boolean;
}

export interface DossierState extends SubjectStateBase {
  subject: 'dossier';
  channel: string | null;
  /** Latest valid appointment from the portal (receipt or valid apology). */
  appointmentAt: string | null;
  /** Legal maximum from the catalog (the ReceptionLookup of the received fact), null if unknown. */
  legalDueAt: string | null;
  catalogVersion: string | null;
  calendarVersion: string | null;
  supplementRequests: number;
  pausedWorkingMinutes: number;
  apologies: DossierApology[];
  steps: DossierStep[];
  /** Agencies a lateness is attributed to (steps late, or the dossier's agency when the dossier is late with no late step). */
  lateAgencies: string[];
  /** Hand-over to the competent agency (docs/legal-rules.md rule 4); null when not tracked or not received. */
  forwarding: { dueAt: string; forwardedAt: string | null; timeliness: 'early' | 'on-time' | 'late' | null } | null;
}

const DOSSIER_KEY = 'dossier';
const DOSSIER_LEGAL_BASIS = 'NĐ 118/2025/NĐ-CP; Giấy tiếp nhận hồ sơ và hẹn trả kết quả';
const STEP_LEGAL_BASIS = 'Phiếu kiểm soát quá trình giải quyết hồ sơ (TT 03/2025/TT-VPCP)';
const FORWARDING_KEY = 'forwarding';
const FORWARDING_LEGAL_BASIS = 'NĐ 118/2025/NĐ-CP: chuyển hồ sơ đến cơ quan có thẩm quyền không quá 01 ngày làm việc kể từ khi tiếp nhận';

/**
 * Closing states (docs/legal-rules.md rule 8). Final ones admit no later fact; suspension can be undone
 * by `resumed`, and a resolved dossier is still handed back (returned) afterwards.
 */
const CLOSING_KIND: Readonly<Record<string, ClosingKind>> = {
  'vn.tthc.dossier.refused': 'other',
  'vn.tthc.dossier.withdrawn': 'other',
  'vn.tthc.dossier.suspended': 'other',
  [DOSSIER_RESOLVED_V1]: 'resolved',
  'vn.tthc.dossier.returned': 'returned',
};
const FINAL_CLOSE = new Set(['vn.tthc.dossier.refused', 'vn.tthc.dossier.withdrawn', 'vn.tthc.dossier.returned']);
const ALERT_TYPE_SET = new Set<string>(Object.values(ALERT_TYPES));
const OVERDUE_TYPES = new Set<string>([ALERT_TYPES.overdue, ALERT_TYPES.escalated]);

type PauseKind = 'supplement' | 'financial';

interface StepRecord extends DossierStep {
  version: number;
  fromCatalog: boolean;
}

const ms = (iso: string) => Date.parse(iso);
const sameInstant = (a: string | null, b: string | null) => (a === null || b === null ? a === b : ms(a) === ms(b));
const isAlert = (fact: Fact): fact is AlertFact => ALERT_TYPE_SET.has(fact.type);

/** Sorted, one fact per key; a key seen twice with different content keeps its first version in this order. */
function canonicalHistory(history: readonly Fact[]): Fact[] {
  const byContent = (a: Fact, b: Fact) => {
    const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const sorted = [...history].sort((a, b) => compareFacts(a, b) || byContent(a, b));
  const seen = new Set<string>();
  return sorted.filter((f) => !seen.has(f.key) && Boolean(seen.add(f.key)));
}

/**
 * Facts rejected as impossible — no later fact could make them fit, so they never affect the state:
 * - a petition fact (a petition event or a petition alert) in a dossier history;
 * - a fact that names another dossier;
 * - any non-alert fact that happened after a final close (refused, withdrawn, returned).
 * Anything a future fact could still explain (a step completed before its assignment arrived, a
 * supplement received before its request arrived) is applied or noted as a finding, never rejected.
 */
export function deriveDossierState(code: string, history: readonly Fact[], ctx: DeriveContext): DossierState {
  const { rules } = ctx;
  const s: DossierState = {
    code,
    subject: 'dossier',
    agencyCode: null,
    procedureCode: null,
    phase: 'awaiting-reception',
    statusCode: null,
    receivedAt: null,
    dueAt: null,
    deadlineVersion: 0,
    closedAt: null,
    endAt: null,
    timeliness: null,
    paused: false,
    deadlines: [],
    overdue: false,
    overdueAt: null,
    atRisk: false,
    findings: [],
    rejected: [],
    channel: null,
    appointmentAt: null,
    legalDueAt: null,
    catalogVersion: null,
    calendarVersion: null,
    supplementRequests: 0,
    pausedWorkingMinutes: 0,
    apologies: [],
    steps: [],
    lateAgencies: [],
    forwarding: null,
  };
  let received = false;
  // The first processing fact after reception is the competent agency taking the dossier over.
  let forwardedAt: string | null = null;
  let catalog: CatalogEntry | null = null;
  let finalClose: Fact | null = null;
  let closings: Closing[] = [];
  const pauses = new Set<PauseKind>();
  let pauseStartedAt: string | null = null;
  let validApologies = 0;
  const steps = new Map<number, StepRecord>();
  const alerts: AlertFact[] = [];

  const calendar = (): Calendar => ctx.calendarFor(s.agencyCode);
  const finding = (codeOf: string, detail: string, fact: Fact | null) =>
    s.findings.push({ code: codeOf, detail, factKey: fact?.key ?? null, at: fact?.occurredAt ?? null } satisfies Finding);
  const setDue = (next: string | null) => {
    if (next === null || sameInstant(s.dueAt, next)) return;
    s.dueAt = next;
    s.deadlineVersion += 1;
  };
  const clockRuns = () => received && s.phase === 'open';
  const startPause = (kind: PauseKind, at: string) => {
    if (pauses.size === 0) pauseStartedAt = at;
    pauses.add(kind);
  };
  const endPause = (kind: PauseKind, at: string) => {
    // A dossier closed while waiting keeps the request time as its end; nothing is given back after.
    if (s.phase !== 'open' || !pauses.delete(kind) || pauses.size > 0 || pauseStartedAt === null) return;
    const cal = calendar();
    const minutes = cal.between(pauseStartedAt, at).minutes;
    pauseStartedAt = null;
    s.pausedWorkingMinutes += minutes;
    // The stopped working time is given back on top of the due instant (766: end − start − supplement time).
    if (s.dueAt !== null && minutes > 0) setDue(cal.formatInstant(cal.due({ from: s.dueAt, amount: minutes / 60, unit: 'working-hour' }).due));
  };
  const close = (fact: Fact, kind: ClosingKind) => {
    if (s.phase !== 'closed') {
      s.phase = 'closed';
      s.closedAt = fact.occurredAt;
      closings = [];
    }
    // While the citizen is awaited, the portal takes the request time as the end (docs/legal-rules.md rule 7).
    closings.push({ kind, endAt: pauseStartedAt ?? fact.occurredAt });
  };

  /**
   * A portal record carries no previous status, so the portal sync maps a dossier that returns
   * from 5 (or 6) to 4 to `processing-started` (or a step event), never to
   * `supplement-received` / `financial-obligation-fulfilled`. Processing going on again means
   * the citizen supplied what was asked, so such a fact ends the wait; an explicit end event
   * that follows finds no wait left and changes nothing.
   */
  const processingResumes = (fact: Fact) => {
    if (received) forwardedAt ??= fact.occurredAt;
    if (s.phase !== 'open' || pauses.size === 0) return;
    finding('wait-ended-by-processing', `${fact.type} while the dossier waited for the citizen: the wait ends at ${fact.occurredAt}`, fact);
    endPause('supplement', fact.occurredAt);
    endPause('financial', fact.occurredAt);
  };

  for (const fact of canonicalHistory(history)) {
    const data = fact.data as { dossierCode?: string; subject?: string };
    if (isPetitionEventType(fact.type) || data.subject === 'petition') {
      s.rejected.push({ factKey: fact.key, reason: `${fact.type} is a petition fact, not a dossier fact` });
      continue;
    }
    if (data.dossierCode !== code) {
      s.rejected.push({ factKey: fact.key, reason: `${fact.type} names dossier ${String(data.dossierCode)}, not ${code}` });
      continue;
    }
    if (isAlert(fact)) {
      alerts.push(fact);
      continue;
    }
    if (finalClose !== null) {
      s.rejected.push({ factKey: fact.key, reason: `${fact.type} at ${fact.occurredAt} after the final ${finalClose.type} at ${finalClose.occurredAt}` });
      continue;
    }
    const status = STATUS_OF_EVENT[fact.type] ?? null;
    const closingKind = CLOSING_KIND[fact.type];
    // A closed dossier keeps its closing code; only another closing state or a resumption changes it.
    // Before reception nothing is being processed, so processing codes (4) wait for the receipt.
    const applies = s.phase === 'closed' ? closingKind !== undefined : received || status !== PORTAL_STATUS.processing;
    if (status !== null && applies) s.statusCode = status;

    switch (fact.type) {
      case DOSSIER_RECEIVED_V1: {
        const d = fact.data;
        s.channel = d.channel ?? s.channel;
        if (received) {
          // A re-issued receipt: its appointment replaces the printed one. Only an apology may
          // legally move an appointment (rule 10), so the move is shown to reviewers.
          if (d.appointmentAt !== undefined && !sameInstant(s.appointmentAt, d.appointmentAt)) {
            finding('appointment-changed-without-apology', `a re-issued receipt moved the appointment from ${s.appointmentAt ?? '(none)'} to ${d.appointmentAt}`, fact);
            s.appointmentAt = d.appointmentAt;
            setDue(d.appointmentAt);
          }
          break;
        }
        received = true;
        s.agencyCode = d.agencyCode;
        s.procedureCode = d.procedureCode;
        s.receivedAt = d.receivedAt;
        if (s.phase === 'awaiting-reception') s.phase = 'open';
        const cal = calendar();
        s.calendarVersion = cal.version;
        let legalDueAt: string | null = null;
        if (fact.lookup !== undefined) {
          catalog = fact.lookup.procedure;
          if (catalog === null) {
            finding('procedure-unknown', `procedure ${d.procedureCode} is not in the catalog; no legal maximum to check the appointment against`, fact);
          } else {
            const legal = computeLegalDue(catalog, d.receivedAt, cal);
            legalDueAt = legal.dueAt;
            s.legalDueAt = legal.dueAt;
            s.catalogVersion = catalog.catalogVersion;
            if (d.appointmentAt !== undefined) {
              for (const a of auditAppointment({ appointmentAt: d.appointmentAt, legalDue: legal, calendar: cal })) finding(a.code, a.message, fact);
            }
          }
        }
        s.appointmentAt = d.appointmentAt ?? null;
        const due = d.appointmentAt ?? legalDueAt;
        if (due === null) finding('no-due-date', 'the receipt has no appointment and the catalog gives no processing time: no deadline runs', fact);
        setDue(due);
        break;
      }
      case 'vn.tthc.dossier.supplement-requested':
        // Before reception it is the Phiếu yêu cầu bổ sung at the counter: no clock (docs/legal-rules.md rule 6).
        if (!clockRuns()) break;
        s.supplementRequests += 1;
        if (s.supplementRequests === rules.supplementRequestsBeforeLate + 1) {
          finding('second-supplement-request', `supplement request ${s.supplementRequests} (more than ${rules.supplementRequestsBeforeLate}): the dossier counts late whatever its end time`, fact);
        }
        startPause('supplement', fact.occurredAt);
        break;
      case 'vn.tthc.dossier.supplement-received':
        endPause('supplement', fact.occurredAt);
        break;
      case 'vn.tthc.dossier.financial-obligation-requested':
        if (rules.financialObligationPausesClock && clockRuns()) startPause('financial', fact.occurredAt);
        break;
      case 'vn.tthc.dossier.financial-obligation-fulfilled':
        endPause('financial', fact.occurredAt);
        break;
      case 'vn.tthc.dossier.resumed':
        if (s.phase === 'closed' && s.statusCode === PORTAL_STATUS.suspended) {
          s.phase = 'open';
          s.statusCode = PORTAL_STATUS.processing;
          s.closedAt = null;
          closings = [];
        }
        break;
      case 'vn.tthc.dossier.apology-issued': {
        const d = fact.data;
        const cal = calendar();
        let flag: string | null = null;
        if (!received || s.dueAt === null) flag = 'no-due-date';
        else if (s.phase === 'closed') flag = 'after-close';
        // A late apology did not re-appoint, so only valid ones use up the allowance.
        else if (validApologies >= rules.maxReappointments) flag = 'second-apology';
        else if (cal.due({ from: fact.occurredAt, amount: rules.apologyLeadWorkingDays, unit: 'working-day' }).due.getTime() > ms(s.dueAt)) flag = 'late-apology';
        s.apologies.push({ factKey: fact.key, issuedAt: fact.occurredAt, newAppointmentAt: d.newAppointmentAt, valid: flag === null, flag, channels: [...(d.channels ?? [])] });
        if (flag === null) {
          validApologies += 1;
          s.appointmentAt = d.newAppointmentAt;
          setDue(d.newAppointmentAt);
        } else {
          finding(flag, `apology with new appointment ${d.newAppointmentAt} does not move the due instant ${s.dueAt ?? '(none)'}`, fact);
        }
        break;
      }
      case 'vn.tthc.dossier.processing-started':
        processingResumes(fact);
        break;
      case 'vn.tthc.dossier.step-assigned': {
        processingResumes(fact);
        const d = fact.data;
        const fromCatalog = catalog?.procedure.steps?.find((st) => st.order === d.stepNo);
        const hours = d.allottedHours ?? fromCatalog?.allottedWorkingHours;
        if (hours === undefined) {
          finding('step-allotment-unknown', `step ${d.stepNo} has no allotted hours in the event or the catalog: no step deadline`, fact);
          break;
        }
        const cal = ctx.calendarFor(d.stepAgencyCode);
        const dueAt = cal.formatInstant(cal.due({ from: fact.occurredAt, amount: hours, unit: 'working-hour' }).due);
        const previous = steps.get(d.stepNo);
        const version = previous === undefined ? 1 : sameInstant(previous.dueAt, dueAt) ? previous.version : previous.version + 1;
        steps.set(d.stepNo, {
          stepNo: d.stepNo,
          agencyCode: d.stepAgencyCode,
          name: d.stepName ?? fromCatalog?.name ?? null,
          assignedAt: fact.occurredAt,
          allottedHours: hours,
          dueAt,
          completedAt: null,
          timeliness: null,
          overdue: false,
          version,
          fromCatalog: d.allottedHours === undefined,
        });
        break;
      }
      case 'vn.tthc.dossier.step-completed': {
        processingResumes(fact);
        const step = steps.get(fact.data.stepNo);
        if (step === undefined) finding('step-completed-before-assignment', `step ${fact.data.stepNo} completed with no assignment before it`, fact);
        else step.completedAt ??= fact.occurredAt;
        break;
      }
      default:
        break;
    }
    if (closingKind !== undefined) close(fact, closingKind);
    if (FINAL_CLOSE.has(fact.type)) finalClose = fact;
  }

  s.paused = s.phase === 'open' && pauses.size > 0;
  s.endAt = s.phase === 'closed' ? endInstant(closings) : null;
  if (s.endAt !== null && s.dueAt !== null && received) {
    s.timeliness = s.supplementRequests > rules.supplementRequestsBeforeLate ? 'late' : classify(s.endAt, s.dueAt);
  }

  const alertFor = (key: string, version: number, types: ReadonlySet<string>) =>
    alerts.find((a) => (a.data.deadlineKey ?? DOSSIER_KEY) === key && a.data.deadlineVersion === version && types.has(a.type));
  // An alert raised in the race with an on-time closing does not make the dossier overdue.
  const closedInTime = s.timeliness !== null && s.timeliness !== 'late';
  const overdueAlert = s.dueAt === null || closedInTime ? undefined : alertFor(DOSSIER_KEY, s.deadlineVersion, OVERDUE_TYPES);
  s.overdue = overdueAlert !== undefined;
  s.overdueAt = overdueAlert?.data.raisedAt ?? null;
  s.atRisk = s.phase === 'open' && !s.overdue && alertFor(DOSSIER_KEY, s.deadlineVersion, new Set([ALERT_TYPES.warning])) !== undefined;

  const deadlines: DeadlineEntryV1[] = [];
  if (s.dueAt !== null) {
    deadlines.push({
      key: DOSSIER_KEY,
      kind: 'dossier',
      dueAt: s.dueAt,
      version: s.deadlineVersion,
      status: s.timeliness !== null ? settledStatus(s.timeliness) : s.paused ? 'paused' : s.phase === 'open' ? 'open' : 'met',
      agencyCode: s.agencyCode,
      label: 'Ngày hẹn trả kết quả',
      legalBasis: catalog === null ? DOSSIER_LEGAL_BASIS : `${DOSSIER_LEGAL_BASIS}; ${catalog.procedure.legalBasis.join('; ')}`,
      warn: true,
      escalate: true,
    });
  }
  const late = new Set<string>();
  if (received && s.receivedAt !== null && rules.forwardingWorkingDays > 0) {
    const cal = calendar();
    const dueAt = cal.formatInstant(cal.due({ from: s.receivedAt, amount: rules.forwardingWorkingDays, unit: 'working-day' }).due);
    // Closed with no hand-over fact: closed in time, it was handed over (or settled at the
    // counter) in time; closed later, when it was handed over is unknown, so nobody is blamed.
    const closedInTime = s.endAt !== null && ms(s.endAt) <= ms(dueAt);
    const timeliness = forwardedAt !== null ? classify(forwardedAt, dueAt) : closedInTime ? classify(s.endAt!, dueAt) : null;
    s.forwarding = { dueAt, forwardedAt, timeliness };
    const open = timeliness === null && s.phase === 'open';
    if (timeliness === 'late' || (open && alertFor(FORWARDING_KEY, 1, OVERDUE_TYPES) !== undefined)) late.add(s.agencyCode!);
    deadlines.push({
      key: FORWARDING_KEY,
      kind: 'forwarding',
      dueAt,
      version: 1,
      status: timeliness !== null ? settledStatus(timeliness) : open ? 'open' : 'met',
      agencyCode: s.agencyCode,
      label: 'Chuyển hồ sơ đến cơ quan có thẩm quyền',
      legalBasis: FORWARDING_LEGAL_BASIS,
      warn: false,
      escalate: false,
    });
  }
  for (const step of [...steps.values()].sort((a, b) => a.stepNo - b.stepNo)) {
    // A step nobody marked complete ends with the dossier: its work was done by then at the latest.
    const end = step.completedAt ?? s.endAt;
    step.timeliness = end === null ? null : classify(end, step.dueAt);
    step.overdue = end === null && alertFor(`step:${step.stepNo}`, step.version, OVERDUE_TYPES) !== undefined;
    if (step.timeliness === 'late' || step.overdue) late.add(step.agencyCode);
    const { version, fromCatalog, ...pub } = step;
    s.steps.push(pub);
    deadlines.push({
      key: `step:${step.stepNo}`,
      kind: 'step',
      dueAt: step.dueAt,
      version,
      status: step.timeliness === null ? 'open' : settledStatus(step.timeliness),
      agencyCode: step.agencyCode,
      label: step.name,
      legalBasis: fromCatalog && catalog !== null ? catalog.procedure.legalBasis.join('; ') : STEP_LEGAL_BASIS,
      warn: false,
      escalate: true,
    });
  }
  if (late.size === 0 && (s.timeliness === 'late' || s.overdue) && s.agencyCode !== null) late.add(s.agencyCode);
  s.lateAgencies = [...late].sort();
  s.deadlines = deadlines;
  return s;
}
