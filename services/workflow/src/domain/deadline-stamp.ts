import type { DeadlineEntryV1, SubjectKind } from '@tthc/contracts';
import type { StoredSubject, SubjectRecord } from './apply-fact.use-case';
import { sameInstant } from './derive-subject';
import type { SubjectStateBase } from './subject';

/**
 * What a deadline tracker copies of a subject beside each of its deadlines: the SLA service
 * stores every entry with the subject's kind, agency, procedure, phase and list of keys.
 */
export interface TrackedView {
  subject: SubjectKind;
  agencyCode: string | null;
  procedureCode: string | null;
  phase: SubjectStateBase['phase'];
  deadlines: readonly DeadlineEntryV1[];
}

/** What the subject as read showed the deadline tracker; null when new or not known. */
export function trackedViewOf(current: SubjectRecord | StoredSubject | null): TrackedView | null {
  if (!current) return null;
  if (current.state) return { subject: current.subject, agencyCode: current.state.agencyCode, procedureCode: current.state.procedureCode, phase: current.state.phase, deadlines: current.state.deadlines };
  return current.tracked ?? null;
}

function sameEntry(a: DeadlineEntryV1, b: DeadlineEntryV1): boolean {
  return (
    a.key === b.key &&
    a.kind === b.kind &&
    sameInstant(a.dueAt, b.dueAt) &&
    a.version === b.version &&
    a.status === b.status &&
    a.agencyCode === b.agencyCode &&
    a.label === b.label &&
    a.legalBasis === b.legalBasis &&
    a.warn === b.warn &&
    a.escalate === b.escalate
  );
}

function sameSubject(a: TrackedView, b: TrackedView): boolean {
  return (
    a.subject === b.subject &&
    a.agencyCode === b.agencyCode &&
    a.procedureCode === b.procedureCode &&
    a.phase === b.phase &&
    a.deadlines.length === b.deadlines.length &&
    a.deadlines.every((d, i) => d.key === b.deadlines[i]?.key)
  );
}

/**
 * Gives each deadline of the state written as `revision` the revision since which the tracker's
 * copy of it has not changed (`changedAt`): kept from the revision before when neither the entry
 * nor the subject's tracked fields moved, this revision otherwise. Most new revisions change one
 * deadline or none (a step moves on, an alert is recorded); with the stamp, the SLA service can
 * leave its copy of the others unwritten and still refuse an older snapshot arriving late.
 * `before` must be the subject as stored at `revision - 1` (the write's compare-and-set on the
 * revision makes it so), or null when it is new or not known.
 */
export function stampDeadlines<S extends SubjectStateBase>(before: TrackedView | null, kind: SubjectKind, state: S, revision: number): S {
  const after: TrackedView = { subject: kind, agencyCode: state.agencyCode, procedureCode: state.procedureCode, phase: state.phase, deadlines: state.deadlines };
  const carried = before !== null && sameSubject(before, after) ? before.deadlines : [];
  return {
    ...state,
    deadlines: state.deadlines.map((entry) => {
      const old = carried.find((d) => d.key === entry.key);
      const changedAt = old?.changedAt !== undefined && old.changedAt < revision && sameEntry(old, entry) ? old.changedAt : revision;
      return { ...entry, changedAt };
    }),
  };
}
