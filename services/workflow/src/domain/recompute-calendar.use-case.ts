import type { SubjectKind } from '@tthc/contracts';
import type { StatePublisher, StoredSubject, SubjectDeriver } from './apply-fact.use-case';
import { stampDeadlines, trackedViewOf } from './deadline-stamp';
import { MAIN_DEADLINE_KEY, addBumps, changedDeadlineKeys, mainDueChanged } from './derive-subject';

/** One subject whose deadlines moved with a calendar version. */
export interface AffectedSubject {
  code: string;
  subject: SubjectKind;
  agencyCode: string | null;
  oldDueAt: string | null;
  newDueAt: string | null;
  deadlineKeys: string[];
}

/** Shape of `calendar_audits`; the reporting service serves it as is. */
export interface CalendarAudit {
  _id: string;
  calendarId: string;
  fromVersion: string | null;
  toVersion: string;
  appliedAt: string;
  affected: AffectedSubject[];
  unchangedOpenCount: number;
}

export interface OpenSubjectStore {
  /** Codes of the subjects whose phase is `open` (closed ones stay frozen). */
  listOpenCodes(): Promise<string[]>;
  find(code: string): Promise<StoredSubject | null>;
  replace(doc: StoredSubject, expectedRevision: number, previous?: StoredSubject): Promise<boolean>;
}

export interface CalendarAuditStore {
  exists(id: string): Promise<boolean>;
  /** Idempotent on `_id`. */
  insert(audit: CalendarAudit): Promise<void>;
}

export interface RecomputeDeps {
  subjects: OpenSubjectStore;
  derive: SubjectDeriver;
  publisher: StatePublisher;
  audits: CalendarAuditStore;
}

const MAX_CONFLICT_RETRIES = 20;

/**
 * Re-derives every open subject after the calendars changed (the new version is already
 * active in `derive`), stores and publishes those whose deadlines moved, and records the
 * audit. Closed subjects are never touched: their result stays what it was.
 */
export async function recomputeOpenSubjects(
  change: { auditId: string; calendarId: string; fromVersion: string | null; toVersion: string; appliedAt: string },
  deps: RecomputeDeps,
): Promise<CalendarAudit> {
  const affected: AffectedSubject[] = [];
  let unchangedOpenCount = 0;
  for (const code of await deps.subjects.listOpenCodes()) {
    const result = await recomputeOne(code, change.auditId, deps);
    if (result === 'unchanged') unchangedOpenCount++;
    else if (result !== 'gone') affected.push(result);
  }
  const audit: CalendarAudit = {
    _id: change.auditId,
    calendarId: change.calendarId,
    fromVersion: change.fromVersion,
    toVersion: change.toVersion,
    appliedAt: change.appliedAt,
    affected: affected.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    unchangedOpenCount,
  };
  await deps.audits.insert(audit);
  return audit;
}

async function recomputeOne(code: string, auditId: string, deps: RecomputeDeps): Promise<AffectedSubject | 'unchanged' | 'gone'> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const current = await deps.subjects.find(code);
    // Closed (or removed) since it was listed: frozen, not ours to move.
    if (!current || current.state.phase !== 'open') return 'gone';
    const moved = current.lastCalendarMove;
    // Moved by this very change before the recompute was interrupted: it belongs in the audit.
    if (moved?.auditId === auditId) {
      return { code, subject: current.subject, agencyCode: current.state.agencyCode, oldDueAt: moved.oldDueAt, newDueAt: moved.newDueAt, deadlineKeys: moved.deadlineKeys };
    }
    const plain = deps.derive(current.subject, code, current.history, current.versionBumps);
    const keys = changedDeadlineKeys(current.state, plain);
    const mainMoved = mainDueChanged(current.state, plain);
    if (keys.length === 0 && !mainMoved) return 'unchanged';
    const bumps = addBumps(current.versionBumps, mainMoved ? [...keys, MAIN_DEADLINE_KEY] : keys);
    const state = stampDeadlines(trackedViewOf(current), current.subject, deps.derive(current.subject, code, current.history, bumps), current.revision + 1);
    const move = { auditId, oldDueAt: current.state.dueAt, newDueAt: state.dueAt, deadlineKeys: keys };
    const next: StoredSubject = { ...current, revision: current.revision + 1, state, versionBumps: bumps, lastCalendarMove: move };
    if (await deps.subjects.replace(next, current.revision, current)) {
      await deps.publisher.publish(next);
      return { code, subject: current.subject, agencyCode: state.agencyCode, oldDueAt: move.oldDueAt, newDueAt: move.newDueAt, deadlineKeys: keys };
    }
  }
  throw new Error(`subject ${code}: too many concurrent updates during a calendar recompute`);
}
