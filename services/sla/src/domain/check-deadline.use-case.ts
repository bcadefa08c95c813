import { alertEventType, alertIdFor, type AlertKind } from '@tthc/contracts';
import { horizonEnd, isActive, type AlertRepository, type Clock, type DeadlineRepository, type RelaySignal, type TimerHorizon, type TimerScheduler, type TimerStage, type TrackedDeadline } from './deadline';
import { escalationReason, overdueReason, warningReason } from './alert-text';
import { stageTag, type PlannedTimer, type TimerPlanner } from './timer-plan';
import { holdKeyOf, type BacklogHold, type HoldRelease } from './backlog-hold';

export interface TimerJob {
  dossierCode: string;
  deadlineVersion: number;
  deadlineKey: string;
  stage: TimerStage;
  level: number;
}

/** A stage whose alert a timer's firing stored (or found stored). */
export interface RaisedStage {
  stage: TimerStage;
  level: number;
  alertId: string;
  kind: AlertKind;
  inserted: boolean;
  /** The instant the stage was planned for: how late the alert was is measured from it. */
  fireAt: Date;
}

export type CheckOutcome =
  | { outcome: 'unknown' | 'stale' | 'inactive' }
  | { outcome: 'not-due-yet'; fireAt: Date }
  /** The facts behind sla were still queued when it fired: it looks again at `retryAt` (wall time). */
  | { outcome: 'held'; retryAt: Date }
  | { outcome: 'raised' | 'already-raised'; alertId: string; kind: AlertKind; dueAt: Date; fireAt: Date; raised: RaisedStage[]; held?: { ms: number; reason: HoldRelease } };

const KIND_OF: Record<TimerStage, AlertKind> = { warning: 'warning', due: 'overdue', escalation: 'escalation' };

export type RaiseDeps = { deadlines: DeadlineRepository; alerts: AlertRepository; relay: RelaySignal; clock: Clock; planner: TimerPlanner; timers: TimerScheduler; horizon: TimerHorizon; backlog?: BacklogHold };

/**
 * Runs when a timer fires. The deadline is re-read rather than trusted from the job, and the
 * alert id is derived from (kind, level, subject, key, version), so however often the timer
 * fires (retries, reconciliation, restarts) the alert is stored once. Storing is all the timer
 * waits for: publishing belongs to the relay, which keeps trying for as long as Kafka is away,
 * whereas a timer job gives up after its last attempt.
 *
 * A deadline holds one timer at a time, so once the alert is stored the firing hands over to
 * the next stage (`raiseDueStages`). A repeated firing (`already-raised`) does the hand-over
 * again, since the first may have crashed before it.
 */
export async function checkDeadline(job: TimerJob, deps: RaiseDeps): Promise<CheckOutcome> {
  const key = holdKeyOf(job);
  const outcome = await fire(job, key, deps);
  if (outcome.outcome !== 'held') deps.backlog?.forget(key);
  return outcome;
}

async function fire(job: TimerJob, key: string, deps: RaiseDeps): Promise<CheckOutcome> {
  // A firing already waiting asks before it reads: it read its deadline when it began to wait,
  // and a read every second of every waiting firing would load the store the backlog is
  // already holding up. Released, it reads the deadline as the facts left it.
  let wait = deps.backlog?.isWaiting(key) ? deps.backlog.decide(key) : undefined;
  if (wait?.hold) return { outcome: 'held', retryAt: wait.retryAt };
  const d = await deps.deadlines.find(job.dossierCode, job.deadlineKey);
  if (!d) return { outcome: 'unknown' };
  if (d.version !== job.deadlineVersion) return { outcome: 'stale' };
  if (!isActive(d)) return { outcome: 'inactive' };
  // The instant is recomputed from the stored entry and today's policy, so a timer queued under
  // another configuration neither fires early nor survives a removed stage.
  const planned = deps.planner.plan(d).find((t) => t.stage === job.stage && t.level === job.level);
  if (!planned) return { outcome: 'stale' };
  if (deps.clock.now().getTime() < planned.fireAt.getTime()) return { outcome: 'not-due-yet', fireAt: planned.fireAt };
  // Decided on the deadline as read now; once the backlog is applied the next look reads it
  // again, and a resolution found there makes it stale or inactive above.
  wait ??= deps.backlog?.decide(key, { agencyCode: d.agencyCode, dueAt: d.dueAt, lateArrival: d.since.getTime() >= d.dueAt.getTime() });
  if (wait?.hold) return { outcome: 'held', retryAt: wait.retryAt };
  const raised = await raiseDueStages(d, planned, deps);
  const own = raised[0]!;
  const held = wait && wait.reason !== 'not-waiting' ? { ms: wait.heldMs, reason: wait.reason } : undefined;
  return { outcome: own.inserted ? 'raised' : 'already-raised', alertId: own.alertId, kind: own.kind, dueAt: d.dueAt, fireAt: planned.fireAt, raised, ...(held ? { held } : {}) };
}

/**
 * Stores the alert of `first`, a stage of `d` due by now, and of every later stage also due by
 * now, in the order their timers would have fired, then records them with the next instant in
 * one write and schedules that stage's timer when it falls within the horizon. A deadline
 * tracked weeks after its due instant thus raises its overdue alert and its escalations at
 * once, instead of one timer round trip through Redis each; they reach the relay together, and
 * workflow applies them to the subject in one write. Idempotent like a firing: the alert ids
 * are derived, the tags added as a set.
 */
async function raiseDueStages(d: TrackedDeadline, first: PlannedTimer, deps: RaiseDeps): Promise<RaisedStage[]> {
  const now = deps.clock.now();
  const policy = deps.planner.policy;
  const raised: RaisedStage[] = [];
  let current = d;
  let next: PlannedTimer | null = first;
  while (next && next.fireAt.getTime() <= now.getTime()) {
    const kind = KIND_OF[next.stage];
    const level = next.stage === 'escalation' ? next.level : 0;
    const eventType = alertEventType({ kind, subject: d.subject });
    const reason =
      kind === 'warning' ? warningReason(d, policy.warningLead) : kind === 'overdue' ? overdueReason(d) : escalationReason(d, level, policy.escalationSteps[level - 1]!);
    const { alert, inserted } = await deps.alerts.insertOnce({
      id: alertIdFor({ kind, level, dossierCode: d.subjectCode, deadlineKey: d.key, deadlineVersion: d.version }),
      type: eventType.replace(/^vn\.tthc\./, ''),
      eventType,
      kind,
      level,
      subject: d.subject,
      dossierCode: d.subjectCode,
      deadlineKey: d.key,
      deadlineKind: d.kind,
      agencyCode: d.agencyCode,
      responsibleAgencyCode: d.responsibleAgencyCode,
      procedureCode: d.procedureCode,
      label: d.label,
      dueAt: d.dueAt,
      deadlineVersion: d.version,
      raisedAt: now,
      workingMinutesLate: kind === 'warning' ? 0 : deps.planner.workingMinutesBetween(d, d.dueAt, now),
      reason,
      legalBasis: d.legalBasis,
      publishedAt: null,
    });
    // Also when an earlier firing stored it: that instance may have crashed before publishing,
    // and this relay would otherwise find it only at its next sweep.
    if (!alert.publishedAt) deps.relay.wake();
    raised.push({ stage: next.stage, level: next.level, alertId: alert.id, kind, inserted, fireAt: next.fireAt });
    current = { ...current, raised: [...current.raised, stageTag(next)] };
    next = deps.planner.next(current);
  }
  if (raised.length === 0) return raised;
  await deps.deadlines.markRaised(d, raised.map(stageTag), next?.fireAt ?? null, deps.planner.key());
  if (next && next.fireAt.getTime() <= horizonEnd(deps.horizon).getTime()) {
    await deps.timers.schedule([{ ref: { subjectCode: d.subjectCode, key: d.key, version: d.version, stage: next.stage, level: next.level }, fireAt: next.fireAt }]);
  }
  return raised;
}
