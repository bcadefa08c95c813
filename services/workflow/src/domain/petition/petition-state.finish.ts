/**
 * The finishing step of a petition derivation: once every fact is applied, the decided and open
 * deadline entries are published, the end instant and timeliness settled, and alerts matched to
 * the answer deadline's current version.
 */
import { ALERT_TYPES, type DeadlineEntryV1, type DeadlineStatus, type Timeliness } from '@tthc/contracts';

import { classify } from '../classification';
import type { PetitionState } from '../petition-state';
import { DEADLINES, ms, type DeadlineName, type DeadlineOutcome, type PetitionDerivation, type Window } from './petition-derivation';

const OVERDUE_ALERT_TYPES: ReadonlySet<string> = new Set([ALERT_TYPES.petitionUnhandled, ALERT_TYPES.overdue]);
const WARNING_ALERT_TYPES: ReadonlySet<string> = new Set([ALERT_TYPES.warning]);

export function finishPetitionState(code: string, p: PetitionDerivation): PetitionState {
  const w = p.window;
  const { submission } = p;
  const { endAt, timeliness } = handling(p, w);
  const answerOpen = w !== null && (p.answeredAt ?? p.rejectedAt) === null;
  const overdueAt = answerAlerts(p, w, answerOpen, OVERDUE_ALERT_TYPES, 'overdue')[0] ?? null;
  const warned = answerAlerts(p, w, answerOpen, WARNING_ALERT_TYPES, 'warning').length > 0;
  const closedAt = p.rejectedAt ?? p.publishedAt;
  return {
    code,
    subject: 'petition',
    agencyCode: submission ? submission.data.agencyCode : null,
    procedureCode: null,
    phase: !submission ? 'awaiting-reception' : closedAt ? 'closed' : 'open',
    statusCode: null,
    receivedAt: submission?.occurredAt ?? null,
    dueAt: w?.answerDue ?? null,
    deadlineVersion: w?.version ?? 0,
    closedAt,
    endAt,
    timeliness,
    paused: false,
    deadlines: deadlines(p, w),
    overdue: overdueAt !== null,
    overdueAt,
    atRisk: warned && overdueAt === null,
    findings: p.findings,
    rejected: p.rejected,
    holderAgencyCode: w?.agencyCode ?? null,
    submittedAt: submission?.occurredAt ?? null,
    clockStartAt: w?.startAt ?? null,
    transferDueAt: w?.transferDue ?? null,
    transfers: p.transfers,
    status: p.status,
    answeredAt: p.answeredAt,
    publishedAt: p.publishedAt,
    supplementRequests: p.supplementRequests,
    concernsDossierCode: (submission && 'concernsDossierCode' in submission.data ? submission.data.concernsDossierCode : undefined) ?? null,
  };
}

function entry(name: DeadlineName, e: DeadlineOutcome): DeadlineEntryV1 {
  const { key, kind, label, legalBasis, warn, escalate } = DEADLINES[name];
  return { key, kind, dueAt: e.dueAt, version: e.version, status: e.status, agencyCode: e.agencyCode, label, legalBasis, warn, escalate };
}

const statusOf = (doneAt: string | null, dueAt: string): DeadlineStatus => (doneAt === null ? 'open' : ms(doneAt) <= ms(dueAt) ? 'met' : 'missed');

/** The latest decided transfer window, the judged optional actions, then the current holder's answer and publication. */
function deadlines(p: PetitionDerivation, w: Window | null): DeadlineEntryV1[] {
  const entries: DeadlineEntryV1[] = [];
  const decided = p.lastDecided;
  if (decided?.transferStatus) {
    entries.push(entry('transfer', { dueAt: decided.transferDue, version: decided.version, status: decided.transferStatus, agencyCode: decided.agencyCode }));
  }
  for (const name of ['reject', 'supplement'] as const) {
    const s = p.settled.get(name);
    if (s) entries.push(entry(name, s));
  }
  if (!w) return entries;
  entries.push(entry('answer', { dueAt: w.answerDue, version: w.version, status: statusOf(p.answeredAt ?? p.rejectedAt, w.answerDue), agencyCode: w.agencyCode }));
  if (p.publishDue) {
    entries.push(entry('publish', { dueAt: p.publishDue, version: p.publishVersion, status: statusOf(p.publishedAt, p.publishDue), agencyCode: w.agencyCode }));
  }
  return entries;
}

/** End instant and timeliness of handling: the answer, else the rejection; a late optional action makes it late. */
function handling(p: PetitionDerivation, w: Window | null): { endAt: string | null; timeliness: Timeliness | null } {
  if (!w) return { endAt: null, timeliness: null };
  let endAt: string | null = null;
  let timeliness: Timeliness | null = null;
  if (p.answeredAt) {
    endAt = p.answeredAt;
    timeliness = classify(p.answeredAt, w.answerDue);
  } else if (p.rejectedAt) {
    endAt = p.rejectedAt;
    timeliness = classify(p.rejectedAt, w.rejectDue);
  }
  if (timeliness && p.lateAction) timeliness = 'late';
  return { endAt, timeliness };
}

/** Raise instants, earliest first. Alerts count only for the answer deadline's current version, and only while it is open. */
function answerAlerts(p: PetitionDerivation, w: Window | null, answerOpen: boolean, types: ReadonlySet<string>, kind: 'overdue' | 'warning'): string[] {
  if (!answerOpen || !w) return [];
  return p.alerts
    .filter((a) => types.has(a.type) && a.data.kind === kind && a.data.deadlineKey === DEADLINES.answer.key && a.data.deadlineVersion === w.version)
    .map((a) => a.data.raisedAt)
    .sort((a, b) => ms(a) - ms(b));
}
