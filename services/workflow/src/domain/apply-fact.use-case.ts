import type { CatalogEntry } from '@tthc/catalog';
import type { SubjectKind } from '@tthc/contracts';
import { compareFacts, isAlertFact, type Fact, type SubjectStateBase } from './subject';
import { subjectKindOfFact, subjectKindOfHistory, type VersionBump } from './derive-subject';
import type { FactDeadLetters } from './expire-unknown.use-case';
import { stampDeadlines, trackedViewOf, type TrackedView } from './deadline-stamp';
import { checkCodeAgency, checkOwnership, covers, isReceptionFact, receptionAgencyOf, sameSender, settleOwnership, type OwnershipErrorCode } from './ownership';

/** One dossier or petition as workflow stores it. */
export interface StoredSubject {
  code: string;
  subject: SubjectKind;
  revision: number;
  /** Kept in `compareFacts` order, so readers never re-sort it. */
  history: Fact[];
  state: SubjectStateBase;
  /** Calendar-caused deadline version bumps (see `VersionBump`). */
  versionBumps: VersionBump[];
  /** When the first fact of this subject was stored: the unknown-subject grace counts from it. */
  firstStoredAt: string;
  /** The last calendar change that moved this subject's deadlines (lets an interrupted recompute resume its audit). */
  lastCalendarMove?: CalendarMove | undefined;
  /**
   * The calendar versions in force when the subject closed. A closed subject keeps its result,
   * so facts that still arrive for it (a return after the resolution, a late alert) are
   * derived with these rather than with a calendar applied since.
   */
  frozenCalendars?: CalendarPin[] | undefined;
}

export interface CalendarPin {
  calendarId: string;
  version: string;
}

export interface CalendarMove {
  auditId: string;
  oldDueAt: string | null;
  newDueAt: string | null;
  deadlineKeys: string[];
}

/**
 * A stored subject without its derived state: what applying facts reads, since it derives the
 * state again from the history. The state is most of what the store would otherwise send back.
 */
export type SubjectRecord = Omit<StoredSubject, 'state'> & {
  state?: undefined;
  /** The stored fields the deadlines' stamps are carried from (`stampDeadlines`). */
  tracked?: TrackedView | undefined;
};

export interface SubjectRepository {
  /** The subject with its stored state, as published. */
  find(code: string): Promise<StoredSubject | null>;
  /** The subject without its state, for facts to be applied to it. */
  findRecord(code: string): Promise<SubjectRecord | null>;
  /** Inserts revision 1; false when another writer created the subject first. */
  insert(doc: StoredSubject): Promise<boolean>;
  /**
   * Writes `doc` only if the stored revision is still `expectedRevision`. `previous`, the
   * subject as read at that revision, lets the store send only what changed (facts appended to
   * the history rather than the whole history again).
   */
  replace(doc: StoredSubject, expectedRevision: number, previous?: SubjectRecord): Promise<boolean>;
}

export interface StatePublisher {
  publish(subject: StoredSubject): Promise<void>;
}

/** The procedure catalog version in force at an instant (docs/legal-rules.md rule 1). */
export interface ProcedureLookup {
  find(procedureCode: string, at: string): Promise<CatalogEntry | null>;
}

/** Derives the state of a history of the given kind, with the current calendars (or the pinned versions) and rules. */
export type SubjectDeriver = (kind: SubjectKind, code: string, history: readonly Fact[], bumps: readonly VersionBump[], pins?: readonly CalendarPin[]) => SubjectStateBase;

export interface ApplyDeps {
  repo: SubjectRepository;
  publisher: StatePublisher;
  catalog: ProcedureLookup;
  derive: SubjectDeriver;
  /** Where stored facts go when the owner, once known, shows their sender had no say. */
  deadLetters: FactDeadLetters;
  /** The calendar versions in force now, recorded when a subject closes. */
  calendarPins?: () => CalendarPin[];
  /** `CODE_AGENCY_CHECK` (an unconfirmed rule, see `checkCodeAgency`); on unless set false. */
  codeAgencyCheck?: boolean;
  now?: () => Date;
}

/**
 * Why a fact was not applied: a transition no later fact could allow, a sender that does not
 * cover the owner, or an id another key used for this subject before anyone received it.
 */
export type RejectionCode = 'impossible-transition' | OwnershipErrorCode | 'key-conflict';

/** A stored fact taken out of the history once the owner was known, and dead-lettered. */
export interface EvictedFact {
  fact: Fact;
  errorCode: OwnershipErrorCode;
  reason: string;
}

export type ApplyOutcome =
  | { outcome: 'applied'; subject: StoredSubject; evicted: EvictedFact[] }
  | { outcome: 'duplicate'; subject: SubjectRecord | StoredSubject }
  /** The fact can never be applied; it was not stored. */
  | { outcome: 'rejected'; errorCode: RejectionCode; reason: string; subject: SubjectRecord | StoredSubject | null };

const MAX_CONFLICT_RETRIES = 20;

/**
 * Adds a fact to a subject's history and re-derives its state. Idempotent on the fact key;
 * the state is published again for a duplicate, because the first delivery may have stored
 * the fact and crashed before publishing. Concurrent writers are resolved by a
 * compare-and-set on the revision.
 *
 * A fact sent by a key counts only when the key covers the subject's owner (see
 * `ownership.ts`). When a reception makes the owner known, facts stored before it whose
 * sender does not cover that owner are dead-lettered and leave the history. They are
 * dead-lettered before the write, so a crash in between repeats them rather than losing them.
 */
export async function applyFact(code: string, fact: Fact, deps: ApplyDeps): Promise<ApplyOutcome> {
  const [result] = await applyFacts(code, [fact], deps);
  if (!result || 'error' in result) throw result?.error ?? new Error(`subject ${code}: no outcome for ${fact.id}`);
  return result;
}

/** What became of one fact of `applyFacts`: its outcome, or the error deriving it raised. */
export type FactResult = ApplyOutcome | { error: unknown };

/**
 * `applyFact` for several facts of one subject that arrived together, in their order: each is
 * judged against the history its predecessors left, exactly as if applied one after the other,
 * but the subject is read once, written once and its last state published once. A fact that
 * cannot be applied (rejected, or an error deriving it) leaves the history as it was for the
 * next. When another writer moved the subject on in between, all of them are judged again
 * against what it wrote; the fact keys make that safe.
 */
export async function applyFacts(code: string, facts: readonly Fact[], deps: ApplyDeps): Promise<FactResult[]> {
  const enriched = new Map<Fact, Fact>();
  const lettered = new Set<string>();
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const stored = await deps.repo.findRecord(code);
    let current: SubjectRecord | StoredSubject | null = stored;
    let publish = false;
    const results: FactResult[] = [];
    for (const fact of facts) {
      let result: FactResult;
      try {
        result = await judge(code, fact, current, { deps, enriched, lettered });
      } catch (err) {
        result = { error: err };
      }
      results.push(result);
      if ('error' in result || result.outcome === 'rejected') continue;
      publish = true;
      current = result.subject;
    }
    if (current !== stored && current !== null) {
      // Only an applied fact moves `current` on from the record read, and it carries its state.
      const next = current as StoredSubject;
      const written = stored ? await deps.repo.replace(next, stored.revision, stored) : await deps.repo.insert(next);
      if (!written) continue;
    }
    if (publish && current) {
      // Only duplicates left it as read: their subject is published again as stored, which
      // then needs its state (read now, so possibly a newer revision, which is as good).
      const published = current === stored ? await deps.repo.find(code) : (current as StoredSubject);
      if (published) await deps.publisher.publish(published);
    }
    return results;
  }
  throw new Error(`subject ${code}: too many concurrent updates`);
}

/** One fact against the subject as it stands (`current`): the subject it leads to, unwritten. */
async function judge(
  code: string,
  fact: Fact,
  current: SubjectRecord | StoredSubject | null,
  ctx: { deps: ApplyDeps; enriched: Map<Fact, Fact>; lettered: Set<string> },
): Promise<ApplyOutcome> {
  const { deps } = ctx;
  const kind = current?.subject ?? subjectKindOfHistory([fact]) ?? subjectKindOfFact(fact);
  const established = current ? receptionAgencyOf(kind, current.history) : null;
  const known = current?.history.find((f) => f.key === fact.key);
  let displaced: EvictedFact | null = null;
  if (current && known) {
    const second = sameSender(known, fact) || !fact.auth ? { duplicate: true as const } : judgeSecondSender(kind, known, fact, current.history, established);
    if ('errorCode' in second) return { outcome: 'rejected', ...second, subject: current };
    if ('duplicate' in second) return { outcome: 'duplicate', subject: current };
    displaced = second.displaced;
  }
  if (current && !isAlertFact(fact) && subjectKindOfFact(fact) !== current.subject) {
    return { outcome: 'rejected', errorCode: 'impossible-transition', reason: `${fact.type} names ${code}, which is a ${current.subject}`, subject: current };
  }
  const foreignCode = deps.codeAgencyCheck === false ? null : checkCodeAgency(kind, code, fact);
  if (foreignCode) return { outcome: 'rejected', ...foreignCode, subject: current };
  const withCatalog = ctx.enriched.get(fact) ?? (await withLookup(fact, deps.catalog));
  ctx.enriched.set(fact, withCatalog);
  const kept = (current?.history ?? []).filter((f) => f !== displaced?.fact);
  const settled = settleOwnership(kind, [...kept, withCatalog].sort(compareFacts), established);
  const own = settled.violations.find((v) => v.fact === withCatalog);
  if (own) return { outcome: 'rejected', errorCode: own.errorCode, reason: own.reason, subject: current };
  const history = settled.history;
  const evicted: EvictedFact[] = [...(displaced ? [displaced] : []), ...settled.violations.map((v) => ({ fact: v.fact, errorCode: v.errorCode, reason: v.reason }))];
  const bumps = current?.versionBumps ?? [];
  const pins = current?.frozenCalendars;
  const state = deps.derive(kind, code, history, bumps, pins);
  const rejected = state.rejected.find((r) => r.factKey === fact.key);
  if (rejected) return { outcome: 'rejected', errorCode: 'impossible-transition', reason: rejected.reason, subject: current };
  const revision = (current?.revision ?? 0) + 1;
  const next: StoredSubject = {
    code,
    subject: kind,
    revision,
    history,
    state: stampDeadlines(trackedViewOf(current), kind, state, revision),
    versionBumps: bumps,
    firstStoredAt: current?.firstStoredAt ?? (deps.now?.() ?? new Date()).toISOString(),
    lastCalendarMove: current?.lastCalendarMove,
    // Frozen from the moment it closes; a fact that reopens it (a resumption) thaws it.
    frozenCalendars: state.phase === 'closed' ? (pins ?? deps.calendarPins?.()) : undefined,
  };
  for (const e of evicted) {
    if (ctx.lettered.has(e.fact.key)) continue;
    await deps.deadLetters.send(next, e.fact, e.errorCode, e.reason);
    ctx.lettered.add(e.fact.key);
  }
  return { outcome: 'applied', subject: next, evicted };
}

/**
 * A fact whose (source, id) is already stored, sent by another key. Once the owner is known
 * the stored one passed the owner check, so the newcomer is a duplicate if its own key covers
 * the owner too, and a squat otherwise. Before any reception only a reception can tell them
 * apart: it names the owner, so the stored copy stays (and the reception is its duplicate) only
 * if its sender speaks for that owner, and is displaced otherwise; a key cannot block another
 * agency's reception by posting its id first. Any other newcomer is refused with its own code,
 * to be replayed once the reception is in.
 */
function judgeSecondSender(
  kind: SubjectKind,
  known: Fact,
  fact: Fact,
  history: readonly Fact[],
  established: string | null,
): { duplicate: true } | { displaced: EvictedFact } | { errorCode: RejectionCode; reason: string } {
  const from = (f: Fact) => `key ${f.auth?.id ?? '(system)'}`;
  if (established !== null) {
    const swapped = history.map((f) => (f === known ? fact : f));
    return checkOwnership(kind, swapped, swapped.indexOf(fact), established) ?? { duplicate: true };
  }
  if (!isReceptionFact(kind, fact)) {
    return {
      errorCode: 'key-conflict',
      reason: `${fact.type} (${fact.source} ${fact.id}) from ${from(fact)}: ${from(known)} sent that source and id before the ${kind} was received; replay it once the reception is in`,
    };
  }
  const owner = fact.data.agencyCode;
  if (!known.auth || covers(known.auth, owner)) return { duplicate: true };
  return {
    displaced: {
      fact: known,
      errorCode: 'not-owner',
      reason: `${known.type} (${known.id}) sent by ${from(known)} (${known.auth.scope}), which does not cover ${owner}, the agency that received the ${kind}; the reception from ${from(fact)} has the same source and id`,
    },
  };
}

/**
 * The catalog is read once, when the reception is first applied, and kept in the fact: a
 * later re-derivation must give the same answer even after the catalog changed.
 */
async function withLookup(fact: Fact, catalog: ProcedureLookup): Promise<Fact> {
  if (fact.type !== 'vn.tthc.dossier.received' || fact.lookup) return fact;
  const procedure = await catalog.find(fact.data.procedureCode, fact.data.receivedAt);
  return { ...fact, lookup: { procedure } };
}
