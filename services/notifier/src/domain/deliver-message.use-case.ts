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
}

export type DeliverOutcome =
  | { outcome: 'sent' }
  | { outcome: 'skipped'; status: string }
  | { outcome: 'cancelled'; reason: string }
  | { outcome: 'not-yet'; at: Date }
  | { outcome: 'failed'; dead: boolean; permanent: boolean; error: string; channel: string };

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
 * Sends one recorded delivery. The record, not the job, is the truth: anything but a
 * `scheduled` record is left alone, so a repeated job never sends twice. `attempt.last` says
 * whether BullMQ will retry a failure; after the last one the record is marked `dead`.
 */
export async function deliverMessage(deliveryId: string, attempt: { number: number; last: boolean }, deps: DeliverDeps): Promise<DeliverOutcome> {
  const delivery = await deps.deliveries.find(deliveryId);
  if (!delivery) return { outcome: 'skipped', status: 'missing' };
  if (delivery.status !== 'scheduled') return { outcome: 'skipped', status: delivery.status };
  if (delivery.scheduledFor.getTime() > deps.clock.now().getTime()) return { outcome: 'not-yet', at: delivery.scheduledFor };

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

  try {
    await send(sub, delivery, message, deps);
  } catch (err) {
    // SMTP rejections quote the recipient; the address is personal data and stays out of logs.
    const error = (err instanceof Error ? err.message : String(err)).replace(/[^\s<>()"',;:@]+@[^\s<>()"',;:@]+/g, '[address]');
    const dead = attempt.last || err instanceof PermanentDeliveryError;
    if (dead) await deps.deliveries.markDead(delivery.id, attempt.number, error);
    else await deps.deliveries.recordFailure(delivery.id, attempt.number, error);
    return { outcome: 'failed', dead, permanent: err instanceof PermanentDeliveryError, error, channel: delivery.channel };
  }
  await deps.deliveries.markSent(delivery.id, deps.clock.now(), attempt.number);
  return { outcome: 'sent' };
}

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
