import type { CatalogEntry } from '@tthc/catalog';
import type { SubjectKind } from '@tthc/contracts';
import { compareFacts, type Fact, type SubjectStateBase } from './subject';
import { isAlertFact, subjectKindOfFact, subjectKindOfHistory, type VersionBump } from './derive-subject';

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

export interface SubjectRepository {
  find(code: string): Promise<StoredSubject | null>;
  /** Inserts revision 1; false when another writer created the subject first. */
  insert(doc: StoredSubject): Promise<boolean>;
  /** Writes `doc` only if the stored revision is still `expectedRevision`. */
  replace(doc: StoredSubject, expectedRevision: number): Promise<boolean>;
}

export interface StatePublisher {
  publish(subject: StoredSubject): Promise<void>;
}

/** The procedure catalog version in force at an instant (vn-rules §6 rule 1). */
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
  /** The calendar versions in force now, recorded when a subject closes. */
  calendarPins?: () => CalendarPin[];
  now?: () => Date;
}

export type ApplyOutcome =
  | { outcome: 'applied' | 'duplicate'; subject: StoredSubject }
  /** The fact can never be applied; it was not stored. */
  | { outcome: 'rejected'; reason: string; subject: StoredSubject | null };

const MAX_CONFLICT_RETRIES = 20;

/**
 * Adds a fact to a subject's history and re-derives its state. Idempotent on the fact key;
 * the state is published again for a duplicate, because the first delivery may have stored
 * the fact and crashed before publishing. Concurrent writers are resolved by a
 * compare-and-set on the revision.
 */
export async function applyFact(code: string, fact: Fact, deps: ApplyDeps): Promise<ApplyOutcome> {
  let enriched: Fact | null = null;
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const current = await deps.repo.find(code);
    if (current?.history.some((f) => f.key === fact.key)) {
      await deps.publisher.publish(current);
      return { outcome: 'duplicate', subject: current };
    }
    const kind = current?.subject ?? subjectKindOfHistory([fact]) ?? subjectKindOfFact(fact);
    if (current && !isAlertFact(fact) && subjectKindOfFact(fact) !== current.subject) {
      return { outcome: 'rejected', reason: `${fact.type} names ${code}, which is a ${current.subject}`, subject: current };
    }
    enriched ??= await withLookup(fact, deps.catalog);
    const history = [...(current?.history ?? []), enriched].sort(compareFacts);
    const bumps = current?.versionBumps ?? [];
    const pins = current?.frozenCalendars;
    const state = deps.derive(kind, code, history, bumps, pins);
    const rejected = state.rejected.find((r) => r.factKey === fact.key);
    if (rejected) return { outcome: 'rejected', reason: rejected.reason, subject: current };
    const next: StoredSubject = {
      code,
      subject: kind,
      revision: (current?.revision ?? 0) + 1,
      history,
      state,
      versionBumps: bumps,
      firstStoredAt: current?.firstStoredAt ?? (deps.now?.() ?? new Date()).toISOString(),
      lastCalendarMove: current?.lastCalendarMove,
      // Frozen from the moment it closes; a fact that reopens it (a resumption) thaws it.
      frozenCalendars: state.phase === 'closed' ? (pins ?? deps.calendarPins?.()) : undefined,
    };
    const written = current ? await deps.repo.replace(next, current.revision) : await deps.repo.insert(next);
    if (written) {
      await deps.publisher.publish(next);
      return { outcome: 'applied', subject: next };
    }
  }
  throw new Error(`subject ${code}: too many concurrent updates`);
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
