import type { Calendar } from '@tthc/calendar';
import type { SlaAlertV1 } from '@tthc/contracts';
import { MAX_LEVEL, type ChannelType, type Delivery, type Subscription } from './notification';

export interface DeliveryPolicy {
  /**
   * Recipient level from which a message is urgent and goes out at once, even outside working
   * time. Everything below waits for the recipient's next working instant.
   */
  urgentLevel: number;
}

/**
 * First recipients of an alert. The SLA service's own escalation level N (still open N
 * working days after due) starts at the N-th role, capped at the reform office; every other
 * alert starts with the agency's manager.
 */
export function baseLevelOf(alert: Pick<SlaAlertV1, 'kind' | 'level'>): number {
  return alert.kind === 'escalation' ? Math.min(Math.max(alert.level, 1), MAX_LEVEL) : 0;
}

/** Warnings are advance notice; only facts of lateness climb when nobody acknowledges them. */
export function isEscalatable(alert: Pick<SlaAlertV1, 'kind'>): boolean {
  return alert.kind !== 'warning';
}

export function isUrgent(level: number, policy: DeliveryPolicy): boolean {
  return level >= policy.urgentLevel;
}

/** Whether a subscription wants this alert: kind filter, then agency scope and narrowing. */
export function wantsAlert(sub: Subscription, alert: Pick<SlaAlertV1, 'kind' | 'agencyCode' | 'responsibleAgencyCode'>): boolean {
  if (sub.kinds.length > 0 && !sub.kinds.includes(alert.kind)) return false;
  const agencies = [alert.agencyCode, alert.responsibleAgencyCode].filter((a): a is string => a !== null);
  return agencies.some((a) => coversAgency(sub, a));
}

export function coversAgency(sub: Pick<Subscription, 'agencyCode' | 'agencies'>, agencyCode: string): boolean {
  if (sub.agencyCode !== '*' && sub.agencyCode !== agencyCode) return false;
  return sub.agencies.length === 0 || sub.agencies.includes(agencyCode);
}

/** The agencies whose dossiers a subscriber's digest lists. */
export function digestScope(sub: Pick<Subscription, 'agencyCode' | 'agencies'>): string[] | '*' {
  if (sub.agencies.length > 0) return sub.agencyCode === '*' ? sub.agencies : sub.agencies.filter((a) => a === sub.agencyCode);
  return sub.agencyCode === '*' ? '*' : [sub.agencyCode];
}

/**
 * When a message may go out: at once when urgent, otherwise at the recipient's next working
 * instant (now, if now is inside a working period; else the next period start, so a Saturday
 * alert waits for Monday morning and a make-up Saturday counts as a working day).
 */
export function deliveryInstant(now: Date, urgent: boolean, calendar: Calendar): Date {
  if (urgent) return now;
  const { start } = calendar.startOfCounting(now);
  return start.getTime() > now.getTime() ? start : now;
}

/**
 * The idempotency key of one message: (alert, subscription, channel, level). It is the MongoDB
 * `_id` of the delivery and the BullMQ job id, so duplicates, restarts and retries meet the
 * same record. BullMQ ids may not contain `:`, which alert ids do.
 */
export function alertDeliveryKey(alertId: string, subscriptionId: string, channel: ChannelType, level: number): string {
  return `alert.${encodeURIComponent(alertId)}.${subscriptionId}.${channel}.l${level}`;
}

export function digestDeliveryKey(localDate: string, subscriptionId: string, channel: ChannelType): string {
  return `digest.${localDate}.${subscriptionId}.${channel}`;
}

/** What a new delivery says: what, to whom, over which channel, and when. */
export type NewDelivery = Omit<Delivery, 'status' | 'sendingSince' | 'attempts' | 'lastError' | 'createdAt' | 'sentAt'>;

/** A delivery created at `now`: scheduled, not yet attempted. */
export function scheduledDelivery(fields: NewDelivery, now: Date): Delivery {
  return { ...fields, status: 'scheduled', sendingSince: null, attempts: 0, lastError: null, createdAt: now, sentAt: null };
}
