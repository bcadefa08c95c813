import type { Calendar } from '@tthc/calendar';
import type { SubjectRecord } from '@tthc/metrics';
import { agencyOfDoc, contributionDelta, contributionOf, splitCounterKey, withRollUp, type Contribution, type CounterDocument } from './delay-counters';

/** A subject as workflow stored it, and the revision it was stored at. */
export interface CountedSubject {
  revision: number;
  /**
   * When the subject was first stored. Workflow removes a subject no reception introduced and
   * a later reception starts again at revision 1: another incarnation replaces the contribution
   * whatever its revision.
   */
  incarnation?: string | null;
  record: SubjectRecord;
}

export interface StoredContribution {
  revision: number;
  incarnation?: string | null;
  contribution: Contribution;
  /** Claimed but its difference not confirmed applied (a crash in between). */
  pending: boolean;
}

export interface ContributionClaim {
  code: string;
  /** The revision stored now; null when the subject was never counted. */
  from: number | null;
  revision: number;
  incarnation?: string | null;
  contribution: Contribution;
}

/** Where the counters and each subject's last contribution are kept. */
export interface DelayCounterStore {
  contributions(codes: readonly string[]): Promise<Map<string, StoredContribution>>;
  /** Compare-and-set of each subject's revision; the codes whose claim won. */
  claim(claims: readonly ContributionClaim[]): Promise<Set<string>>;
  /** Adds `delta` to the counters, records the agencies and bumps the counters' version. */
  apply(delta: Contribution, agencies: readonly string[]): Promise<void>;
  /** The claimed revisions are applied. */
  settle(claims: ReadonlyArray<Pick<ContributionClaim, 'code' | 'revision'>>): Promise<void>;
  read(ids: readonly string[]): Promise<Map<string, CounterDocument>>;
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
export async function countSubjects(subjects: readonly CountedSubject[], store: DelayCounterStore, calendar: Calendar): Promise<CountResult> {
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
    const claims: ContributionClaim[] = [];
    for (const s of todo) {
      const prev = stored.get(s.record.code);
      if (prev?.pending) result.unsettled.push(s.record.code);
      const sameSubject = (prev?.incarnation ?? null) === (s.incarnation ?? null);
      if (prev && sameSubject && prev.revision >= s.revision) {
        result.stale += 1;
        continue;
      }
      claims.push({ code: s.record.code, from: prev?.revision ?? null, revision: s.revision, incarnation: s.incarnation ?? null, contribution: contributionOf(s.record, calendar) });
    }
    if (claims.length === 0) break;
    const won = await store.claim(claims);
    const delta: Contribution = new Map();
    const agencies = new Set<string>();
    for (const c of claims) {
      if (!won.has(c.code)) continue;
      for (const [k, n] of contributionDelta(stored.get(c.code)?.contribution ?? null, c.contribution)) delta.set(k, (delta.get(k) ?? 0) + n);
      for (const k of c.contribution.keys()) agencies.add(agencyOfDoc(splitCounterKey(k).doc));
    }
    for (const [k, n] of delta) if (n === 0) delta.delete(k);
    // The roll-up moves in the same write as the detailed counters it sums.
    await store.apply(withRollUp(delta), [...agencies]);
    const settled = claims.filter((c) => won.has(c.code));
    await store.settle(settled);
    result.counted += settled.length;
    const lost = new Set(claims.filter((c) => !won.has(c.code)).map((c) => c.code));
    todo = todo.filter((s) => lost.has(s.record.code));
  }
  return result;
}
