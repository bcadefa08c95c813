import { overdueAlertId } from '@tthc/contracts';
import type { AlertPublisher, AlertRepository, Clock, DeadlineRepository } from './deadline';

export type CheckOutcome =
  | { outcome: 'unknown' | 'stale' | 'closed' }
  | { outcome: 'not-due-yet'; dueAt: Date }
  | { outcome: 'raised' | 'already-raised'; alertId: string; dueAt: Date };

/**
 * Runs when a deadline timer fires. The state is re-read rather than trusted from the job,
 * and the alert id is derived from the dossier and deadline version, so however often the
 * timer fires (retries, reconciliation, restarts) the alert is stored and published once.
 */
export async function checkDeadline(
  job: { dossierCode: string; deadlineVersion: number },
  deps: { deadlines: DeadlineRepository; alerts: AlertRepository; publisher: AlertPublisher; clock: Clock },
): Promise<CheckOutcome> {
  const d = await deps.deadlines.find(job.dossierCode);
  if (!d) return { outcome: 'unknown' };
  if (d.deadlineVersion !== job.deadlineVersion || !d.dueAt) return { outcome: 'stale' };
  if (d.phase !== 'open') return { outcome: 'closed' };
  const now = deps.clock.now();
  if (now.getTime() < d.dueAt.getTime()) return { outcome: 'not-due-yet', dueAt: d.dueAt };

  const alert = await deps.alerts.insertOnce({
    id: overdueAlertId(d.dossierCode, d.deadlineVersion),
    type: 'dossier.overdue',
    dossierCode: d.dossierCode,
    agencyCode: d.agencyCode,
    procedureCode: d.procedureCode,
    dueAt: d.dueAt,
    deadlineVersion: d.deadlineVersion,
    raisedAt: now,
    reason: 'the dossier is still open after its appointment date (ngày hẹn trả)',
    publishedAt: null,
  });
  await deps.deadlines.markOverdue(d.dossierCode, d.deadlineVersion, alert.raisedAt);
  if (alert.publishedAt) return { outcome: 'already-raised', alertId: alert.id, dueAt: d.dueAt };
  // Publish before marking: a crash in between republishes the same alert id, which
  // consumers recognise, instead of losing it.
  await deps.publisher.publish(alert);
  await deps.alerts.markPublished(alert.id, deps.clock.now());
  return { outcome: 'raised', alertId: alert.id, dueAt: d.dueAt };
}
