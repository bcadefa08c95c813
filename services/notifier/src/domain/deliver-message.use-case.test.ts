import { slaAlertV1 } from '@tthc/contracts';
import { deliverMessage, type DeliverDeps } from './deliver-message.use-case';
import type { AlertRecord, Delivery, OutgoingEmail, Subscription } from './notification';

const now = new Date('2026-03-09T02:00:00Z');
const alert = slaAlertV1.parse({ alertId: 'overdue:D1:v1', dossierCode: 'D1', agencyCode: 'A', procedureCode: 'P', dueAt: '2026-03-06T10:00:00Z', deadlineVersion: 1, raisedAt: '2026-03-06T10:00:00Z', reason: 'late' });

function world(opts: { sendError?: Error; acked?: boolean; level?: number } = {}) {
  const delivery: Delivery = {
    id: 'alert.x.sub_1.email.l0',
    subscriptionId: 'sub_1',
    channel: 'email',
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
  const sub: Subscription = { id: 'sub_1', name: 'N', role: 'agency-manager', agencyCode: 'A', kinds: [], agencies: [], channel: { type: 'email', address: 'boss@agency.test' }, language: 'en', calendarId: 'vn-civil-service', digest: true, createdAt: now };
  const record: AlertRecord = { alertId: alert.alertId, alert, baseLevel: 0, notifiedLevel: 0, firstSeenAt: now, ackedAt: opts.acked ? now : null, ackedBy: opts.acked ? 'x' : null };
  const sent: OutgoingEmail[] = [];
  const deps: DeliverDeps = {
    deliveries: {
      insertOnce: async () => ({ delivery, created: false }),
      find: async () => ({ ...delivery }),
      markSent: async (_id, at, attempts) => Object.assign(delivery, { status: 'sent', sentAt: at, attempts }),
      markDead: async (_id, attempts, error) => Object.assign(delivery, { status: 'dead', attempts, lastError: error }),
      markCancelled: async () => Object.assign(delivery, { status: 'cancelled' }),
      recordFailure: async (_id, attempts, error) => Object.assign(delivery, { attempts, lastError: error }),
    },
    subscriptions: { insert: async () => undefined, find: async () => sub, list: async () => [sub], findForLevel: async () => [sub], findWithDigest: async () => [sub], remove: async () => true },
    alertRecords: { insertOnce: async (r) => r, find: async () => record, ack: async () => record, claimLevel: async () => true },
    email: {
      send: async (mail) => {
        if (opts.sendError) throw opts.sendError;
        sent.push(mail);
      },
    },
    webhook: { send: async () => undefined },
    clock: { now: () => now },
    links: { dashboardUrl: 'https://d', publicUrl: 'https://n', ackSecret: 'secret-secret-123' },
  };
  return { deps, delivery, sent };
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
});
