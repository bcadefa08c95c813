/**
 * What the walk over a petition's history carries from one fact to the next: the current
 * holder's window, the optional actions already judged, the answer and publication, alerts kept
 * for the finishing step. Reducers and the finishing step share it, with the working-day
 * arithmetic every petition deadline uses.
 */
import {
  isPetitionEventType,
  PETITION_ANSWERED_V1,
  PETITION_PUBLISHED_V1,
  PETITION_RECEIVED_V1,
  PETITION_REJECTED_V1,
  PETITION_SUPPLEMENT_REQUESTED_V1,
  PETITION_TRANSFERRED_V1,
  type DeadlineKind,
  type DeadlineStatus,
} from '@tthc/contracts';

import type { PetitionStatus, PetitionTransfer } from '../petition-state';
import { findingOf, type AlertFact, type DeriveContext, type Fact, type Finding, type RejectedFact } from '../subject';

export type PetitionEventType =
  | typeof PETITION_RECEIVED_V1
  | typeof PETITION_TRANSFERRED_V1
  | typeof PETITION_REJECTED_V1
  | typeof PETITION_SUPPLEMENT_REQUESTED_V1
  | typeof PETITION_ANSWERED_V1
  | typeof PETITION_PUBLISHED_V1;
export type PetitionFact = Extract<Fact, { type: PetitionEventType }>;
export const isPetitionFact = (fact: Fact): fact is PetitionFact => isPetitionEventType(fact.type);

const PORTAL_BASIS = 'QĐ 766/QĐ-TTg — phương pháp tính chỉ số PAKN (bản chép không chính thức)';

export const DEADLINES = {
  transfer: { key: 'petition:transfer', kind: 'petition-transfer', label: 'Chuyển PAKN không thuộc thẩm quyền', legalBasis: 'NĐ 20/2008/NĐ-CP Điều 9', warn: false, escalate: false },
  reject: { key: 'petition:reject', kind: 'petition-reject', label: 'Từ chối tiếp nhận PAKN', legalBasis: PORTAL_BASIS, warn: false, escalate: false },
  supplement: { key: 'petition:supplement', kind: 'petition-supplement', label: 'Yêu cầu bổ sung PAKN (lần đầu)', legalBasis: PORTAL_BASIS, warn: false, escalate: false },
  answer: { key: 'petition:answer', kind: 'petition-answer', label: 'Trả lời PAKN', legalBasis: PORTAL_BASIS, warn: true, escalate: true },
  publish: { key: 'petition:publish', kind: 'petition-publish', label: 'Công khai kết quả trả lời PAKN', legalBasis: PORTAL_BASIS, warn: false, escalate: true },
} as const satisfies Record<string, { key: string; kind: DeadlineKind; label: string; legalBasis: string; warn: boolean; escalate: boolean }>;
export type DeadlineName = keyof typeof DEADLINES;

/** One holder's turn: from the submission or a transfer until the next transfer. */
export interface Window {
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

/** A deadline entry's varying part: when it was due, in which version, how it ended, whose it was. */
export interface DeadlineOutcome {
  dueAt: string;
  version: number;
  status: DeadlineStatus;
  agencyCode: string;
}

export interface PetitionDerivation {
  readonly ctx: DeriveContext;
  readonly findings: Finding[];
  readonly rejected: RejectedFact[];
  readonly transfers: PetitionTransfer[];
  readonly alerts: AlertFact[];
  /** Optional actions (rejection, first supplement request), judged when they happen. */
  readonly settled: Map<DeadlineName, DeadlineOutcome>;
  // One finding per fact is enough: its deadlines share the years that lack confirmed data.
  readonly uncertainFacts: Set<string>;
  window: Window | null;
  lastDecided: Window | null;
  submission: PetitionFact | null;
  status: PetitionStatus;
  answeredAt: string | null;
  publishDue: string | null;
  publishVersion: number;
  publishedAt: string | null;
  rejectedAt: string | null;
  supplementRequests: number;
  lateAction: boolean;
}

export const ms = (iso: string) => Date.parse(iso);

/** A deadline the calendar cannot compute: the fact that needs it is rejected. */
export class CalendarFailure extends Error {}

export function startPetitionDerivation(ctx: DeriveContext): PetitionDerivation {
  return {
    ctx,
    findings: [],
    rejected: [],
    transfers: [],
    alerts: [],
    settled: new Map(),
    uncertainFacts: new Set(),
    window: null,
    lastDecided: null,
    submission: null,
    status: 'awaiting-reception',
    answeredAt: null,
    publishDue: null,
    publishVersion: 0,
    publishedAt: null,
    rejectedAt: null,
    supplementRequests: 0,
    lateAction: false,
  };
}

export function addFinding(p: PetitionDerivation, code: string, detail: string, fact: Fact | null): void {
  p.findings.push(findingOf(code, detail, fact));
}

export function dueOf(p: PetitionDerivation, agencyCode: string, from: string, amount: number, what: DeadlineName, fact: Fact): string {
  const calendar = p.ctx.calendarFor(agencyCode);
  let answer;
  try {
    answer = calendar.due({ from, amount, unit: 'working-day' });
  } catch (error) {
    throw new CalendarFailure(`${DEADLINES[what].key}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (answer.uncertain && !p.uncertainFacts.has(fact.key)) {
    p.uncertainFacts.add(fact.key);
    const years = answer.firstYear === answer.lastYear ? `${answer.firstYear}` : `${answer.firstYear}–${answer.lastYear}`;
    addFinding(p, 'calendar-uncertain', `${DEADLINES[what].key}: calendar ${answer.calendarId} ${answer.calendarVersion} has no confirmed days off for ${years}`, fact);
  }
  return calendar.formatInstant(answer.due);
}

export function openWindow(p: PetitionDerivation, version: number, startAt: string, agencyCode: string, fact: Fact): Window {
  const days = p.ctx.rules.petition;
  return {
    version,
    startAt,
    agencyCode,
    transferDue: dueOf(p, agencyCode, startAt, days.transferDays, 'transfer', fact),
    rejectDue: dueOf(p, agencyCode, startAt, days.rejectDays, 'reject', fact),
    supplementDue: dueOf(p, agencyCode, startAt, days.supplementDays, 'supplement', fact),
    answerDue: dueOf(p, agencyCode, startAt, days.answerDays, 'answer', fact),
    transferStatus: null,
    supplementJudged: false,
  };
}
