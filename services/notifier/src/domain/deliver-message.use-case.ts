import { createHash } from 'node:crypto';
import { ackToken } from './ack-token';
import { renderAlertMessage, renderDigestMessage, type MessageLinks } from './message-templates';
import type { AlertRecordRepository, Clock, Delivery, DeliveryRepository, EmailSender, Subscription, SubscriptionRepository, WebhookSender } from './notification';

export interface LinkSettings {
  dashboardUrl: string;
  publicUrl: string;
  ackSecret: string;
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
  | { outcome: 'failed'; dead: boolean; error: string; channel: string };

const trimSlash = (u: string) => u.replace(/\/+$/, '');

export function dossierUrl(links: LinkSettings, code: string): string {
  return `${trimSlash(links.dashboardUrl)}/dossiers/${encodeURIComponent(code)}`;
}

export function ackUrl(links: LinkSettings, alertId: string): string {
  return `${trimSlash(links.publicUrl)}/v1/alerts/${encodeURIComponent(alertId)}/ack?token=${ackToken(links.ackSecret, alertId)}`;
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
    const links: MessageLinks = { dossierUrl: dossierUrl(deps.links, record.alert.dossierCode), ackUrl: record.alert.kind === 'warning' ? null : ackUrl(deps.links, record.alertId) };
    const rendered = renderAlertMessage({ alert: record.alert, level: delivery.level, baseLevel: record.baseLevel, lang: sub.language, links });
    message = {
      ...rendered,
      payload: { type: `tthc.alert.${record.alert.kind}`, data: { ...record.alert, recipientLevel: delivery.level, escalatedByNoAck: delivery.level > record.baseLevel, links } },
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
    if (attempt.last) await deps.deliveries.markDead(delivery.id, attempt.number, error);
    else await deps.deliveries.recordFailure(delivery.id, attempt.number, error);
    return { outcome: 'failed', dead: attempt.last, error, channel: delivery.channel };
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
