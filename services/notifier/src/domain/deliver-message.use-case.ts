import { createHash } from 'node:crypto';
import { signAckToken } from './ack-token';
import { renderAlertMessage, renderDigestMessage, type MessageLinks } from './message-templates';
import { PermanentDeliveryError, type AlertRecordRepository, type Clock, type Delivery, type DeliveryRepository, type EmailSender, type Subscription, type SubscriptionRepository, type WebhookSender } from './notification';

export interface LinkSettings {
  dashboardUrl: string;
  publicUrl: string;
  ackSecret: string;
  /** How long an e-mailed acknowledgement link works after the message is sent. */
  ackLinkTtlMs: number;
}

export interface DeliverDeps {
  deliveries: DeliveryRepository;
  subscriptions: SubscriptionRepository;
  alertRecords: AlertRecordRepository;
  email: EmailSender;
  webhook: WebhookSender;
  clock: Clock;
  links: LinkSettings;
  /**
   * How long a send may take before its lease counts as abandoned (a crash between taking it
   * and recording the outcome). Longer than any send can last, so a live send is never doubled.
   */
  sendLeaseMs: number;
}

export type DeliverOutcome =
  /** `resumed`: an abandoned lease was taken over, so the recipient may have had it already. */
  | { outcome: 'sent'; resumed: boolean; channel: string }
  | { outcome: 'skipped'; status: string }
  | { outcome: 'cancelled'; reason: string }
  | { outcome: 'not-yet'; at: Date }
  /** Another worker holds the send lease until `at`; look again then. */
  | { outcome: 'in-flight'; at: Date }
  /** Sent, but the `sent` mark could not be stored: the caller must remember `sentAt` and retry the mark only. */
  | { outcome: 'unrecorded'; sentAt: Date; error: string }
  | { outcome: 'failed'; dead: boolean; permanent: boolean; error: string; channel: string };

export interface DeliveryAttempt {
  /** The job's own attempt number (1-based). */
  number: number;
  /** Attempts a delivery gets in all, across jobs (a job recreated after Redis loss starts at 1 again). */
  max: number;
  /** Set when an earlier run of this job sent the message but could not record it. */
  sentAt?: Date | undefined;
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

export function dossierUrl(links: LinkSettings, code: string): string {
  return `${trimSlash(links.dashboardUrl)}/dossiers/${encodeURIComponent(code)}`;
}

/** The API endpoint acknowledging an alert with a key: what webhook receivers are given. */
export function ackEndpoint(links: LinkSettings, alertId: string): string {
  return `${trimSlash(links.publicUrl)}/v1/alerts/${encodeURIComponent(alertId)}/ack`;
}

/** The e-mail's link: opens a confirmation page; only the page's POST acknowledges. */
export function ackUrl(links: LinkSettings, alertId: string, recipientId: string, now: Date): string {
  const token = signAckToken(links.ackSecret, { alertId, recipientId, expiresAt: new Date(now.getTime() + links.ackLinkTtlMs) });
  return `${ackEndpoint(links, alertId)}?token=${token}`;
}

/**
 * Sends one recorded delivery. The record, not the job, is the truth: a final record is left
 * alone, so a repeated or recreated job never sends twice. The send happens under a lease taken
 * in MongoDB right before talking to the server; the only window for a second copy is a crash
 * after the server accepted the message and before `sent` is stored. A lease older than
 * `sendLeaseMs` is such a crash (or one before the send): it is taken over and the message sent
 * again with the same Message-ID / webhook-id (at least once), reported as `resumed`.
 * Attempts are counted on the record, so a job recreated after Redis loss does not start over.
 */
export async function deliverMessage(deliveryId: string, attempt: DeliveryAttempt, deps: DeliverDeps): Promise<DeliverOutcome> {
  const delivery = await deps.deliveries.find(deliveryId);
  if (!delivery) return { outcome: 'skipped', status: 'missing' };
  const now = deps.clock.now();
  if (delivery.status === 'sending' && attempt.sentAt) {
    await deps.deliveries.markSent(delivery.id, attempt.sentAt, delivery.attempts);
    return { outcome: 'sent', resumed: false, channel: delivery.channel };
  }
  let resumed = false;
  if (delivery.status === 'sending') {
    const leaseEnds = new Date((delivery.sendingSince ?? delivery.scheduledFor).getTime() + deps.sendLeaseMs);
    if (leaseEnds.getTime() > now.getTime()) return { outcome: 'in-flight', at: leaseEnds };
    resumed = true;
  } else if (delivery.status !== 'scheduled') {
    return { outcome: 'skipped', status: delivery.status };
  }
  if (delivery.scheduledFor.getTime() > now.getTime()) return { outcome: 'not-yet', at: delivery.scheduledFor };
  const number = Math.max(attempt.number, delivery.attempts + 1);
  const last = number >= attempt.max;

  const sub = await deps.subscriptions.find(delivery.subscriptionId);
  if (!sub) return cancel(delivery, 'subscription deleted', deps);
  if (sub.channel.type !== delivery.channel) return cancel(delivery, 'channel changed', deps);

  let message: { subject: string; text: string; html: string; payload: Record<string, unknown> };
  if (delivery.kind === 'alert') {
    const record = delivery.alertId ? await deps.alertRecords.find(delivery.alertId) : null;
    if (!record) return cancel(delivery, 'alert unknown', deps);
    // An escalation is moot once someone acknowledged; the first message is a fact and still goes.
    if (delivery.level > record.baseLevel && record.ackedAt) return cancel(delivery, 'acknowledged before escalation', deps);
    const acknowledgeable = record.alert.kind !== 'warning';
    // Only an e-mail carries a signed link: a webhook body is stored and forwarded by systems we
    // do not know, so its receiver acknowledges through the API with its own key.
    const mailLink = acknowledgeable && sub.channel.type === 'email' ? ackUrl(deps.links, record.alertId, sub.id, deps.clock.now()) : null;
    const links: MessageLinks = { dossierUrl: dossierUrl(deps.links, record.alert.dossierCode), ackUrl: mailLink };
    const rendered = renderAlertMessage({ alert: record.alert, level: delivery.level, baseLevel: record.baseLevel, lang: sub.language, links });
    const hookLinks = { dossierUrl: links.dossierUrl, ackEndpoint: acknowledgeable ? ackEndpoint(deps.links, record.alertId) : null };
    message = {
      ...rendered,
      payload: { type: `tthc.alert.${record.alert.kind}`, data: { ...record.alert, recipientLevel: delivery.level, escalatedByNoAck: delivery.level > record.baseLevel, links: hookLinks } },
    };
  } else {
    const rendered = renderDigestMessage({ date: delivery.digestDate ?? '', items: delivery.digestItems, lang: sub.language, dossierUrl: (code) => dossierUrl(deps.links, code) });
    message = { ...rendered, payload: { type: 'tthc.digest', data: { date: delivery.digestDate, items: delivery.digestItems } } };
  }

  // Taken after rendering, so the lease covers the send and nothing else.
  const from = delivery.status === 'sending' ? { status: 'sending' as const, since: delivery.sendingSince ?? delivery.scheduledFor } : { status: 'scheduled' as const };
  if (!(await deps.deliveries.claimSend(delivery.id, from, deps.clock.now(), number))) return { outcome: 'skipped', status: 'claimed-elsewhere' };

  try {
    await send(sub, delivery, message, deps);
  } catch (err) {
    // SMTP rejections quote the recipient; the address is personal data and stays out of logs.
    const error = redact(err);
    const dead = last || err instanceof PermanentDeliveryError;
    if (dead) await deps.deliveries.markDead(delivery.id, number, error);
    else await deps.deliveries.recordFailure(delivery.id, number, error);
    return { outcome: 'failed', dead, permanent: err instanceof PermanentDeliveryError, error, channel: delivery.channel };
  }
  const sentAt = deps.clock.now();
  try {
    await deps.deliveries.markSent(delivery.id, sentAt, number);
  } catch (err) {
    return { outcome: 'unrecorded', sentAt, error: redact(err) };
  }
  return { outcome: 'sent', resumed, channel: delivery.channel };
}

const redact = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/[^\s<>()"',;:@]+@[^\s<>()"',;:@]+/g, '[address]');

async function send(sub: Subscription, delivery: Delivery, message: { subject: string; text: string; html: string; payload: Record<string, unknown> }, deps: DeliverDeps): Promise<void> {
  if (sub.channel.type === 'email') {
    const digest = createHash('sha256').update(delivery.id).digest('hex').slice(0, 32);
    await deps.email.send({ to: sub.channel.address, subject: message.subject, text: message.text, html: message.html, messageId: `<${digest}@tthc-notifier>` });
    return;
  }
  const body = JSON.stringify({ type: message.payload.type, timestamp: deps.clock.now().toISOString(), data: { deliveryId: delivery.id, language: sub.language, subject: message.subject, ...(message.payload.data as object) } });
  await deps.webhook.send({ url: sub.channel.url, secret: sub.channel.secret, id: delivery.id, body });
}

async function cancel(delivery: Delivery, reason: string, deps: DeliverDeps): Promise<DeliverOutcome> {
  await deps.deliveries.markCancelled(delivery.id, reason);
  return { outcome: 'cancelled', reason };
}
