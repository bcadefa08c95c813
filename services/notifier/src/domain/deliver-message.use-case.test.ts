import { slaAlertV1 } from '@tthc/contracts';
import { verifyAckToken } from './ack-token';
import { deliverMessage, type DeliverDeps } from './deliver-message.use-case';
import { PermanentDeliveryError, type AlertRecord, type Channel, type Delivery, type OutgoingEmail, type OutgoingWebhook, type Subscription } from './notification';

const now = new Date('2026-03-09T02:00:00Z');
const alert = slaAlertV1.parse({ alertId: 'overdue:D1:v1', dossierCode: 'D1', agencyCode: 'A', procedureCode: 'P', dueAt: '2026-03-06T10:00:00Z', deadlineVersion: 1, raisedAt: '2026-03-06T10:00:00Z', reason: 'late' });

const ACK_SECRET = 'secret-secret-secret-secret-1234';
const LEASE_MS = 120_000;
const OPEN = ['scheduled', 'sending'];

function world(opts: { sendError?: Error; acked?: boolean; level?: number; channel?: Channel; markSentError?: Error; delivery?: Partial<Delivery>; clock?: { now(): Date } } = {}) {
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
    sendingSince: null,
    attempts: 0,
    lastError: null,
    createdAt: now,
    sentAt: null,
    ...opts.delivery,
  };
  const sub: Subscription = { id: 'sub_1', name: 'N', role: 'agency-manager', agencyCode: 'A', kinds: [], agencies: [], channel, language: 'en', calendarId: 'vn-civil-service', digest: true, createdAt: now, createdByKeyId: null };
  const record: AlertRecord = { alertId: alert.alertId, alert, baseLevel: 0, notifiedLevel: 0, firstSeenAt: now, ackedAt: opts.acked ? now : null, ackedBy: opts.acked ? 'x' : null, nextEscalation: null };
  // The same conditional transitions as the MongoDB repository.
  const when = (from: string[], change: Partial<Delivery>) => {
    if (from.includes(delivery.status)) Object.assign(delivery, change);
  };
  const sent: OutgoingEmail[] = [];
  const hooks: OutgoingWebhook[] = [];
  const deps: DeliverDeps = {
    deliveries: {
      insertOnce: async () => ({ delivery, created: false }),
      find: async () => ({ ...delivery }),
      claimSend: async (_id, from, at, attempts) => {
        const free = from.status === 'scheduled' ? delivery.status === 'scheduled' : delivery.status === 'sending' && delivery.sendingSince?.getTime() === from.since.getTime();
        if (free) Object.assign(delivery, { status: 'sending', sendingSince: at, attempts });
        return free;
      },
      markSent: async (_id, at, attempts) => {
        if (opts.markSentError) throw opts.markSentError;
        when(OPEN, { status: 'sent', sentAt: at, attempts, sendingSince: null });
      },
      markDead: async (_id, attempts, error) => when(OPEN, { status: 'dead', attempts, lastError: error, sendingSince: null }),
      markCancelled: async () => when(OPEN, { status: 'cancelled', sendingSince: null }),
      recordFailure: async (_id, attempts, error) => when(['sending'], { status: 'scheduled', attempts, lastError: error, sendingSince: null }),
      listOpen: async () => ({ items: [], next: null }),
    },
    subscriptions: { insert: async () => undefined, find: async () => sub, list: async () => [sub], countCreatedBy: async () => 0, findForLevel: async () => [sub], findWithDigest: async () => [sub], remove: async () => true },
    alertRecords: {
      insertOnce: async (r) => r,
      find: async () => record,
      ack: async () => ({ record, changed: false }),
      claimLevel: async () => true,
      setNextEscalation: async () => undefined,
      clearNextEscalation: async () => undefined,
      listPendingEscalations: async () => ({ items: [], next: null }),
    },
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
    clock: opts.clock ?? { now: () => now },
    links: { dashboardUrl: 'https://d', publicUrl: 'https://n', ackSecret: ACK_SECRET, ackLinkTtlMs: 7 * 86_400_000 },
    sendLeaseMs: LEASE_MS,
  };
  return { deps, delivery, sent, hooks };
}

describe('deliver message', () => {
  test('when the SMTP server rejects the recipient on the last attempt, then the delivery is dead and the stored error has no address', async () => {
    const w = world({ sendError: new Error('Can\'t send mail - all recipients were rejected: 550 5.1.1 <boss@agency.test>: unknown') });
    const result = await deliverMessage(w.delivery.id, { number: 8, max: 8 }, w.deps);
    expect(result).toMatchObject({ outcome: 'failed', dead: true, channel: 'email' });
    expect(w.delivery).toMatchObject({ status: 'dead', attempts: 8 });
    expect(w.delivery.lastError).toBe("Can't send mail - all recipients were rejected: 550 5.1.1 <[address]>: unknown");
  });

  test('when a send fails before the last attempt, then the delivery stays scheduled for the retry', async () => {
    const w = world({ sendError: new Error('connection refused') });
    expect(await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)).toMatchObject({ outcome: 'failed', dead: false });
    expect(w.delivery).toMatchObject({ status: 'scheduled', attempts: 1, lastError: 'connection refused' });
  });

  test('when an escalation is due but the alert was acknowledged meanwhile, then nothing is sent', async () => {
    const w = world({ acked: true, level: 1 });
    expect(await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)).toEqual({ outcome: 'cancelled', reason: 'acknowledged before escalation' });
    expect(w.sent).toHaveLength(0);
  });

  test('when the delivery was already sent, then a repeated job sends nothing', async () => {
    const w = world();
    expect(await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)).toEqual({ outcome: 'sent', resumed: false, channel: 'email' });
    expect(await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)).toEqual({ outcome: 'skipped', status: 'sent' });
    expect(w.sent).toHaveLength(1);
    expect(w.sent[0]!.messageId).toMatch(/^<[0-9a-f]{32}@tthc-notifier>$/);
  });

  test('when an alert is e-mailed, then its ack link carries a token bound to this alert and recipient that expires after the link TTL', async () => {
    const w = world();
    await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps);
    const token = /\/v1\/alerts\/overdue%3AD1%3Av1\/ack\?token=([\w.-]+)/.exec(w.sent[0]!.text)?.[1];
    expect(token).toBeDefined();
    expect(verifyAckToken(ACK_SECRET, alert.alertId, token!, now)).toEqual({ valid: true, recipientId: 'sub_1', expiresAt: new Date(now.getTime() + 7 * 86_400_000) });
    expect(verifyAckToken(ACK_SECRET, alert.alertId, token!, new Date(now.getTime() + 7 * 86_400_000))).toEqual({ valid: false, reason: 'expired' });
  });

  test('when an alert goes to a webhook, then the body carries the API ack endpoint and no token', async () => {
    const w = world({ channel: { type: 'webhook', url: 'https://hooks.example.vn/x', secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` } });
    expect(await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)).toEqual({ outcome: 'sent', resumed: false, channel: 'webhook' });
    const body = JSON.parse(w.hooks[0]!.body);
    expect(body.data.links).toEqual({ dossierUrl: 'https://d/dossiers/D1', ackEndpoint: 'https://n/v1/alerts/overdue%3AD1%3Av1/ack' });
    expect(w.hooks[0]!.body).not.toMatch(/token/i);
  });

  test('when the sender refuses the address for good, then the first attempt marks the delivery dead', async () => {
    const w = world({ channel: { type: 'webhook', url: 'https://hooks.example.vn/x', secret: 'whsec_x' }, sendError: new PermanentDeliveryError('webhook refused: hooks.example.vn resolves to 10.0.0.1, a private (10.0.0.0/8) address') });
    expect(await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)).toMatchObject({ outcome: 'failed', dead: true, permanent: true });
    expect(w.delivery).toMatchObject({ status: 'dead', attempts: 1, lastError: expect.stringContaining('resolves to 10.0.0.1') });
  });

  test('when another worker holds a fresh send lease, then nothing is sent and the job is told to look again when the lease ends', async () => {
    const since = new Date(now.getTime() - 30_000);
    const w = world({ delivery: { status: 'sending', sendingSince: since, attempts: 1 } });
    expect(await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)).toEqual({ outcome: 'in-flight', at: new Date(since.getTime() + LEASE_MS) });
    expect(w.sent).toHaveLength(0);
    expect(w.delivery).toMatchObject({ status: 'sending', sendingSince: since });
  });

  test('when a send lease outlived the lease time (a crash mid-send), then it is taken over and sent once more with the same Message-ID, reported as resumed', async () => {
    const first = world();
    await deliverMessage(first.delivery.id, { number: 1, max: 8 }, first.deps);
    const crashed = world({ delivery: { status: 'sending', sendingSince: new Date(now.getTime() - LEASE_MS - 1), attempts: 1 } });
    expect(await deliverMessage(crashed.delivery.id, { number: 1, max: 8 }, crashed.deps)).toEqual({ outcome: 'sent', resumed: true, channel: 'email' });
    expect(crashed.sent).toHaveLength(1);
    expect(crashed.sent[0]!.messageId).toBe(first.sent[0]!.messageId);
    expect(crashed.delivery).toMatchObject({ status: 'sent', attempts: 2, sendingSince: null });
  });

  test('when two workers run the same scheduled delivery at once, then only the one holding the lease sends', async () => {
    const w = world();
    const outcomes = await Promise.all([deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps), deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)]);
    expect(outcomes).toEqual(expect.arrayContaining([{ outcome: 'sent', resumed: false, channel: 'email' }, { outcome: 'skipped', status: 'claimed-elsewhere' }]));
    expect(w.sent).toHaveLength(1);
  });

  test('when the sent mark cannot be stored, then the outcome is unrecorded and the retry that knows the send instant stores it without sending again', async () => {
    const w = world({ markSentError: new Error('connection <boss@agency.test> closed') });
    const outcome = await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps);
    expect(outcome).toEqual({ outcome: 'unrecorded', sentAt: now, error: 'connection <[address]> closed' });
    expect(w.delivery.status).toBe('sending');
    const retry = { ...w.deps, deliveries: { ...w.deps.deliveries, markSent: async (_id: string, at: Date, attempts: number) => void Object.assign(w.delivery, { status: 'sent', sentAt: at, attempts }) } };
    expect(await deliverMessage(w.delivery.id, { number: 2, max: 8, sentAt: now }, retry)).toEqual({ outcome: 'sent', resumed: false, channel: 'email' });
    expect(w.sent).toHaveLength(1);
    expect(w.delivery).toMatchObject({ status: 'sent', sentAt: now });
  });

  test('when a job recreated after Redis loss starts its attempts over, then the attempts stored on the record still lead to the last one', async () => {
    const w = world({ sendError: new Error('connection refused'), delivery: { attempts: 7, lastError: 'connection refused' } });
    expect(await deliverMessage(w.delivery.id, { number: 1, max: 8 }, w.deps)).toMatchObject({ outcome: 'failed', dead: true });
    expect(w.delivery).toMatchObject({ status: 'dead', attempts: 8 });
  });
});
