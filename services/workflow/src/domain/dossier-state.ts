/**
 * The dossier lifecycle as a deterministic function of its history (docs/legal-rules.md §1, rules 6–11).
 * The history is sorted with `compareFacts` and de-duplicated by key first, so any delivery
 * order, redelivery or late-arriving older fact gives the same state.
 */
import { DOSSIER_RATED_V1, isPetitionEventType, type RatingLevel, type Timeliness } from '@tthc/contracts';

import { startDossierDerivation } from './dossier/dossier-derivation';
import { applyDossierFact, type DossierFact } from './dossier/dossier-fact.reducers';
import { finishDossierState } from './dossier/dossier-state.finish';
import { compareFacts, isAlertFact, type DeriveContext, type Fact, type SubjectStateBase } from './subject';

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

/** A citizen's rating of the dossier (kept as given; reporting decides which levels are a dislike). */
export interface DossierRating {
  factKey: string;
  ratedAt: string;
  level: RatingLevel;
  channel: string | null;
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
  /** In history order; a citizen who rates again adds a rating, the latest one stands. */
  ratings: DossierRating[];
  steps: DossierStep[];
  /** Agencies a lateness is attributed to (steps late, or the dossier's agency when the dossier is late with no late step). */
  lateAgencies: string[];
  /** Hand-over to the competent agency (docs/legal-rules.md rule 4); null when not tracked or not received. */
  forwarding: { dueAt: string; forwardedAt: string | null; timeliness: 'early' | 'on-time' | 'late' | null } | null;
}

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
 * - any non-alert fact but a rating that happened after a final close (refused, withdrawn, returned).
 * Anything a future fact could still explain (a step completed before its assignment arrived, a
 * supplement received before its request arrived) is applied or noted as a finding, never rejected.
 */
export function deriveDossierState(code: string, history: readonly Fact[], ctx: DeriveContext): DossierState {
  const d = startDossierDerivation(code, ctx);
  for (const fact of canonicalHistory(history)) {
    const reason = rejectionOf(code, fact, d.finalClose);
    if (reason !== null) d.s.rejected.push({ factKey: fact.key, reason });
    else if (isAlertFact(fact)) d.alerts.push(fact);
    // Not a petition fact (rejected above), so one of the dossier's own types.
    else applyDossierFact(d, fact as DossierFact);
  }
  return finishDossierState(d);
}

function rejectionOf(code: string, fact: Fact, finalClose: Fact | null): string | null {
  const data = fact.data as { dossierCode?: string; subject?: string };
  if (isPetitionEventType(fact.type) || data.subject === 'petition') return `${fact.type} is a petition fact, not a dossier fact`;
  if (data.dossierCode !== code) return `${fact.type} names dossier ${String(data.dossierCode)}, not ${code}`;
  // Alerts are kept whenever they came: they are matched to deadline versions at the end.
  // Citizens rate once they have the result, so a rating after the return is expected.
  if (!isAlertFact(fact) && fact.type !== DOSSIER_RATED_V1 && finalClose !== null) return `${fact.type} at ${fact.occurredAt} after the final ${finalClose.type} at ${finalClose.occurredAt}`;
  return null;
}
