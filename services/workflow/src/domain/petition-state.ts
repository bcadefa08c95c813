/**
 * Petition (phản ánh, kiến nghị — PAKN) state, derived from the petition's history alone.
 *
 * Rules (docs/legal-rules.md §2 and rule 12; day counts from `ctx.rules.petition`, in working days of
 * the holder's calendar, each counted from the submission or from the latest transfer — one
 * "window" per holder):
 * - transfer out of competence ≤ transferDays (ND 20/2008 Điều 9);
 * - rejection ≤ rejectDays, first supplement request of a window ≤ supplementDays, answer
 *   ("chờ công khai") ≤ answerDays, publication ≤ publishDays after the answer (QĐ 766 portal
 *   methodology, third-party transcription).
 *
 * Readings the sources leave open, chosen here:
 * - Transfer deadline. Whether a petition is outside the holder's competence is only known when
 *   the holder transfers it, so the deadline is judged by the fact that ends the holder's
 *   window: a transfer is met when it happened by the due instant and missed after it; an
 *   answer, rejection or supplement request shows the holder kept the petition, which settles
 *   the window as met whenever it happened (a later transfer in the same window still
 *   overrides that with its own timing). An undecided window is NOT published as an `open`
 *   entry: the SLA service times every open entry, and a timer on day 5 would raise
 *   `petition.unhandled` for every petition simply being answered within 15 days. No rule
 *   clean enough to justify that alert was found, so the entry appears once a window is
 *   decided (showing the latest decided window) and `transferDueAt` shows the current window.
 * - Rejection and supplement requests are optional actions: judged when they happen, never
 *   timed. A late one is a finding and makes the petition's timeliness late.
 * - A supplement request does not stop the clock: the portal counts 15 days from the
 *   submission or the latest transfer with no suspension, and PAKN has no "supplement
 *   received" event.
 * - A late transfer is attributed to the transferring agency (finding, `transfers[].onTime`),
 *   not to the petition's timeliness: the new holder's clock starts afresh.
 * - A late publication is a finding and a missed `petition:publish` entry; timeliness is the
 *   timeliness of handling (the answer), as the portal's end instant is "chờ công khai".
 * - A publication with no earlier answer counts as the answer too ("chờ công khai/đã công khai").
 * - A transfer to the agency already holding the petition is ignored (a finding): it would
 *   otherwise restart every clock.
 * - `overdue` follows an overdue alert for the current version of `petition:answer` only while
 *   that deadline is open; once the petition is answered or rejected the lateness lives in
 *   `timeliness`, so an answered petition is never counted as open and overdue.
 *
 * Impossible facts (listed in `rejected`, never applied; no later fact can make them valid):
 * a dossier fact; a fact of another petition (or an alert about another subject); any petition
 * fact after the petition was rejected or published; a rejection after the answer (rejection is
 * "từ chối tiếp nhận", refusing reception); a fact whose deadline the calendar cannot compute.
 * Facts that occurred before the submission are ignored with a finding (a clock skew or a
 * wrong instant), not rejected: an earlier submission fact could still arrive.
 */
import {
  ALERT_TYPES,
  isPetitionEventType,
  PETITION_ANSWERED_V1,
  PETITION_PUBLISHED_V1,
  PETITION_RECEIVED_V1,
  PETITION_REJECTED_V1,
  PETITION_SUPPLEMENT_REQUESTED_V1,
  PETITION_TRANSFERRED_V1,
  type DeadlineEntryV1,
  type DeadlineKind,
  type DeadlineStatus,
  type Timeliness,
} from '@tthc/contracts';
import { compareFacts, type AlertFact, type DeriveContext, type Fact, type Finding, type RejectedFact, type SubjectStateBase } from './subject';

type PetitionEventType =
  | typeof PETITION_RECEIVED_V1
  | typeof PETITION_TRANSFERRED_V1
  | typeof PETITION_REJECTED_V1
  | typeof PETITION_SUPPLEMENT_REQUESTED_V1
  | typeof PETITION_ANSWERED_V1
  | typeof PETITION_PUBLISHED_V1;
type PetitionFact = Extract<Fact, { type: PetitionEventType }>;

export type PetitionStatus = 'awaiting-reception' | 'in-progress' | 'awaiting-supplement' | 'answered' | 'published' | 'rejected';

export interface PetitionTransfer {
  factKey: string;
  at: string;
  fromAgencyCode: string;
  toAgencyCode: string;
  /** Within `transferDays` working days of the window the transfer ended. */
  onTime: boolean;
}

export interface PetitionState extends SubjectStateBase {
  subject: 'petition';
  statusCode: null;
  procedureCode: null;
  /** Agency holding the petition now (after transfers); `agencyCode` is the first receiver. */
  holderAgencyCode: string | null;
  submittedAt: string | null;
  /** Submission, or the latest transfer: where the current holder's deadlines count from. */
  clockStartAt: string | null;
  /** End of the current holder's transfer window (shown, never timed; see the module comment). */
  transferDueAt: string | null;
  transfers: PetitionTransfer[];
  status: PetitionStatus;
  answeredAt: string | null;
  publishedAt: string | null;
  supplementRequests: number;
}

const PORTAL_BASIS = 'QĐ 766/QĐ-TTg — phương pháp tính chỉ số PAKN (bản chép không chính thức)';

const DEADLINES = {
  transfer: { key: 'petition:transfer', kind: 'petition-transfer', label: 'Chuyển PAKN không thuộc thẩm quyền', legalBasis: 'NĐ 20/2008/NĐ-CP Điều 9', warn: false, escalate: false },
  reject: { key: 'petition:reject', kind: 'petition-reject', label: 'Từ chối tiếp nhận PAKN', legalBasis: PORTAL_BASIS, warn: false, escalate: false },
  supplement: { key: 'petition:supplement', kind: 'petition-supplement', label: 'Yêu cầu bổ sung PAKN (lần đầu)', legalBasis: PORTAL_BASIS, warn: false, escalate: false },
  answer: { key: 'petition:answer', kind: 'petition-answer', label: 'Trả lời PAKN', legalBasis: PORTAL_BASIS, warn: true, escalate: true },
  publish: { key: 'petition:publish', kind: 'petition-publish', label: 'Công khai kết quả trả lời PAKN', legalBasis: PORTAL_BASIS, warn: false, escalate: true },
} as const satisfies Record<string, { key: string; kind: DeadlineKind; label: string; legalBasis: string; warn: boolean; escalate: boolean }>;
type DeadlineName = keyof typeof DEADLINES;

/** One holder's turn: from the submission or a transfer until the next transfer. */
interface Window {
  version: number;
  startAt: string;
  agencyCode: string;
  transferDue: string;
  rejectDue: string;
  supplementDue: string;
  answerDue: string;
  transferStatus: 'met' | 'missed' | null;
  supplementJudged: boolean;
}

const OVERDUE_ALERT_TYPES: ReadonlySet<string> = new Set([ALERT_TYPES.petitionUnhandled, ALERT_TYPES.overdue]);
const ALERT_TYPE_SET: ReadonlySet<string> = new Set(Object.values(ALERT_TYPES));

const ms = (iso: string) => Date.parse(iso);
const isAlert = (fact: Fact): fact is AlertFact => ALERT_TYPE_SET.has(fact.type);
const isPetitionFact = (fact: Fact): fact is PetitionFact => isPetitionEventType(fact.type);

function classify(endAt: string, dueAt: string): Timeliness {
  return ms(endAt) < ms(dueAt) ? 'early' : ms(endAt) === ms(dueAt) ? 'on-time' : 'late';
}

class CalendarFailure extends Error {}

/** The petition state is a deterministic function of its history (any order, duplicates included). */
export function derivePetitionState(code: string, history: readonly Fact[], ctx: DeriveContext): PetitionState {
  const days = ctx.rules.petition;
  const findings: Finding[] = [];
  const rejected: RejectedFact[] = [];
  const transfers: PetitionTransfer[] = [];
  const alerts: AlertFact[] = [];
  const settled = new Map<DeadlineName, { dueAt: string; version: number; status: DeadlineStatus; agencyCode: string }>();

  const finding = (codeOf: string, detail: string, fact: Fact | null) =>
    findings.push({ code: codeOf, detail, factKey: fact?.key ?? null, at: fact?.occurredAt ?? null });

  // One finding per fact is enough: its deadlines share the years that lack confirmed data.
  const uncertainFacts = new Set<string>();
  const dueOf = (agencyCode: string, from: string, amount: number, what: DeadlineName, fact: Fact): string => {
    const calendar = ctx.calendarFor(agencyCode);
    let answer;
    try {
      answer = calendar.due({ from, amount, unit: 'working-day' });
    } catch (error) {
      throw new CalendarFailure(`${DEADLINES[what].key}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (answer.uncertain && !uncertainFacts.has(fact.key)) {
      uncertainFacts.add(fact.key);
      const years = answer.firstYear === answer.lastYear ? `${answer.firstYear}` : `${answer.firstYear}–${answer.lastYear}`;
      finding('calendar-uncertain', `${DEADLINES[what].key}: calendar ${answer.calendarId} ${answer.calendarVersion} has no confirmed days off for ${years}`, fact);
    }
    return calendar.formatInstant(answer.due);
  };

  const openWindow = (version: number, startAt: string, agencyCode: string, fact: Fact): Window => ({
    version,
    startAt,
    agencyCode,
    transferDue: dueOf(agencyCode, startAt, days.transferDays, 'transfer', fact),
    rejectDue: dueOf(agencyCode, startAt, days.rejectDays, 'reject', fact),
    supplementDue: dueOf(agencyCode, startAt, days.supplementDays, 'supplement', fact),
    answerDue: dueOf(agencyCode, startAt, days.answerDays, 'answer', fact),
    transferStatus: null,
    supplementJudged: false,
  });

  // Keys are unique per fact; the first in the total order wins should a key ever repeat.
  const sorted: PetitionFact[] = [];
  const seen = new Set<string>();
  for (const fact of [...history].sort(compareFacts)) {
    if (seen.has(fact.key)) continue;
    seen.add(fact.key);
    if (isAlert(fact)) {
      if (fact.data.dossierCode !== code) rejected.push({ factKey: fact.key, reason: `alert about ${fact.data.dossierCode}, not petition ${code}` });
      else alerts.push(fact);
    } else if (!isPetitionFact(fact)) {
      rejected.push({ factKey: fact.key, reason: `${fact.type} is a dossier fact; ${code} is a petition` });
    } else if (fact.data.petitionCode !== code) {
      rejected.push({ factKey: fact.key, reason: `fact of petition ${fact.data.petitionCode}, not ${code}` });
    } else {
      sorted.push(fact);
    }
  }

  let window: Window | null = null;
  let lastDecided: Window | null = null;
  let submission: PetitionFact | null = null;
  let status: PetitionStatus = 'awaiting-reception';
  let answeredAt: string | null = null;
  let publishDue: string | null = null;
  let publishVersion = 0;
  let publishedAt: string | null = null;
  let rejectedAt: string | null = null;
  let supplementRequests = 0;
  let lateAction = false;

  const decideTransfer = (w: Window, outcome: 'met' | 'missed', overrides: boolean) => {
    if (w.transferStatus !== null && !overrides) return;
    w.transferStatus = outcome;
    lastDecided = w;
  };

  // The submission is applied first, so facts stamped with the same instant follow it.
  const first = sorted.find((f) => f.type === PETITION_RECEIVED_V1);
  const ordered = first ? [first, ...sorted.filter((f) => f !== first)] : [];

  for (const fact of ordered) {
    if (submission && ms(fact.occurredAt) < ms(submission.occurredAt)) {
      finding('petition-fact-before-submission', `${fact.type} occurred before the submission at ${submission.occurredAt}; ignored`, fact);
      continue;
    }
    if (status === 'rejected' || status === 'published') {
      rejected.push({ factKey: fact.key, reason: `${fact.type} occurred after the petition was ${status} at ${rejectedAt ?? publishedAt}` });
      continue;
    }
    const agency = fact.data.agencyCode;
    if (window && fact.type !== PETITION_RECEIVED_V1 && agency !== window.agencyCode) {
      finding('petition-holder-mismatch', `${fact.type} names agency ${agency} but ${window.agencyCode} holds the petition`, fact);
    }
    try {
      switch (fact.type) {
        case PETITION_RECEIVED_V1:
          if (submission) {
            finding('petition-received-again', `submitted again after ${submission.occurredAt}; the first submission counts`, fact);
            break;
          }
          window = openWindow(1, fact.occurredAt, agency, fact);
          submission = fact;
          status = 'in-progress';
          break;
        case PETITION_TRANSFERRED_V1: {
          const w = window as Window | null;
          if (!w) break;
          const to = fact.data.toAgencyCode;
          if (to === w.agencyCode) {
            finding('petition-transfer-to-holder', `transfer to ${to}, which already holds the petition; no clock restarts`, fact);
            break;
          }
          const next = openWindow(w.version + 1, fact.occurredAt, to, fact);
          const onTime = ms(fact.occurredAt) <= ms(w.transferDue);
          transfers.push({ factKey: fact.key, at: fact.occurredAt, fromAgencyCode: agency, toAgencyCode: to, onTime });
          if (!onTime) finding('petition-transfer-late', `${agency} transferred to ${to} after the transfer deadline ${w.transferDue}`, fact);
          if (answeredAt) {
            finding('petition-transferred-after-answer', `transferred after the answer at ${answeredAt}; ${to} must answer again`, fact);
            answeredAt = null;
            publishDue = null;
          }
          decideTransfer(w, onTime ? 'met' : 'missed', true);
          window = next;
          status = 'in-progress';
          break;
        }
        case PETITION_REJECTED_V1: {
          const w = window as Window | null;
          if (!w) break;
          if (answeredAt) {
            rejected.push({ factKey: fact.key, reason: `rejection (từ chối tiếp nhận) after the petition was answered at ${answeredAt}` });
            break;
          }
          const late = ms(fact.occurredAt) > ms(w.rejectDue);
          settled.set('reject', { dueAt: w.rejectDue, version: w.version, status: late ? 'missed' : 'met', agencyCode: w.agencyCode });
          if (late) {
            lateAction = true;
            finding('petition-reject-late', `rejected after the rejection deadline ${w.rejectDue}`, fact);
          }
          decideTransfer(w, 'met', false);
          rejectedAt = fact.occurredAt;
          status = 'rejected';
          break;
        }
        case PETITION_SUPPLEMENT_REQUESTED_V1: {
          const w = window as Window | null;
          if (!w) break;
          supplementRequests += 1;
          if (answeredAt) {
            finding('petition-supplement-after-answer', `supplement requested after the answer at ${answeredAt}`, fact);
            break;
          }
          if (!w.supplementJudged) {
            w.supplementJudged = true;
            const late = ms(fact.occurredAt) > ms(w.supplementDue);
            settled.set('supplement', { dueAt: w.supplementDue, version: w.version, status: late ? 'missed' : 'met', agencyCode: w.agencyCode });
            if (late) {
              lateAction = true;
              finding('petition-supplement-late', `first supplement request after the deadline ${w.supplementDue}`, fact);
            }
          }
          decideTransfer(w, 'met', false);
          status = 'awaiting-supplement';
          break;
        }
        case PETITION_ANSWERED_V1:
        case PETITION_PUBLISHED_V1: {
          const w = window as Window | null;
          if (!w) break;
          if (!answeredAt) {
            publishDue = dueOf(w.agencyCode, fact.occurredAt, days.publishDays, 'publish', fact);
            publishVersion += 1;
            answeredAt = fact.occurredAt;
            if (fact.type === PETITION_PUBLISHED_V1) finding('petition-published-without-answer', 'published with no earlier answer; the publication counts as the answer', fact);
            if (ms(answeredAt) > ms(w.answerDue)) finding('petition-answer-late', `answered after the answer deadline ${w.answerDue}`, fact);
            decideTransfer(w, 'met', false);
            status = 'answered';
          } else if (fact.type === PETITION_ANSWERED_V1) {
            finding('petition-answered-again', `answered again; the answer at ${answeredAt} counts`, fact);
          }
          if (fact.type === PETITION_PUBLISHED_V1) {
            publishedAt = fact.occurredAt;
            if (publishDue && ms(publishedAt) > ms(publishDue)) finding('petition-publish-late', `published after the publication deadline ${publishDue}`, fact);
            status = 'published';
          }
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof CalendarFailure)) throw error;
      rejected.push({ factKey: fact.key, reason: `no deadline can be computed: ${error.message}` });
    }
  }

  const w = window as Window | null;
  const entry = (name: DeadlineName, e: { dueAt: string; version: number; status: DeadlineStatus; agencyCode: string }): DeadlineEntryV1 => {
    const { key, kind, label, legalBasis, warn, escalate } = DEADLINES[name];
    return { key, kind, dueAt: e.dueAt, version: e.version, status: e.status, agencyCode: e.agencyCode, label, legalBasis, warn, escalate };
  };
  const deadlines: DeadlineEntryV1[] = [];
  const decided = lastDecided as Window | null;
  if (decided?.transferStatus) {
    deadlines.push(entry('transfer', { dueAt: decided.transferDue, version: decided.version, status: decided.transferStatus, agencyCode: decided.agencyCode }));
  }
  for (const name of ['reject', 'supplement'] as const) {
    const s = settled.get(name);
    if (s) deadlines.push(entry(name, s));
  }

  let endAt: string | null = null;
  let timeliness: Timeliness | null = null;
  let answerOpen = false;
  if (w) {
    const handledAt = answeredAt ?? rejectedAt;
    answerOpen = handledAt === null;
    const answerStatus: DeadlineStatus = handledAt === null ? 'open' : ms(handledAt) <= ms(w.answerDue) ? 'met' : 'missed';
    deadlines.push(entry('answer', { dueAt: w.answerDue, version: w.version, status: answerStatus, agencyCode: w.agencyCode }));
    if (publishDue) {
      const publishStatus: DeadlineStatus = publishedAt === null ? 'open' : ms(publishedAt) <= ms(publishDue) ? 'met' : 'missed';
      deadlines.push(entry('publish', { dueAt: publishDue, version: publishVersion, status: publishStatus, agencyCode: w.agencyCode }));
    }
    if (answeredAt) {
      endAt = answeredAt;
      timeliness = classify(answeredAt, w.answerDue);
    } else if (rejectedAt) {
      endAt = rejectedAt;
      timeliness = classify(rejectedAt, w.rejectDue);
    }
    if (timeliness && lateAction) timeliness = 'late';
  }

  // Alerts count only for the answer deadline's current version, and only while it is open.
  const current = (kinds: ReadonlySet<string>, kind: 'overdue' | 'warning') =>
    answerOpen && w
      ? alerts
          .filter((a) => kinds.has(a.type) && a.data.kind === kind && a.data.deadlineKey === DEADLINES.answer.key && a.data.deadlineVersion === w.version)
          .map((a) => a.data.raisedAt)
          .sort((a, b) => ms(a) - ms(b))
      : [];
  const overdueAt = current(OVERDUE_ALERT_TYPES, 'overdue')[0] ?? null;
  const warned = current(new Set([ALERT_TYPES.warning]), 'warning').length > 0;

  const closedAt = rejectedAt ?? publishedAt;
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
    deadlines,
    overdue: overdueAt !== null,
    overdueAt,
    atRisk: warned && overdueAt === null,
    findings,
    rejected,
    holderAgencyCode: w?.agencyCode ?? null,
    submittedAt: submission?.occurredAt ?? null,
    clockStartAt: w?.startAt ?? null,
    transferDueAt: w?.transferDue ?? null,
    transfers,
    status,
    answeredAt,
    publishedAt,
    supplementRequests,
  };
}
