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
import { PETITION_RECEIVED_V1 } from '@tthc/contracts';

import { isPetitionFact, startPetitionDerivation, type PetitionDerivation, type PetitionFact } from './petition/petition-derivation';
import { applyPetitionFact } from './petition/petition-fact.reducers';
import { finishPetitionState } from './petition/petition-state.finish';
import { compareFacts, isAlertFact, type DeriveContext, type Fact, type SubjectStateBase } from './subject';

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
  /** The dossier the petitioner complains about, as the submission names it. */
  concernsDossierCode: string | null;
}

/** The petition state is a deterministic function of its history (any order, duplicates included). */
export function derivePetitionState(code: string, history: readonly Fact[], ctx: DeriveContext): PetitionState {
  const p = startPetitionDerivation(ctx);
  const facts = ownFacts(p, code, history);
  // The submission is applied first, so facts stamped with the same instant follow it.
  const first = facts.find((f) => f.type === PETITION_RECEIVED_V1);
  const ordered = first ? [first, ...facts.filter((f) => f !== first)] : [];
  for (const fact of ordered) applyPetitionFact(p, fact);
  return finishPetitionState(code, p);
}

/** This petition's own facts in order; alerts about it are set aside, anything else is rejected. */
function ownFacts(p: PetitionDerivation, code: string, history: readonly Fact[]): PetitionFact[] {
  // Keys are unique per fact; the first in the total order wins should a key ever repeat.
  const own: PetitionFact[] = [];
  const seen = new Set<string>();
  for (const fact of [...history].sort(compareFacts)) {
    if (seen.has(fact.key)) continue;
    seen.add(fact.key);
    if (isAlertFact(fact)) {
      if (fact.data.dossierCode !== code) p.rejected.push({ factKey: fact.key, reason: `alert about ${fact.data.dossierCode}, not petition ${code}` });
      else p.alerts.push(fact);
    } else if (!isPetitionFact(fact)) {
      p.rejected.push({ factKey: fact.key, reason: `${fact.type} is a dossier fact; ${code} is a petition` });
    } else if (fact.data.petitionCode !== code) {
      p.rejected.push({ factKey: fact.key, reason: `fact of petition ${fact.data.petitionCode}, not ${code}` });
    } else {
      own.push(fact);
    }
  }
  return own;
}
