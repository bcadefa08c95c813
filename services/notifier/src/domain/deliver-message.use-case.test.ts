import { slaAlertV1 } from '@tthc/contracts';
import { verifyAckToken } from './ack-token';
import { deliverMessage, type DeliverDeps } from './deliver-message.use-case';
import { PermanentDeliveryError, type AlertRecord, type Channel, type Delivery, type OutgoingEmail, type OutgoingWebhook, type Subscription } from './notification';

const now = new Date('2026-03-09T02:00:00Z');
const alert = slaAlertV1.parse({ alertId: 'overdue:D1:v1', dossierCode: 'D1', agencyCode: 'A', procedureCode: 'P', dueAt: '2026-03-06T10:00:00Z', deadlineVersion: 1, raisedAt: '2026-03-06T10:00:00Z', reason: 'late' });

const ACK_SECRET = 'secret-secret-secret-secret-1234';

function world(opts: { sendError?: Error; acked?: boolean; level?: number; channel?: Channel } = {}) {
  const channel = opts.channel ?? { type: 'email', address: 'boss@agency.test' };
  const delivery: Delivery = {
    id: 'alert.x.sub_1.email.l0',
    subscriptionId: 'sub_1',
    channel: channel.type,
    kind: 'alert',
    alertId: alert.alertId,
    level: opts.level ?? 0,
    digestDate: null,
    digestItems: [],
    scheduledFor: now,
    urgent: false,
    status: 'scheduled',
    attempts: 0,
    lastError: null,
    createdAt: now,
    sentAt: null,
  };
  const sub: Subscription = { id: 'sub_1', name: 'N', role: 'agency-manager', agencyCode: 'A', kinds: [], agencies: [], channel, language: 'en', calendarId: 'vn-civil-service', digest: true, createdAt: now, createdByKeyId: null };
  const record: AlertRecord = { alertId: alert.alertId, alert, baseLevel: 0, notifiedLevel: 0, firstSeenAt: now, ackedAt: opts.acked ? now : null, ackedBy: opts.acked ? 'x' : null };
  const sent: OutgoingEmail[] = [];
  const hooks: OutgoingWebhook[] = [];
  const deps: DeliverDeps = {
    deliveries: {
      insertOnce: async () => ({ delivery, created: false }),
      find: async () => ({ ...delivery }),
      markSent: async (_id, at, attempts) => void Object.assign(delivery, { status: 'sent', sentAt: at, attempts }),
      markDead: async (_id, attempts, error) => void Object.assign(delivery, { status: 'dead', attempts, lastError: error }),
      markCancelled: async () => void Object.assign(delivery, { status: 'cancelled' }),
      recordFailure: async (_id, attempts, error) => void Object.assign(delivery, { attempts, lastError: error }),
    },
    subscriptions: { insert: async () => undefined, find: async () => sub, list: async () => [sub], countCreatedBy: async () => 0, findForLevel: async () => [sub], findWithDigest: async () => [sub], remove: async () => true },
    alertRecords: { insertOnce: async (r) => r, find: async () => record, ack: async () => ({ record, changed: false }), claimLevel: async () => true },
    email: {
      send: async (mail) => {
        if (opts.sendError) throw opts.sendError;
        sent.push(mail);
      },
    },
    webhook: {
      send: async (hook) => {
        if (opts.sendError) throw opts.sendError;
        hooks.push(hook);
      },
    },
    clock: { now: () => now },
    links: { dashboardUrl: 'https://d', publicUrl: 'https://n', ackSecret: ACK_SECRET, ackLinkTtlMs: 7 * 86_400_000 },
  };
  return { deps, delivery, sent, hooks };
}

describe('deliver message', () => {
  test('when the SMTP server rejects the recipient on the last attempt, then the delivery is dead and the stored error has no address', async () => {
    const w = world({ sendError: new Error('Can\'t send mail - all recipients were rejected: 550 5.1.1 <boss@agency.test>: unknown') });
    const result = await deliverMessage(w.delivery.id, { number: 8, last: true }, w.deps);
    expect(result).toMatchObject({ outcome: 'failed', dead: true, channel: 'email' });
    expect(w.delivery).toMatchObject({ status: 'dead', attempts: 8 });
    expect(w.delivery.lastError).toBe("Can't send mail - all recipients were rejected: 550 5.1.1 <[address]>: unknown");
  });

  test('when a send fails before the last attempt, then the delivery stays scheduled for the retry', async () => {
    const w = world({ sendError: new Error('connection refused') });
    expect(await deliverMessage(w.delivery.id, { number: 1, last: false }, w.deps)).toMatchObject({ outcome: 'failed', dead: false });
    expect(w.delivery).toMatchObject({ status: 'scheduled', attempts: 1, lastError: 'connection refused' });
  });

  test('when an escalation is due but the alert was acknowledged meanwhile, then nothing is sent', async () => {
    const w = world({ acked: true, level: 1 });
    expect(await deliverMessage(w.delivery.id, { number: 1, last: false }, w.deps)).toEqual({ outcome: 'cancelled', reason: 'acknowledged before escalation' });
    expect(w.sent).toHaveLength(0);
  });

  test('when the delivery was already sent, then a repeated job sends nothing', async () => {
    const w = world();
    expect(await deliverMessage(w.delivery.id, { number: 1, last: false }, w.deps)).toEqual({ outcome: 'sent' });
    expect(await deliverMessage(w.delivery.id, { number: 1, last: false }, w.deps)).toEqual({ outcome: 'skipped', status: 'sent' });
    expect(w.sent).toHaveLength(1);
    expect(w.sent[0]!.messageId).toMatch(/^<[0-9a-f]{32}@tthc-notifier>$/);
  });

  test('when an alert is e-mailed, then its ack link carries a token bound to this alert and recipient that expires after the link TTL', async () => {
    const w = world();
    await deliverMessage(w.delivery.id, { number: 1, last: false }, w.deps);
    const token = /\/v1\/alerts\/overdue%3AD1%3Av1\/ack\?token=([\w.-]+)/.exec(w.sent[0]!.text)?.[1];
    expect(token).toBeDefined();
    expect(verifyAckToken(ACK_SECRET, alert.alertId, token!, now)).toEqual({ valid: true, recipientId: 'sub_1', expiresAt: new Date(now.getTime() + 7 * 86_400_000) });
    expect(verifyAckToken(ACK_SECRET, alert.alertId, token!, new Date(now.getTime() + 7 * 86_400_000))).toEqual({ valid: false, reason: 'expired' });
  });

  test('when an alert goes to a webhook, then the body carries the API ack endpoint and no token', async () => {
    const w = world({ channel: { type: 'webhook', url: 'https://hooks.example.vn/x', secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` } });
    expect(await deliverMessage(w.delivery.id, { number: 1, last: false }, w.deps)).toEqual({ outcome: 'sent' });
    const body = JSON.parse(w.hooks[0]!.body);
    expect(body.data.links).toEqual({ dossierUrl: 'https://d/dossiers/D1', ackEndpoint: 'https://n/v1/alerts/overdue%3AD1%3Av1/ack' });
    expect(w.hooks[0]!.body).not.toMatch(/token/i);
  });

  test('when the sender refuses the address for good, then the first attempt marks the delivery dead', async () => {
    const w = world({ channel: { type: 'webhook', url: 'https://hooks.example.vn/x', secret: 'whsec_x' }, sendError: new PermanentDeliveryError('webhook refused: hooks.example.vn resolves to 10.0.0.1, a private (10.0.0.0/8) address') });
    expect(await deliverMessage(w.delivery.id, { number: 1, last: false }, w.deps)).toMatchObject({ outcome: 'failed', dead: true, permanent: true });
    expect(w.delivery).toMatchObject({ status: 'dead', attempts: 1, lastError: expect.stringContaining('resolves to 10.0.0.1') });
  });
});
