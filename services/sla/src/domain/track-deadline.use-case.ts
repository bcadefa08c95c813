import type { DossierStateChangedV1 } from '@tthc/contracts';
import { isActive, type DeadlineRepository, type TimerScheduler, type TrackedDeadline } from './deadline';
import { allTimerRefs, stageTag, type TimerPlanner } from './timer-plan';

/** Legal basis given to the single deadline of snapshots from before the lifecycle release. */
export const LEGACY_LEGAL_BASIS = 'ND 118/2025/NĐ-CP (ngày hẹn trả)';

/**
 * The deadlines of one snapshot; `emittedAt` is the snapshot's CloudEvent time. Snapshots from before the lifecycle release carry only the
 * dossier's `dueAt`; it becomes the entry `dossier`, without warning or escalation, because
 * that release raised only the overdue alert.
 */
export function deadlinesFromSnapshot(s: DossierStateChangedV1, emittedAt: Date): TrackedDeadline[] {
  const common = { subjectCode: s.dossierCode, subject: s.subject, agencyCode: s.agencyCode, procedureCode: s.procedureCode, phase: s.phase, revision: s.revision, since: emittedAt, raised: [] };
  if (s.deadlines.length > 0) {
    return s.deadlines.map((e) => ({
      ...common,
      key: e.key,
      kind: e.kind,
      responsibleAgencyCode: e.agencyCode,
      label: e.label,
      legalBasis: e.legalBasis,
      dueAt: new Date(e.dueAt),
      version: e.version,
      status: e.status,
      warn: e.warn,
      escalate: e.escalate,
    }));
  }
  if (!s.dueAt || s.deadlineVersion < 1) return [];
  const dueAt = new Date(s.dueAt);
  const closedLate = s.closedAt !== null && Date.parse(s.closedAt) > dueAt.getTime();
  return [
    {
      ...common,
      key: 'dossier',
      kind: s.subject === 'petition' ? 'petition-answer' : 'dossier',
      responsibleAgencyCode: s.agencyCode,
      label: null,
      legalBasis: LEGACY_LEGAL_BASIS,
      dueAt,
      version: s.deadlineVersion,
      status: s.phase === 'closed' ? (closedLate ? 'missed' : 'met') : s.paused ? 'paused' : 'open',
      warn: false,
      escalate: false,
    },
  ];
}

export type TrackOutcome = { key: string; outcome: 'scheduled' | 'cancelled' };

/**
 * Keeps the timers of every deadline of a subject in line with its newest snapshot. Timers are
 * re-applied on every delivery, redeliveries included, because a crash may have happened
 * between storing the view and scheduling the timer; scheduling is idempotent by job id.
 */
export async function trackSnapshot(
  snapshot: { subjectCode: string; revision: number; deadlines: TrackedDeadline[] },
  deps: { deadlines: DeadlineRepository; timers: TimerScheduler; planner: TimerPlanner },
): Promise<TrackOutcome[]> {
  const out: TrackOutcome[] = [];
  for (const entry of snapshot.deadlines) out.push({ key: entry.key, outcome: await trackOne(entry, deps) });

  // A key missing from a newer snapshot no longer runs: settle it as removed.
  const present = new Set(snapshot.deadlines.map((d) => d.key));
  const stored = await deps.deadlines.listForSubject(snapshot.subjectCode);
  for (const old of stored) {
    if (present.has(old.key) || old.revision >= snapshot.revision || old.status === 'removed') continue;
    out.push({ key: old.key, outcome: await trackOne({ ...old, status: 'removed', revision: snapshot.revision }, deps) });
  }
  return out;
}

async function trackOne(entry: TrackedDeadline, deps: { deadlines: DeadlineRepository; timers: TimerScheduler; planner: TimerPlanner }): Promise<TrackOutcome['outcome']> {
  const { previous, stored } = await deps.deadlines.upsertIfNewer(entry);
  const cancelAll = (d: TrackedDeadline) => Promise.all(allTimerRefs(d, deps.planner.policy).map((t) => deps.timers.cancel(t)));
  if (previous && previous.version !== stored.version) await cancelAll(previous);
  if (!isActive(stored)) {
    await cancelAll(stored);
    return 'cancelled';
  }
  const ref = { subjectCode: stored.subjectCode, key: stored.key, version: stored.version };
  const pending = deps.planner.plan(stored).filter((t) => !stored.raised.includes(stageTag(t)));
  await deps.timers.schedule(pending.map((t) => ({ ref: { ...ref, stage: t.stage, level: t.level }, fireAt: t.fireAt })));
  return 'scheduled';
}
