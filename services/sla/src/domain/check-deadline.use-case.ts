import { alertEventType, alertIdFor, type AlertKind } from '@tthc/contracts';
import { horizonEnd, isActive, type AlertRepository, type Clock, type DeadlineRepository, type RelaySignal, type TimerHorizon, type TimerScheduler, type TimerStage } from './deadline';
import { escalationReason, overdueReason, warningReason } from './alert-text';
import { stageTag, type TimerPlanner } from './timer-plan';

export interface TimerJob {
  dossierCode: string;
  deadlineVersion: number;
  deadlineKey: string;
  stage: TimerStage;
  level: number;
}

export type CheckOutcome =
  | { outcome: 'unknown' | 'stale' | 'inactive' }
  | { outcome: 'not-due-yet'; fireAt: Date }
  | { outcome: 'raised' | 'already-raised'; alertId: string; kind: AlertKind; dueAt: Date; fireAt: Date };

const KIND_OF: Record<TimerStage, AlertKind> = { warning: 'warning', due: 'overdue', escalation: 'escalation' };

/**
 * Runs when a timer fires. The deadline is re-read rather than trusted from the job, and the
 * alert id is derived from (kind, level, subject, key, version), so however often the timer
 * fires (retries, reconciliation, restarts) the alert is stored once. Storing is all the timer
 * waits for: publishing belongs to the relay, which keeps trying for as long as Kafka is away,
 * whereas a timer job gives up after its last attempt.
 *
 * A deadline holds one timer at a time, so once the alert is stored the firing hands over to
 * the next stage: it records the next instant and, within the horizon, schedules that timer.
 * A repeated firing (`already-raised`) does the hand-over again, since the first may have
 * crashed before it.
 */
export async function checkDeadline(
  job: TimerJob,
  deps: { deadlines: DeadlineRepository; alerts: AlertRepository; relay: RelaySignal; clock: Clock; planner: TimerPlanner; timers: TimerScheduler; horizon: TimerHorizon },
): Promise<CheckOutcome> {
  const d = await deps.deadlines.find(job.dossierCode, job.deadlineKey);
  if (!d) return { outcome: 'unknown' };
  if (d.version !== job.deadlineVersion) return { outcome: 'stale' };
  if (!isActive(d)) return { outcome: 'inactive' };
  // The instant is recomputed from the stored entry and today's policy, so a timer queued under
  // another configuration neither fires early nor survives a removed stage.
  const planned = deps.planner.plan(d).find((t) => t.stage === job.stage && t.level === job.level);
  if (!planned) return { outcome: 'stale' };
  const now = deps.clock.now();
  if (now.getTime() < planned.fireAt.getTime()) return { outcome: 'not-due-yet', fireAt: planned.fireAt };

  const kind = KIND_OF[job.stage];
  const level = job.stage === 'escalation' ? job.level : 0;
  const eventType = alertEventType({ kind, subject: d.subject });
  const policy = deps.planner.policy;
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
  const tag = stageTag(job);
  const planKey = deps.planner.key();
  const next = deps.planner.next({ ...d, raised: [...d.raised, tag] });
  await deps.deadlines.markRaised(d, tag, next?.fireAt ?? null, planKey);
  if (next && next.fireAt.getTime() <= horizonEnd(deps.horizon).getTime()) {
    await deps.timers.schedule([{ ref: { subjectCode: d.subjectCode, key: d.key, version: d.version, stage: next.stage, level: next.level }, fireAt: next.fireAt }]);
  }
  const result = { alertId: alert.id, kind, dueAt: d.dueAt, fireAt: planned.fireAt };
  return { outcome: inserted ? 'raised' : 'already-raised', ...result };
}
