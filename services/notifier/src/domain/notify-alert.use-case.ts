import type { Calendar } from '@tthc/calendar';
import type { SlaAlertV1 } from '@tthc/contracts';
import { ackDeadline, type AckWindow } from './escalate-after';
import { alertDeliveryKey, baseLevelOf, deliveryInstant, isEscalatable, isUrgent, scheduledDelivery, wantsAlert, type DeliveryPolicy } from './delivery-policy';
import {
  MAX_LEVEL,
  type AlertRecord,
  type AlertRecordRepository,
  type Clock,
  type DeliveryRepository,
  type DeliveryScheduler,
  type EscalationScheduler,
  type OpenDossierReader,
  type SubscriptionRepository,
} from './notification';

/** Calendar of a subscription's profile; unknown ids get the national calendar. */
export type CalendarLookup = (calendarId: string) => Calendar;

export interface NotifyDeps {
  subscriptions: SubscriptionRepository;
  deliveries: DeliveryRepository;
  alertRecords: AlertRecordRepository;
  deliveryScheduler: DeliveryScheduler;
  escalationScheduler: EscalationScheduler;
  calendars: CalendarLookup;
  dossiers: Pick<OpenDossierReader, 'isClosed'>;
  clock: Clock;
  policy: DeliveryPolicy & { ackWindow: AckWindow; nationalCalendarId: string };
}

export interface NotifyOutcome {
  level: number;
  /** Deliveries of this level, new or already recorded by an earlier copy of the event. */
  deliveries: number;
  escalationCheckAt: Date | null;
}

/** A new alert: remember it, then tell its first level of recipients. Safe to repeat. */
export async function handleAlert(alert: SlaAlertV1, deps: NotifyDeps): Promise<NotifyOutcome> {
  const baseLevel = baseLevelOf(alert);
  const record = await deps.alertRecords.insertOnce({
    alertId: alert.alertId,
    alert,
    baseLevel,
    notifiedLevel: baseLevel,
    firstSeenAt: deps.clock.now(),
    ackedAt: null,
    ackedBy: null,
    nextEscalation: null,
  });
  return notifyLevel(record, record.baseLevel, deps);
}

/**
 * Records one delivery per matching subscription of `level` (an existing record is kept as it
 * is) and queues those not yet sent, then arms the acknowledgement timer of the next level.
 */
export async function notifyLevel(record: AlertRecord, level: number, deps: NotifyDeps): Promise<NotifyOutcome> {
  const now = deps.clock.now();
  const urgent = isUrgent(level, deps.policy);
  const subs = (await deps.subscriptions.findForLevel(level)).filter((s) => wantsAlert(s, record.alert));
  let earliest: Date | null = null;
  for (const sub of subs) {
    const scheduledFor = deliveryInstant(now, urgent, deps.calendars(sub.calendarId));
    const { delivery } = await deps.deliveries.insertOnce(
      scheduledDelivery(
        {
          id: alertDeliveryKey(record.alertId, sub.id, sub.channel.type, level),
          subscriptionId: sub.id,
          channel: sub.channel.type,
          kind: 'alert',
          alertId: record.alertId,
          level,
          digestDate: null,
          digestItems: [],
          scheduledFor,
          urgent,
        },
        now,
      ),
    );
    // Re-queueing a scheduled delivery is harmless: the job id is the delivery id, and the job
    // re-reads the status before sending.
    if (delivery.status === 'scheduled') await deps.deliveryScheduler.enqueue(delivery.id, delivery.scheduledFor);
    if (!earliest || delivery.scheduledFor < earliest) earliest = delivery.scheduledFor;
  }

  let escalationCheckAt: Date | null = null;
  if (isEscalatable(record.alert) && level < MAX_LEVEL) {
    // The window opens when the first recipient can read the message, not when it was queued.
    const national = deps.calendars(deps.policy.nationalCalendarId);
    const opensAt = earliest ?? deliveryInstant(now, urgent, national);
    const calendar = subs[0] ? deps.calendars(subs[0].calendarId) : national;
    escalationCheckAt = ackDeadline(opensAt, deps.policy.ackWindow, calendar);
    // MongoDB first: if the job is lost (Redis, crash), reconciliation finds the check here.
    await deps.alertRecords.setNextEscalation(record.alertId, { level: level + 1, at: escalationCheckAt });
    await deps.escalationScheduler.scheduleCheck(record.alertId, level + 1, escalationCheckAt);
  } else if (record.nextEscalation) {
    await deps.alertRecords.clearNextEscalation(record.alertId, level);
  }
  return { level, deliveries: subs.length, escalationCheckAt };
}

export type EscalationOutcome = 'unknown-alert' | 'acknowledged' | 'resolved' | 'already-escalated' | 'escalated';

/**
 * The acknowledgement window of `level - 1` has closed: unless someone acknowledged, tell
 * `level`. Each level is claimed once in MongoDB, so a repeated or concurrent check sends
 * nothing twice (and the deliveries are idempotent anyway).
 */
export async function checkEscalation(job: { alertId: string; level: number }, deps: NotifyDeps): Promise<EscalationOutcome> {
  const record = await deps.alertRecords.find(job.alertId);
  if (!record) return 'unknown-alert';
  if (record.ackedAt) return 'acknowledged';
  if (record.notifiedLevel > job.level) return 'already-escalated';
  // A dossier closed in the meantime needs nobody higher up; the first message stays a fact.
  if (await deps.dossiers.isClosed(record.alert.dossierCode)) {
    await deps.alertRecords.clearNextEscalation(job.alertId, job.level);
    return 'resolved';
  }
  const claimed = await deps.alertRecords.claimLevel(job.alertId, job.level);
  if (!claimed) {
    const now = await deps.alertRecords.find(job.alertId);
    return now?.ackedAt ? 'acknowledged' : 'already-escalated';
  }
  await notifyLevel({ ...record, notifiedLevel: job.level }, job.level, deps);
  return 'escalated';
}
