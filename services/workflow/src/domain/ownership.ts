/**
 * Who may speak for a dossier or a petition. A dossier belongs to the agency that received it;
 * a petition to its current holder: the receiving agency, then each transfer hands it to
 * `toAgencyCode`. A fact sent by an API key (intake stamps the key's scope on it) counts only
 * when that scope covers the owner at the fact's place in the history; facts without a sender
 * are the system's own and always count.
 *
 * Facts may arrive before the reception, when no owner is known yet. They are kept with their
 * sender and judged again once the reception arrives, so a key that posts ahead for another
 * agency's dossier loses those facts instead of closing the dossier.
 */
import { agencyOfDossierCode, canAccessAgency, parseScopeClaims, PETITION_RECEIVED_V1, PETITION_TRANSFERRED_V1, type SubjectKind } from '@tthc/contracts';
import { isAlertFact } from './subject';
import type { Fact, FactAuth, InboundFact } from './subject';

/**
 * Why a sender's fact does not count:
 * - `not-owner`: the key does not cover the owner (or the holder, for a petition) at the fact's time;
 * - `foreign-reception`: a reception for a subject another agency already received, or for an agency the key does not cover;
 * - `foreign-code`: a TT 04/2025 dossier code names a receiving agency the key does not cover.
 */
export type OwnershipErrorCode = 'not-owner' | 'foreign-reception' | 'foreign-code';

export interface OwnershipViolation {
  errorCode: OwnershipErrorCode;
  reason: string;
}

const RECEPTION_TYPES: Readonly<Record<SubjectKind, readonly string[]>> = {
  // A refusal happens at the reception desk: the unit that refused is the one the citizen came to.
  dossier: ['vn.tthc.dossier.received', 'vn.tthc.dossier.refused'],
  petition: [PETITION_RECEIVED_V1],
};

export function isReceptionFact(kind: SubjectKind, fact: Fact): fact is InboundFact {
  return !isAlertFact(fact) && RECEPTION_TYPES[kind].includes(fact.type);
}

/** Whether the sender's scope reaches the agency; an unreadable scope reaches nothing. */
export function covers(auth: FactAuth, agencyCode: string): boolean {
  const scope = parseScopeClaims(auth.scope);
  return scope !== null && canAccessAgency(scope, agencyCode);
}

/**
 * The agency that received the subject, from a history in `compareFacts` order: the first
 * receipt of a dossier (a refusal when it was only refused), the first submission of a petition.
 */
export function receptionAgencyOf(kind: SubjectKind, history: readonly Fact[]): string | null {
  for (const type of RECEPTION_TYPES[kind]) {
    const first = history.find((f) => f.type === type && isReceptionFact(kind, f));
    if (first) return first.data.agencyCode;
  }
  return null;
}

const ms = (iso: string) => Date.parse(iso);

/**
 * The owner just before `history[index]` (the history in `compareFacts` order): for a dossier
 * its receiving agency whatever the time; for a petition the holder after every transfer that
 * sorts before it. Transfers dated before the submission are ignored, as the petition's
 * derivation ignores them. null while no reception is known.
 */
export function ownerAt(kind: SubjectKind, history: readonly Fact[], index: number, receptionAgency = receptionAgencyOf(kind, history)): string | null {
  if (receptionAgency === null || kind === 'dossier') return receptionAgency;
  const submission = history.find((f) => f.type === PETITION_RECEIVED_V1);
  let holder = receptionAgency;
  for (const fact of history.slice(0, Math.max(0, index))) {
    if (fact.type !== PETITION_TRANSFERRED_V1) continue;
    if (submission && ms(fact.occurredAt) < ms(submission.occurredAt)) continue;
    holder = fact.data.toAgencyCode;
  }
  return holder;
}

/**
 * Judges the sender of `history[index]`. `receptionAgency` is the owner the subject had before
 * this fact arrived (or the fact's own agency when it is the subject's first reception): a
 * reception sorted earlier must not take a received subject over by back-dating.
 */
export function checkOwnership(kind: SubjectKind, history: readonly Fact[], index: number, receptionAgency: string | null): OwnershipViolation | null {
  const fact = history[index];
  if (!fact?.auth) return null;
  const sender = `key ${fact.auth.id} (${fact.auth.scope})`;
  if (isReceptionFact(kind, fact)) {
    const agency = fact.data.agencyCode;
    if (!covers(fact.auth, agency)) return { errorCode: 'foreign-reception', reason: `${fact.type} for agency ${agency} was sent by ${sender}, which does not cover it` };
    if (receptionAgency !== null && agency !== receptionAgency) {
      return { errorCode: 'foreign-reception', reason: `${fact.type} by agency ${agency}, but the ${kind} was received by ${receptionAgency}` };
    }
    return null;
  }
  const owner = ownerAt(kind, history, index, receptionAgency);
  if (owner === null || covers(fact.auth, owner)) return null;
  const whose = kind === 'petition' ? `held by ${owner} at ${fact.occurredAt}` : `received by ${owner}`;
  return { errorCode: 'not-owner', reason: `${fact.type} (${fact.id}) sent by ${sender}, which does not cover the ${kind}'s owner: it is ${whose}` };
}

/**
 * The TT 04/2025 check (`CODE_AGENCY_CHECK`, an unconfirmed rule): a dossier code of that shape
 * names its receiving unit, and the sender must cover it, so no key can pre-post the reception
 * of another agency's next dossier. Codes of other shapes tell nothing.
 */
export function checkCodeAgency(kind: SubjectKind, code: string, fact: Fact): OwnershipViolation | null {
  if (!fact.auth || kind !== 'dossier') return null;
  const agency = agencyOfDossierCode(code);
  if (agency === null || covers(fact.auth, agency)) return null;
  return { errorCode: 'foreign-code', reason: `dossier code ${code} names receiving agency ${agency}, which key ${fact.auth.id} (${fact.auth.scope}) does not cover` };
}

export interface SettledHistory {
  /** The history without the facts whose sender does not cover the owner. */
  history: Fact[];
  violations: Array<OwnershipViolation & { fact: Fact }>;
}

/**
 * Removes every fact whose sender does not cover the owner at its place. A fact is judged only
 * against the facts kept before it, so an evicted petition transfer hands nothing on: the
 * facts after it are judged against the holder as it really was.
 * `receptionAgency` is the owner before the newest fact (see `checkOwnership`); when the
 * subject had none, the history's own reception decides.
 */
export function settleOwnership(kind: SubjectKind, history: readonly Fact[], receptionAgency: string | null): SettledHistory {
  const owner = receptionAgency ?? receptionAgencyOf(kind, history);
  const kept: Fact[] = [];
  const violations: SettledHistory['violations'] = [];
  history.forEach((fact, index) => {
    // A dossier's owner does not depend on the facts around it, so only petitions need the view.
    const v = !fact.auth
      ? null
      : kind === 'dossier'
        ? checkOwnership(kind, history, index, owner)
        : checkOwnership(kind, [...kept, fact, ...history.slice(index + 1)], kept.length, owner);
    if (v) violations.push({ ...v, fact });
    else kept.push(fact);
  });
  return { history: kept, violations };
}

/** Whether two facts come from the same sender: the same key, a key of the same scope, or both the system. */
export function sameSender(a: Fact, b: Fact): boolean {
  if (!a.auth || !b.auth) return !a.auth && !b.auth;
  return a.auth.id === b.auth.id || a.auth.scope === b.auth.scope;
}
