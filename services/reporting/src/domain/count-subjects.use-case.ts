import { randomUUID } from 'node:crypto';
import type { Calendar } from '@tthc/calendar';
import type { SubjectRecord } from '@tthc/metrics';
import { agencyOfDoc, contributionDelta, contributionOf, splitCounterKey, withRollUp, type Contribution, type CounterDocument } from './delay-counters';
import { satisfactionContributionOf, type SatisfactionFacts } from './satisfaction-counters';

/** A subject as workflow stored it, and the revision it was stored at. */
export interface CountedSubject {
  /**
   * Orders the stored states of the subject. A petition's count also depends on the dossier it
   * names, so the store gives it an order over both (`storedSubjects`).
   */
  revision: number;
  /**
   * When the subject was first stored. Workflow removes a subject no reception introduced and
   * a later reception starts again at revision 1: another incarnation replaces the contribution
   * whatever its revision.
   */
  incarnation?: string | null;
  record: SubjectRecord;
  /** Its ratings and the dossier it names, for the satisfaction counters; none counted without. */
  satisfaction?: SatisfactionFacts;
}

/**
 * A claimed difference not yet confirmed applied: what one subject's claim adds to the
 * counters, under the token its batch applies with. It stays on the subject until that batch
 * settles, so a batch interrupted between its claims and its `$inc` (a crash) can be applied
 * later by anyone: the counters take each token once per document.
 */
export interface PendingPart {
  token: string;
  delta: Contribution;
  /** When it was claimed: the store stamps a new part, and a carried one keeps its instant. */
  at?: Date;
}

export interface StoredContribution {
  revision: number;
  incarnation?: string | null;
  contribution: Contribution;
  /** Claimed but its difference not confirmed applied (a crash in between, or a batch in flight). */
  pending: boolean;
  /** The parts still to confirm; a claim carries them over, so none is lost by a newer revision. */
  parts: PendingPart[];
  /** How many settles touched the subject: a claim also compares it, so it never brings back a part settled meanwhile. */
  settles: number;
}

export interface ContributionClaim {
  code: string;
  /** The revision stored now; null when the subject was never counted. */
  from: number | null;
  /** The settles seen with `from`. */
  fromSettles: number;
  revision: number;
  incarnation?: string | null;
  contribution: Contribution;
  /** The parts carried over from the stored contribution, and this claim's own. */
  parts: PendingPart[];
}

/** Where the counters and each subject's last contribution are kept. */
export interface DelayCounterStore {
  contributions(codes: readonly string[]): Promise<Map<string, StoredContribution>>;
  /** Compare-and-set of each subject's revision (and settles); the codes whose claim won. */
  claim(claims: readonly ContributionClaim[]): Promise<Set<string>>;
  /**
   * Adds `delta` to the counters, records the agencies and bumps the counters' version; each
   * document written keeps `token` until the batch settles. `again` (a recovery): a document
   * that already took `token` is left alone, so a batch applied again adds only what the
   * interrupted apply did not, even when two instances recover it at once.
   */
  apply(delta: Contribution, agencies: readonly string[], token: string, again?: boolean): Promise<void>;
  /** `token`'s batch is applied: its part leaves these subjects, and the counter documents `docs` forget the token. */
  settle(token: string, codes: readonly string[], docs: readonly string[]): Promise<void>;
  /** Parts claimed before `before` and never settled, with their subject. */
  pendingParts(before: Date): Promise<Array<{ code: string; part: PendingPart }>>;
  /**
   * Counter documents by id. With `procedure`, only that procedure's counters (`c.<procedure>`
   * of a document kept per procedure): a report for one procedure takes apart nothing else, and
   * a province's agencies hold some 80 procedures each.
   */
  read(ids: readonly string[], only?: { procedure: string }): Promise<Map<string, CounterDocument>>;
  /** Raw agency codes that have counters ('' for subjects without an agency). */
  agencies(): Promise<string[]>;
  /** Changes with every applied difference. */
  version(): Promise<number>;
}

export interface CountResult {
  counted: number;
  /** Already counted at this revision or a later one (a redelivery, an older snapshot). */
  stale: number;
  /** Claimed earlier and never confirmed applied: their counters may be off by that claim. */
  unsettled: string[];
}

const ATTEMPTS = 5;

/**
 * Brings the counters up to the stored state of these subjects: each subject's contribution is
 * recomputed from its stored state, and the difference from the one counted before is applied,
 * once per revision. A redelivered or older revision changes nothing; two instances counting
 * the same subject race on its revision and the loser reads the winner's contribution again.
 */
export async function countSubjects(subjects: readonly CountedSubject[], store: DelayCounterStore, calendar: Calendar, opts: { recountSameRevision?: boolean } = {}): Promise<CountResult> {
  const newest = new Map<string, CountedSubject>();
  for (const s of subjects) {
    const seen = newest.get(s.record.code);
    if (!seen || s.revision > seen.revision) newest.set(s.record.code, s);
  }
  const result: CountResult = { counted: 0, stale: 0, unsettled: [] };
  let todo = [...newest.values()];
  for (let attempt = 0; todo.length > 0; attempt++) {
    if (attempt === ATTEMPTS) throw new Error(`counting ${todo.length} subject(s) lost the revision race ${ATTEMPTS} times in a row`);
    const stored = await store.contributions(todo.map((s) => s.record.code));
    const token = randomUUID();
    const claims: ContributionClaim[] = [];
    for (const s of todo) {
      const prev = stored.get(s.record.code);
      if (prev?.pending) result.unsettled.push(s.record.code);
      const sameSubject = (prev?.incarnation ?? null) === (s.incarnation ?? null);
      // A recount of the same revision (counters kept before a new kind of counter) applies
      // only what the contribution lacks; the claim still compares revision and settles.
      if (prev && sameSubject && (prev.revision > s.revision || (prev.revision === s.revision && !opts.recountSameRevision))) {
        result.stale += 1;
        continue;
      }
      const contribution = new Map([...contributionOf(s.record, calendar), ...satisfactionContributionOf(s.record, s.satisfaction, calendar)]);
      const delta = contributionDelta(prev?.contribution ?? null, contribution);
      if (prev && sameSubject && prev.revision === s.revision && delta.size === 0) {
        result.stale += 1;
        continue;
      }
      claims.push({ code: s.record.code, from: prev?.revision ?? null, fromSettles: prev?.settles ?? 0, revision: s.revision, incarnation: s.incarnation ?? null, contribution, parts: [...(prev?.parts ?? []), { token, delta }] });
    }
    if (claims.length === 0) break;
    const won = await store.claim(claims);
    const settled = claims.filter((c) => won.has(c.code));
    // The agencies of the new contributions: a change that moves no count (a rating) still
    // moves the counters' version, which the sub-scores' ETag covers.
    const agencies = new Set(settled.flatMap((c) => [...c.contribution.keys()].map((k) => agencyOfDoc(splitCounterKey(k).doc))));
    await applyParts(store, token, settled.map((c) => ({ code: c.code, part: c.parts[c.parts.length - 1]! })), agencies);
    result.counted += settled.length;
    const lost = new Set(claims.filter((c) => !won.has(c.code)).map((c) => c.code));
    todo = todo.filter((s) => lost.has(s.record.code));
  }
  return result;
}

/**
 * Applies the parts of one batch (`token`) as one difference, the roll-up with it, then settles
 * them. The agencies recorded are `agencies` and those the difference moves (a part's keys are
 * the detailed counters of its subject's agency).
 */
async function applyParts(store: DelayCounterStore, token: string, parts: ReadonlyArray<{ code: string; part: PendingPart }>, agencies = new Set<string>(), again = false): Promise<void> {
  const delta: Contribution = new Map();
  for (const { part } of parts) {
    for (const [k, n] of part.delta) {
      delta.set(k, (delta.get(k) ?? 0) + n);
      agencies.add(agencyOfDoc(splitCounterKey(k).doc));
    }
  }
  for (const [k, n] of delta) if (n === 0) delta.delete(k);
  // The roll-up moves in the same write as the detailed counters it sums.
  const applied = withRollUp(delta);
  await store.apply(applied, [...agencies], token, again);
  await store.settle(token, parts.map((p) => p.code), [...new Set([...applied.keys()].map((k) => splitCounterKey(k).doc))]);
}

/**
 * Applies the batches interrupted between their claims and their counters (a crash) and
 * settles them: the parts claimed before `before`, grouped by batch. A batch still in flight
 * is younger than `before` and left to its own instance. Returns the subjects settled.
 */
export async function recoverPending(store: DelayCounterStore, before: Date): Promise<number> {
  const byToken = new Map<string, Array<{ code: string; part: PendingPart }>>();
  for (const p of await store.pendingParts(before)) byToken.set(p.part.token, [...(byToken.get(p.part.token) ?? []), p]);
  let subjects = 0;
  for (const [token, parts] of byToken) {
    await applyParts(store, token, parts, new Set(), true);
    subjects += parts.length;
  }
  return subjects;
}
