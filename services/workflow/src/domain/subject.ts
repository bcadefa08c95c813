/**
 * Shared vocabulary of the workflow domain: the facts a subject's history holds, what the
 * derivation needs besides the history, and the state it produces. Dossiers
 * (`dossier-state.ts`) and petitions (`petition-state.ts`) derive different details into the
 * same published shape, so the SLA service handles both with one mechanism.
 */
import type { Calendar } from '@tthc/calendar';
import type { CatalogEntry } from '@tthc/catalog';
import {
  alertEventTypes,
  type DeadlineEntryV1,
  type DossierPhase,
  type InboundData,
  type InboundEventType,
  type SlaAlertV1,
  type AlertEventType,
  type Timeliness,
  type SubjectKind,
} from '@tthc/contracts';

/**
 * The API key that sent a fact, from the event's authcontext attributes as intake stamped
 * them. Facts without it come from the system itself (sla alerts, internal producers, events
 * published before intake stamped senders) and are trusted.
 */
export interface FactAuth {
  /** The key's id (`authid`), never the key. */
  id: string;
  /** The agencies the key covers (`authclaims`), e.g. `G01.001.000,G02.*` or `*`. */
  scope: string;
}

interface FactBase<T extends string, D> {
  /** CloudEvents identity (source + "\n" + id): the idempotency key. */
  key: string;
  id: string;
  source: string;
  type: T;
  /** CloudEvent `time` (emission): the second ordering key. */
  time: string;
  /** The instant the fact happened in the one-stop unit: the primary ordering key. */
  occurredAt: string;
  data: D;
  /** Who sent it; kept so a sender can be judged again once the subject's owner is known. */
  auth?: FactAuth;
}

/**
 * What was looked up when a dossier's reception was first applied, stored with the fact so
 * re-deriving the history later gives the same answer even after the catalog changed
 * (docs/legal-rules.md rule 1: the instrument version in force at reception).
 */
export interface ReceptionLookup {
  /** null: the procedure code is not in the catalog (a finding, the portal's appointment rules). */
  procedure: CatalogEntry | null;
}

export type InboundFact = { [T in InboundEventType]: FactBase<T, InboundData<T>> & (T extends 'vn.tthc.dossier.received' ? { lookup?: ReceptionLookup } : unknown) }[InboundEventType];
export type AlertFact = FactBase<AlertEventType, SlaAlertV1>;
export type Fact = InboundFact | AlertFact;

/** Rules the law did not confirm (docs/legal-rules.md, tags [C]/[P]): configuration with documented defaults. */
export interface RulesConfig {
  /** Whether waiting for a financial obligation stops the clock like a supplement. Default false. */
  financialObligationPausesClock: boolean;
  /** Supplement requests during processing allowed before the dossier counts late (portal: 1). */
  supplementRequestsBeforeLate: number;
  /** Re-appointments allowed (Lai Châu QĐ 88/2025: "không quá một lần"). Default 1. */
  maxReappointments: number;
  /** An apology must be issued at least this many working days before the due instant. Default 1. */
  apologyLeadWorkingDays: number;
  /**
   * Working days the one-stop unit has to hand a received dossier to the competent agency
   * (ND 118/2025 as applied by Cao Bằng QĐ 2022/QĐ-UBND: "không quá 01 ngày làm việc"); 0 turns
   * the forwarding deadline off, for one-stop units that are themselves the competent agency.
   */
  forwardingWorkingDays: number;
  /** PAKN deadlines in working days (ND 20/2008 Điều 9; 766 methodology). */
  petition: { transferDays: number; rejectDays: number; supplementDays: number; answerDays: number; publishDays: number };
}

export const DEFAULT_RULES: RulesConfig = {
  financialObligationPausesClock: false,
  supplementRequestsBeforeLate: 1,
  maxReappointments: 1,
  apologyLeadWorkingDays: 1,
  forwardingWorkingDays: 1,
  petition: { transferDays: 5, rejectDays: 2, supplementDays: 5, answerDays: 15, publishDays: 2 },
};

export interface DeriveContext {
  /** The working-time calendar of an agency (profiles by agency or province, else the default). */
  calendarFor(agencyCode: string | null): Calendar;
  rules: RulesConfig;
}

/** Something a reviewer must see: an audit finding, a flagged fact, a rule breach. */
export interface Finding {
  code: string;
  detail: string;
  /** Key of the fact that caused it, when one did. */
  factKey: string | null;
  at: string | null;
}

/** A finding caused by a fact (or by none: `fact` null). */
export function findingOf(code: string, detail: string, fact: Fact | null): Finding {
  return { code, detail, factKey: fact?.key ?? null, at: fact?.occurredAt ?? null };
}

/** A fact the derivation could never apply (dead-lettered when it is the one being applied). */
export interface RejectedFact {
  factKey: string;
  reason: string;
}

/** Fields every subject state has; they are what workflow stores flat and publishes. */
export interface SubjectStateBase {
  code: string;
  subject: SubjectKind;
  agencyCode: string | null;
  procedureCode: string | null;
  phase: DossierPhase;
  /** Portal TrangThaiHoSo 1–10 for dossiers; null for petitions. */
  statusCode: number | null;
  receivedAt: string | null;
  /** The main deadline (dossier appointment, petition answer), null when none runs. */
  dueAt: string | null;
  /** Increments whenever `dueAt` changes. */
  deadlineVersion: number;
  closedAt: string | null;
  endAt: string | null;
  timeliness: Timeliness | null;
  paused: boolean;
  deadlines: DeadlineEntryV1[];
  /** The main deadline has an overdue alert for its current version. */
  overdue: boolean;
  overdueAt: string | null;
  /** A warning was raised for the current version of the main deadline and it is still open. */
  atRisk: boolean;
  findings: Finding[];
  rejected: RejectedFact[];
}

const ms = (iso: string) => Date.parse(iso);
const ALERT_TYPE_SET = new Set<string>(alertEventTypes);

/** An alert the SLA service raised (recorded in the history like any fact). */
export function isAlertFact(fact: Fact): fact is AlertFact {
  return ALERT_TYPE_SET.has(fact.type);
}

/**
 * Total order over facts: when they happened, then when they were emitted, then their key.
 * Sorting (rather than trusting arrival order) is what makes duplicates and late-arriving
 * older facts converge to the same state.
 */
export function compareFacts(a: Pick<Fact, 'occurredAt' | 'time' | 'key'>, b: Pick<Fact, 'occurredAt' | 'time' | 'key'>): number {
  return ms(a.occurredAt) - ms(b.occurredAt) || ms(a.time) - ms(b.time) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
