import type { DossierStateChangedV1 } from '@tthc/contracts';
import { horizonEnd, isActive, type DeadlineRepository, type TimerHorizon, type TimerScheduler, type TrackedDeadline } from './deadline';
import { allTimerRefs, type TimerPlanner } from './timer-plan';

/** Legal basis given to the single deadline of snapshots from before the lifecycle release. */
export const LEGACY_LEGAL_BASIS = 'ND 118/2025/NĐ-CP (ngày hẹn trả)';

/**
 * The deadlines of one snapshot; `emittedAt` is the snapshot's CloudEvent time. Snapshots from before the lifecycle release carry only the
 * dossier's `dueAt`; it becomes the entry `dossier`, without warning or escalation, because
 * that release raised only the overdue alert.
 */
export function deadlinesFromSnapshot(s: DossierStateChangedV1, emittedAt: Date): TrackedDeadline[] {
  const siblings = s.deadlines.length > 0 ? s.deadlines.map((e) => e.key) : s.dueAt && s.deadlineVersion >= 1 ? ['dossier'] : [];
  const common = { subjectCode: s.dossierCode, subject: s.subject, agencyCode: s.agencyCode, procedureCode: s.procedureCode, phase: s.phase, revision: s.revision, since: emittedAt, raised: [], siblings };
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
      changedAt: e.changedAt,
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

/**
 * `scheduled`: its next stage's timer is in Redis; `deferred`: that stage fires beyond the
 * horizon and the loader schedules it later; `cancelled`: inactive, no timer.
 */
export type TrackOutcome = { key: string; outcome: 'scheduled' | 'deferred' | 'cancelled' };

export type TrackDeps = { deadlines: DeadlineRepository; timers: TimerScheduler; planner: TimerPlanner; horizon: TimerHorizon };

/**
 * Keeps the timer of every deadline of a subject in line with its newest snapshot. The timer is
 * re-applied on every delivery, redeliveries included, because a crash may have happened
 * between storing the view and scheduling the timer; scheduling is idempotent by job id.
 */
export async function trackSnapshot(snapshot: { subjectCode: string; revision: number; deadlines: TrackedDeadline[] }, deps: TrackDeps): Promise<TrackOutcome[]> {
  const out: TrackOutcome[] = [];
  // The keys the previous snapshot had, from any of its stored entries (null: not known).
  let previousKeys: string[] | null | undefined;
  for (const entry of snapshot.deadlines) {
    const { outcome, previous } = await trackOne(entry, deps);
    out.push({ key: entry.key, outcome });
    if (previous && previousKeys === undefined) previousKeys = previous.siblings;
  }

  // A key missing from a newer snapshot no longer runs: settle it as removed. Stored entries
  // name their siblings, so those keys are read by id; only when that is unknown (documents
  // from before siblings were kept, or a snapshot without entries) is the subject scanned.
  const present = new Set(snapshot.deadlines.map((d) => d.key));
  const stored =
    previousKeys === undefined && snapshot.deadlines.length > 0
      ? [] // every entry is new: nothing stored can be missing
      : previousKeys
        ? (await Promise.all(previousKeys.filter((k) => !present.has(k)).map((k) => deps.deadlines.find(snapshot.subjectCode, k)))).filter((d): d is TrackedDeadline => d !== null)
        : await deps.deadlines.listForSubject(snapshot.subjectCode);
  for (const old of stored) {
    if (present.has(old.key) || old.revision >= snapshot.revision || old.status === 'removed') continue;
    out.push({ key: old.key, outcome: (await trackOne({ ...old, status: 'removed', revision: snapshot.revision }, deps)).outcome });
  }
  return out;
}

// Instances' clocks may disagree by this much about where the horizon ends.
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Whether Redis may hold a timer of this stored view. Most snapshots change a deadline that has
 * none: its next stage fires beyond the horizon, which only moves forward, so neither a consumer
 * nor the loader can have scheduled it; or it is inactive, and its timers were removed by the
 * write that made it so. Removing the five timers of every stage anyway was a Redis script
 * each, a sixth of sla's time under the pipeline bench. Skipping a removal is never wrong, only
 * untidy: a timer left behind fires, finds its version stale or its deadline inactive and does
 * nothing (`checkDeadline`).
 */
function mayHoldTimers(d: TrackedDeadline, horizon: TimerHorizon): boolean {
  if (!isActive(d) || d.nextFireAt === null) return false;
  if (d.nextFireAt === undefined) return true;
  return d.nextFireAt.getTime() <= horizonEnd(horizon).getTime() + CLOCK_SKEW_MS;
}

async function trackOne(entry: TrackedDeadline, deps: TrackDeps): Promise<{ outcome: TrackOutcome['outcome']; previous: TrackedDeadline | null }> {
  // The next instant is written with the view itself, so no reader ever sees the new view
  // with the old instant.
  const { previous, stored } = await deps.deadlines.upsertIfNewer(entry, (d) => deps.planner.next(d)?.fireAt ?? null, deps.planner.key());
  const cancelAll = (d: TrackedDeadline) => Promise.all(allTimerRefs(d, deps.planner.policy).map((t) => deps.timers.cancel(t)));
  // Only timers of the version stored before this write can be in Redis: a timer is scheduled
  // after its view is stored, never before.
  if (previous && mayHoldTimers(previous, deps.horizon)) {
    if (previous.version !== stored.version) await cancelAll(previous);
    else if (!isActive(stored)) await cancelAll(stored);
  }
  if (!isActive(stored)) return { outcome: 'cancelled', previous };
  const next = deps.planner.next(stored);
  if (!next || next.fireAt.getTime() > horizonEnd(deps.horizon).getTime()) return { outcome: 'deferred', previous };
  await deps.timers.schedule([{ ref: { subjectCode: stored.subjectCode, key: stored.key, version: stored.version, stage: next.stage, level: next.level }, fireAt: next.fireAt }]);
  return { outcome: 'scheduled', previous };
}
