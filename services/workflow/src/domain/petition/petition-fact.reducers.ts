/**
 * One reducer per petition fact type (docs/legal-rules.md §2 and rule 12; the readings chosen are
 * in `petition-state.ts`). `applyPetitionFact` does what every fact goes through — the checks
 * against the submission, the close and the holder, and the rejection of a fact whose deadline
 * the calendar cannot compute — around the reducer of its type.
 */
import { PETITION_ANSWERED_V1, PETITION_PUBLISHED_V1, PETITION_RECEIVED_V1, PETITION_REJECTED_V1, PETITION_SUPPLEMENT_REQUESTED_V1, PETITION_TRANSFERRED_V1 } from '@tthc/contracts';

import type { Fact } from '../subject';
import { CalendarFailure, addFinding, dueOf, ms, openWindow, type PetitionDerivation, type PetitionEventType, type PetitionFact, type Window } from './petition-derivation';

type FactOf<T extends PetitionEventType> = Extract<Fact, { type: T }>;
type Reducer<T extends PetitionEventType> = (p: PetitionDerivation, fact: FactOf<T>) => void;

/** Facts acted on by the holder: with no window yet (no submission applied) they change nothing. */
const inWindow =
  <T extends PetitionEventType>(reduce: (p: PetitionDerivation, fact: FactOf<T>, w: Window) => void): Reducer<T> =>
  (p, fact) => {
    if (p.window) reduce(p, fact, p.window);
  };

function decideTransfer(p: PetitionDerivation, w: Window, outcome: 'met' | 'missed', overrides: boolean): void {
  if (w.transferStatus !== null && !overrides) return;
  w.transferStatus = outcome;
  p.lastDecided = w;
}

const receive: Reducer<typeof PETITION_RECEIVED_V1> = (p, fact) => {
  if (p.submission) {
    addFinding(p, 'petition-received-again', `submitted again after ${p.submission.occurredAt}; the first submission counts`, fact);
    return;
  }
  p.window = openWindow(p, 1, fact.occurredAt, fact.data.agencyCode, fact);
  p.submission = fact;
  p.status = 'in-progress';
};

const transfer = inWindow<typeof PETITION_TRANSFERRED_V1>((p, fact, w) => {
  const agency = fact.data.agencyCode;
  const to = fact.data.toAgencyCode;
  if (to === w.agencyCode) {
    addFinding(p, 'petition-transfer-to-holder', `transfer to ${to}, which already holds the petition; no clock restarts`, fact);
    return;
  }
  const next = openWindow(p, w.version + 1, fact.occurredAt, to, fact);
  const onTime = ms(fact.occurredAt) <= ms(w.transferDue);
  p.transfers.push({ factKey: fact.key, at: fact.occurredAt, fromAgencyCode: agency, toAgencyCode: to, onTime });
  if (!onTime) addFinding(p, 'petition-transfer-late', `${agency} transferred to ${to} after the transfer deadline ${w.transferDue}`, fact);
  if (p.answeredAt) {
    addFinding(p, 'petition-transferred-after-answer', `transferred after the answer at ${p.answeredAt}; ${to} must answer again`, fact);
    p.answeredAt = null;
    p.publishDue = null;
  }
  decideTransfer(p, w, onTime ? 'met' : 'missed', true);
  p.window = next;
  p.status = 'in-progress';
});

/** Judges an optional action (rejection, first supplement request) when it happens; a late one makes the petition late. */
function judgeAction(p: PetitionDerivation, fact: Fact, w: Window, name: 'reject' | 'supplement', dueAt: string, late: { code: string; detail: string }): void {
  const isLate = ms(fact.occurredAt) > ms(dueAt);
  p.settled.set(name, { dueAt, version: w.version, status: isLate ? 'missed' : 'met', agencyCode: w.agencyCode });
  if (isLate) {
    p.lateAction = true;
    addFinding(p, late.code, late.detail, fact);
  }
}

const reject = inWindow<typeof PETITION_REJECTED_V1>((p, fact, w) => {
  if (p.answeredAt) {
    p.rejected.push({ factKey: fact.key, reason: `rejection (từ chối tiếp nhận) after the petition was answered at ${p.answeredAt}` });
    return;
  }
  judgeAction(p, fact, w, 'reject', w.rejectDue, { code: 'petition-reject-late', detail: `rejected after the rejection deadline ${w.rejectDue}` });
  decideTransfer(p, w, 'met', false);
  p.rejectedAt = fact.occurredAt;
  p.status = 'rejected';
});

const requestSupplement = inWindow<typeof PETITION_SUPPLEMENT_REQUESTED_V1>((p, fact, w) => {
  p.supplementRequests += 1;
  if (p.answeredAt) {
    addFinding(p, 'petition-supplement-after-answer', `supplement requested after the answer at ${p.answeredAt}`, fact);
    return;
  }
  if (!w.supplementJudged) {
    w.supplementJudged = true;
    judgeAction(p, fact, w, 'supplement', w.supplementDue, { code: 'petition-supplement-late', detail: `first supplement request after the deadline ${w.supplementDue}` });
  }
  decideTransfer(p, w, 'met', false);
  p.status = 'awaiting-supplement';
});

/** The first answer of the holder; a publication with no answer before it is the answer too. */
function firstAnswer(p: PetitionDerivation, fact: FactOf<typeof PETITION_ANSWERED_V1 | typeof PETITION_PUBLISHED_V1>, w: Window): void {
  p.publishDue = dueOf(p, w.agencyCode, fact.occurredAt, p.ctx.rules.petition.publishDays, 'publish', fact);
  p.publishVersion += 1;
  p.answeredAt = fact.occurredAt;
  if (fact.type === PETITION_PUBLISHED_V1) addFinding(p, 'petition-published-without-answer', 'published with no earlier answer; the publication counts as the answer', fact);
  if (ms(p.answeredAt) > ms(w.answerDue)) addFinding(p, 'petition-answer-late', `answered after the answer deadline ${w.answerDue}`, fact);
  decideTransfer(p, w, 'met', false);
  p.status = 'answered';
}

const answer = inWindow<typeof PETITION_ANSWERED_V1>((p, fact, w) => {
  if (!p.answeredAt) firstAnswer(p, fact, w);
  else addFinding(p, 'petition-answered-again', `answered again; the answer at ${p.answeredAt} counts`, fact);
});

const publish = inWindow<typeof PETITION_PUBLISHED_V1>((p, fact, w) => {
  if (!p.answeredAt) firstAnswer(p, fact, w);
  p.publishedAt = fact.occurredAt;
  if (p.publishDue && ms(p.publishedAt) > ms(p.publishDue)) addFinding(p, 'petition-publish-late', `published after the publication deadline ${p.publishDue}`, fact);
  p.status = 'published';
});

const PETITION_REDUCERS: { readonly [T in PetitionEventType]: Reducer<T> } = {
  [PETITION_RECEIVED_V1]: receive,
  [PETITION_TRANSFERRED_V1]: transfer,
  [PETITION_REJECTED_V1]: reject,
  [PETITION_SUPPLEMENT_REQUESTED_V1]: requestSupplement,
  [PETITION_ANSWERED_V1]: answer,
  [PETITION_PUBLISHED_V1]: publish,
};

/** Applies one fact of this petition (in order, the submission first). */
export function applyPetitionFact(p: PetitionDerivation, fact: PetitionFact): void {
  if (p.submission && ms(fact.occurredAt) < ms(p.submission.occurredAt)) {
    addFinding(p, 'petition-fact-before-submission', `${fact.type} occurred before the submission at ${p.submission.occurredAt}; ignored`, fact);
    return;
  }
  if (p.status === 'rejected' || p.status === 'published') {
    p.rejected.push({ factKey: fact.key, reason: `${fact.type} occurred after the petition was ${p.status} at ${p.rejectedAt ?? p.publishedAt}` });
    return;
  }
  const agency = fact.data.agencyCode;
  if (p.window && fact.type !== PETITION_RECEIVED_V1 && agency !== p.window.agencyCode) {
    addFinding(p, 'petition-holder-mismatch', `${fact.type} names agency ${agency} but ${p.window.agencyCode} holds the petition`, fact);
  }
  try {
    // The table pairs each type with its reducer; TypeScript cannot follow that pairing through a union.
    (PETITION_REDUCERS[fact.type] as Reducer<PetitionEventType>)(p, fact);
  } catch (error) {
    if (!(error instanceof CalendarFailure)) throw error;
    p.rejected.push({ factKey: fact.key, reason: `no deadline can be computed: ${error.message}` });
  }
}
