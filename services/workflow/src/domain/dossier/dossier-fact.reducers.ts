/**
 * One reducer per dossier fact type (docs/legal-rules.md rules 6–11). `applyDossierFact` does what
 * every fact goes through — the portal status code before, the closing after — around the
 * reducer of its type. The table names every dossier event type, so a new type does not compile
 * until someone decides what it does to the state.
 */
import type { Calendar } from '@tthc/calendar';
import { auditAppointment, computeLegalDue } from '@tthc/catalog';
import { DOSSIER_RECEIVED_V1, DOSSIER_RESOLVED_V1, PORTAL_STATUS, STATUS_OF_EVENT, type InboundEventType } from '@tthc/contracts';

import type { ClosingKind } from '../classification';
import type { Fact } from '../subject';
import { addFinding, calendarOf, ms, sameInstant, type DossierDerivation, type PauseKind } from './dossier-derivation';

type DossierEventType = Exclude<InboundEventType, `vn.tthc.petition.${string}`>;
type FactOf<T extends DossierEventType> = Extract<Fact, { type: T }>;
export type DossierFact = FactOf<DossierEventType>;
type Reducer<T extends DossierEventType> = (d: DossierDerivation, fact: FactOf<T>) => void;

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

function setDue(d: DossierDerivation, next: string | null): void {
  if (next === null || sameInstant(d.s.dueAt, next)) return;
  d.s.dueAt = next;
  d.s.deadlineVersion += 1;
}

const clockRuns = (d: DossierDerivation) => d.received && d.s.phase === 'open';

function startPause(d: DossierDerivation, kind: PauseKind, at: string): void {
  if (d.pauses.size === 0) d.pauseStartedAt = at;
  d.pauses.add(kind);
}

function endPause(d: DossierDerivation, kind: PauseKind, at: string): void {
  const { s } = d;
  // A dossier closed while waiting keeps the request time as its end; nothing is given back after.
  if (s.phase !== 'open' || !d.pauses.delete(kind) || d.pauses.size > 0 || d.pauseStartedAt === null) return;
  const cal = calendarOf(d);
  const minutes = cal.between(d.pauseStartedAt, at).minutes;
  d.pauseStartedAt = null;
  s.pausedWorkingMinutes += minutes;
  // The stopped working time is given back on top of the due instant (766: end − start − supplement time).
  if (s.dueAt !== null && minutes > 0) setDue(d, cal.formatInstant(cal.due({ from: s.dueAt, amount: minutes / 60, unit: 'working-hour' }).due));
}

function close(d: DossierDerivation, fact: Fact, kind: ClosingKind): void {
  if (d.s.phase !== 'closed') {
    d.s.phase = 'closed';
    d.s.closedAt = fact.occurredAt;
    d.closings = [];
  }
  // While the citizen is awaited, the portal takes the request time as the end (docs/legal-rules.md rule 7).
  d.closings.push({ kind, endAt: d.pauseStartedAt ?? fact.occurredAt });
}

/**
 * A portal record carries no previous status, so the portal sync maps a dossier that returns
 * from 5 (or 6) to 4 to `processing-started` (or a step event), never to
 * `supplement-received` / `financial-obligation-fulfilled`. Processing going on again means
 * the citizen supplied what was asked, so such a fact ends the wait; an explicit end event
 * that follows finds no wait left and changes nothing.
 */
function processingResumes(d: DossierDerivation, fact: Fact): void {
  if (d.received) d.forwardedAt ??= fact.occurredAt;
  if (d.s.phase !== 'open' || d.pauses.size === 0) return;
  addFinding(d, 'wait-ended-by-processing', `${fact.type} while the dossier waited for the citizen: the wait ends at ${fact.occurredAt}`, fact);
  endPause(d, 'supplement', fact.occurredAt);
  endPause(d, 'financial', fact.occurredAt);
}

const receive: Reducer<typeof DOSSIER_RECEIVED_V1> = (d, fact) => {
  d.s.channel = fact.data.channel ?? d.s.channel;
  if (d.received) reissueReceipt(d, fact);
  else firstReceipt(d, fact);
};

/**
 * A re-issued receipt: its appointment replaces the printed one. Only an apology may
 * legally move an appointment (rule 10), so the move is shown to reviewers.
 */
function reissueReceipt(d: DossierDerivation, fact: FactOf<typeof DOSSIER_RECEIVED_V1>): void {
  const next = fact.data.appointmentAt;
  if (next === undefined || sameInstant(d.s.appointmentAt, next)) return;
  addFinding(d, 'appointment-changed-without-apology', `a re-issued receipt moved the appointment from ${d.s.appointmentAt ?? '(none)'} to ${next}`, fact);
  d.s.appointmentAt = next;
  setDue(d, next);
}

function firstReceipt(d: DossierDerivation, fact: FactOf<typeof DOSSIER_RECEIVED_V1>): void {
  const { s } = d;
  const data = fact.data;
  d.received = true;
  s.agencyCode = data.agencyCode;
  s.procedureCode = data.procedureCode;
  s.receivedAt = data.receivedAt;
  if (s.phase === 'awaiting-reception') s.phase = 'open';
  const cal = calendarOf(d);
  s.calendarVersion = cal.version;
  const legalDueAt = checkAgainstCatalog(d, fact, cal);
  s.appointmentAt = data.appointmentAt ?? null;
  const due = data.appointmentAt ?? legalDueAt;
  if (due === null) addFinding(d, 'no-due-date', 'the receipt has no appointment and the catalog gives no processing time: no deadline runs', fact);
  setDue(d, due);
}

/** The legal maximum from the catalog entry looked up at reception, with the appointment's audit. */
function checkAgainstCatalog(d: DossierDerivation, fact: FactOf<typeof DOSSIER_RECEIVED_V1>, cal: Calendar): string | null {
  if (fact.lookup === undefined) return null;
  const { s } = d;
  const data = fact.data;
  d.catalog = fact.lookup.procedure;
  if (d.catalog === null) {
    addFinding(d, 'procedure-unknown', `procedure ${data.procedureCode} is not in the catalog; no legal maximum to check the appointment against`, fact);
    return null;
  }
  const legal = computeLegalDue(d.catalog, data.receivedAt, cal);
  s.legalDueAt = legal.dueAt;
  s.catalogVersion = d.catalog.catalogVersion;
  if (data.appointmentAt !== undefined) {
    for (const a of auditAppointment({ appointmentAt: data.appointmentAt, legalDue: legal, calendar: cal })) addFinding(d, a.code, a.message, fact);
  }
  return legal.dueAt;
}

const requestSupplement: Reducer<'vn.tthc.dossier.supplement-requested'> = (d, fact) => {
  const { s } = d;
  const { rules } = d.ctx;
  // Before reception it is the Phiếu yêu cầu bổ sung at the counter: no clock (docs/legal-rules.md rule 6).
  if (!clockRuns(d)) return;
  s.supplementRequests += 1;
  if (s.supplementRequests === rules.supplementRequestsBeforeLate + 1) {
    addFinding(d, 'second-supplement-request', `supplement request ${s.supplementRequests} (more than ${rules.supplementRequestsBeforeLate}): the dossier counts late whatever its end time`, fact);
  }
  startPause(d, 'supplement', fact.occurredAt);
};

const requestFinancialObligation: Reducer<'vn.tthc.dossier.financial-obligation-requested'> = (d, fact) => {
  if (d.ctx.rules.financialObligationPausesClock && clockRuns(d)) startPause(d, 'financial', fact.occurredAt);
};

const resume: Reducer<'vn.tthc.dossier.resumed'> = (d) => {
  const { s } = d;
  if (s.phase !== 'closed' || s.statusCode !== PORTAL_STATUS.suspended) return;
  s.phase = 'open';
  s.statusCode = PORTAL_STATUS.processing;
  s.closedAt = null;
  d.closings = [];
};

const apologise: Reducer<'vn.tthc.dossier.apology-issued'> = (d, fact) => {
  const { s } = d;
  const { newAppointmentAt, channels } = fact.data;
  const flag = apologyFlag(d, fact);
  s.apologies.push({ factKey: fact.key, issuedAt: fact.occurredAt, newAppointmentAt, valid: flag === null, flag, channels: [...(channels ?? [])] });
  if (flag === null) {
    d.validApologies += 1;
    s.appointmentAt = newAppointmentAt;
    setDue(d, newAppointmentAt);
  } else {
    addFinding(d, flag, `apology with new appointment ${newAppointmentAt} does not move the due instant ${s.dueAt ?? '(none)'}`, fact);
  }
};

/** Why an apology does not move the due instant (docs/legal-rules.md rule 10), null when it does. */
function apologyFlag(d: DossierDerivation, fact: FactOf<'vn.tthc.dossier.apology-issued'>): string | null {
  const { s } = d;
  const { rules } = d.ctx;
  const cal = calendarOf(d);
  if (!d.received || s.dueAt === null) return 'no-due-date';
  if (s.phase === 'closed') return 'after-close';
  // A late apology did not re-appoint, so only valid ones use up the allowance.
  if (d.validApologies >= rules.maxReappointments) return 'second-apology';
  if (cal.due({ from: fact.occurredAt, amount: rules.apologyLeadWorkingDays, unit: 'working-day' }).due.getTime() > ms(s.dueAt)) return 'late-apology';
  return null;
}

const assignStep: Reducer<'vn.tthc.dossier.step-assigned'> = (d, fact) => {
  processingResumes(d, fact);
  const data = fact.data;
  const fromCatalog = d.catalog?.procedure.steps?.find((st) => st.order === data.stepNo);
  const hours = data.allottedHours ?? fromCatalog?.allottedWorkingHours;
  if (hours === undefined) {
    addFinding(d, 'step-allotment-unknown', `step ${data.stepNo} has no allotted hours in the event or the catalog: no step deadline`, fact);
    return;
  }
  const cal = d.ctx.calendarFor(data.stepAgencyCode);
  const dueAt = cal.formatInstant(cal.due({ from: fact.occurredAt, amount: hours, unit: 'working-hour' }).due);
  const previous = d.steps.get(data.stepNo);
  const version = previous === undefined ? 1 : sameInstant(previous.dueAt, dueAt) ? previous.version : previous.version + 1;
  d.steps.set(data.stepNo, {
    stepNo: data.stepNo,
    agencyCode: data.stepAgencyCode,
    name: data.stepName ?? fromCatalog?.name ?? null,
    assignedAt: fact.occurredAt,
    allottedHours: hours,
    dueAt,
    completedAt: null,
    timeliness: null,
    overdue: false,
    version,
    fromCatalog: data.allottedHours === undefined,
  });
};

const completeStep: Reducer<'vn.tthc.dossier.step-completed'> = (d, fact) => {
  processingResumes(d, fact);
  const step = d.steps.get(fact.data.stepNo);
  if (step === undefined) addFinding(d, 'step-completed-before-assignment', `step ${fact.data.stepNo} completed with no assignment before it`, fact);
  else step.completedAt ??= fact.occurredAt;
};

/** A rating is recorded and nothing else: it moves no deadline and no status. */
const rate: Reducer<'vn.tthc.dossier.rated'> = (d, fact) => {
  d.s.ratings.push({ factKey: fact.key, ratedAt: fact.occurredAt, level: fact.data.level, channel: fact.data.channel ?? null });
};

// Closing facts change the state only through `close`, which every fact passes.
const closesOnly = () => undefined;

const DOSSIER_REDUCERS: { readonly [T in DossierEventType]: Reducer<T> } = {
  [DOSSIER_RECEIVED_V1]: receive,
  'vn.tthc.dossier.supplement-requested': requestSupplement,
  'vn.tthc.dossier.supplement-received': (d, fact) => endPause(d, 'supplement', fact.occurredAt),
  'vn.tthc.dossier.financial-obligation-requested': requestFinancialObligation,
  'vn.tthc.dossier.financial-obligation-fulfilled': (d, fact) => endPause(d, 'financial', fact.occurredAt),
  'vn.tthc.dossier.resumed': resume,
  'vn.tthc.dossier.apology-issued': apologise,
  'vn.tthc.dossier.rated': rate,
  'vn.tthc.dossier.processing-started': processingResumes,
  'vn.tthc.dossier.step-assigned': assignStep,
  'vn.tthc.dossier.step-completed': completeStep,
  'vn.tthc.dossier.refused': closesOnly,
  'vn.tthc.dossier.withdrawn': closesOnly,
  'vn.tthc.dossier.suspended': closesOnly,
  [DOSSIER_RESOLVED_V1]: closesOnly,
  'vn.tthc.dossier.returned': closesOnly,
};

/** Applies one fact of this dossier that is neither an alert nor after the final close. */
export function applyDossierFact(d: DossierDerivation, fact: DossierFact): void {
  const { s } = d;
  const status = STATUS_OF_EVENT[fact.type] ?? null;
  const closingKind = CLOSING_KIND[fact.type];
  // A closed dossier keeps its closing code; only another closing state or a resumption changes it.
  // Before reception nothing is being processed, so processing codes (4) wait for the receipt.
  const applies = s.phase === 'closed' ? closingKind !== undefined : d.received || status !== PORTAL_STATUS.processing;
  if (status !== null && applies) s.statusCode = status;
  // The table pairs each type with its reducer; TypeScript cannot follow that pairing through a union.
  (DOSSIER_REDUCERS[fact.type] as Reducer<DossierEventType>)(d, fact);
  if (closingKind !== undefined) close(d, fact, closingKind);
  if (FINAL_CLOSE.has(fact.type)) d.finalClose = fact;
}
