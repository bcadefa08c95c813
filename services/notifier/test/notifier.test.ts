import mongoose, { type Connection } from 'mongoose';
import { JOB_NAMES, dutyPeriodCode, topicsFor } from '@tthc/contracts';
import { ControllableClock, requireEnv, startKafkaProbe, startSmtpSink, uniqueName, waitFor, withDatabase, type SmtpSink } from '@tthc/testkit';
import { createApp, DIGEST_SCHEDULER_ID } from '../src/app';
import { loadConfig } from '../src/config';
import { escalationJobId } from '../src/data-access/job-schedulers.bullmq';
import { alertPublisher, buildAlert, startWebhookReceiver, verifyStandardWebhook } from './support';

// Before roles, an agency list without a role was a portal key and could manage subscriptions
// and acknowledge; the manager key is now an agency-manager key as it was meant to be.
const MANAGER_KEY = 'manager-key-a1';
const REFORM_KEY = 'reform-office-key';
const PORTAL_KEY = 'portal-key-a1';
const PROVINCE_KEY = 'reform-office-g01-key';
const namespace = uniqueName('notifier');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
const topics = topicsFor(namespace);
// Monday 2026-03-09 09:00 in Hà Nội: inside a working period.
const WORKING_MONDAY = '2026-03-09T09:00:00+07:00';
const clock = new ControllableClock(WORKING_MONDAY);

let sink: SmtpSink;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let publisher: Awaited<ReturnType<typeof alertPublisher>>;
let app: ReturnType<typeof createApp>;
let url = '';
let mongo: Connection;

function baseEnv(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PORT: '0',
    KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
    KAFKA_TOPIC_NAMESPACE: namespace,
    CONSUMER_GROUP: `${namespace}-notifier`,
    MONGO_URL: mongoUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    QUEUE_PREFIX: namespace,
    API_KEYS: `${MANAGER_KEY}:A1,A2,A10:agency-manager;${REFORM_KEY}:*;${PORTAL_KEY}:A1,A2,A10:portal;${PROVINCE_KEY}:G01.*:reform-office`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    MAIL_FROM: 'Giám sát hạn <monitor@tthc.test>',
    DASHBOARD_URL: 'https://dash.tthc.test/dashboard',
    PUBLIC_URL: 'https://notifier.tthc.test',
    ACK_SECRET: 'test-ack-secret-0123456789',
    DELIVERY_ATTEMPTS: '3',
    DELIVERY_BACKOFF_MS: '50',
    ESCALATE_AFTER: '2s',
  };
}

// The webhook receiver listens on 127.0.0.1, which the default configuration refuses.
function config(overrides: Record<string, string> = {}) {
  return loadConfig({ ...baseEnv(), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', ...overrides });
}

interface SubscriptionAnswer {
  id: string;
  createdByKeyId?: string;
  channel: { secret?: string };
  errors?: Array<{ pointer: string; detail: string }>;
}

async function subscribe(body: Record<string, unknown>, key = REFORM_KEY) {
  const res = await fetch(`${url}/v1/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as SubscriptionAnswer };
}

const email = (address: string, agencyCode: string, extra: Record<string, unknown> = {}) => ({
  name: 'Trần Thị B',
  role: 'agency-manager',
  agencyCode,
  channel: { type: 'email', address },
  ...extra,
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const deliveries = (filter: Record<string, unknown>) => mongo.collection('deliveries').find(filter).toArray();
const auditEntries = (filter: Record<string, unknown>) => mongo.collection('audit_log').find(filter).toArray();
/** The path and query of the ack link in a mail's text. */
const ackLinkOf = (text: string) => /https:\/\/notifier\.tthc\.test(\/v1\/alerts\/\S+)/.exec(text)![1]!;
const tokenOf = (link: string) => new URL(link, 'http://x').searchParams.get('token')!;
const pathOf = (link: string) => link.split('?')[0]!;
const postForm = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
const firstDelivery = (filter: Record<string, unknown>) => waitFor(`delivery ${JSON.stringify(filter)}`, async () => (await deliveries(filter))[0]);

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver((path, nth) => (path === '/flaky' ? (nth <= 2 ? 500 : 200) : path === '/down' ? 503 : 200));
  app = createApp(config(), { clock });
  url = (await app.start()).url;
  publisher = await alertPublisher(requireEnv('KAFKA_BROKERS'), topics.alerts);
  mongo = await mongoose.createConnection(mongoUrl).asPromise();
});

afterAll(async () => {
  await publisher?.stop();
  await app?.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await receiver?.stop();
  await sink?.stop();
});

beforeEach(() => clock.set(WORKING_MONDAY));

describe('notifier e-mail', () => {
  test('when an overdue alert reaches a Vietnamese and an English subscriber, then each gets one e-mail in its language naming the facts and links', async () => {
    expect((await subscribe(email('vi.a1@agency.test', 'A1'), MANAGER_KEY)).status).toBe(201);
    expect((await subscribe(email('en.a1@agency.test', 'A1', { language: 'en' }), MANAGER_KEY)).status).toBe(201);
    const alert = buildAlert({ dossierCode: 'A1-260306-0001', agencyCode: 'A1', deadlineKey: 'step:2', deadlineKind: 'step', label: 'Thẩm định', responsibleAgencyCode: 'A1.TD' });
    await publisher.publish(alert);

    const [vi] = await waitFor('Vietnamese mail', () => sink.mailTo('vi.a1@agency.test').length === 1 && sink.mailTo('vi.a1@agency.test'));
    const [en] = await waitFor('English mail', () => sink.mailTo('en.a1@agency.test').length === 1 && sink.mailTo('en.a1@agency.test'));
    expect(vi!.from).toBe('monitor@tthc.test');
    expect(vi!.subject).toBe('[Quá hạn] Hồ sơ A1-260306-0001 — TTHC 1.001234');
    for (const part of ['17:00 ngày 06/03/2026 (giờ Việt Nam, GMT+7)', 'Thời gian trễ: 1 ngày 2 giờ làm việc', 'Thẩm định — A1.TD', 'Căn cứ pháp lý: QĐ 766/QĐ-TTg; ND 118/2025/NĐ-CP (hẹn trả)', 'https://dash.tthc.test/dashboard/dossiers/A1-260306-0001']) {
      expect(vi!.text).toContain(part);
    }
    expect(vi!.text).toMatch(new RegExp(`https://notifier\\.tthc\\.test/v1/alerts/${encodeURIComponent(alert.alertId)}/ack\\?token=[\\w-]+`));
    expect(vi!.html).toContain('href="https://dash.tthc.test/dashboard/dossiers/A1-260306-0001"');
    expect(en!.subject).toBe('[Overdue] Dossier A1-260306-0001 — procedure 1.001234');
    for (const part of ['6 March 2026, 17:00 (Vietnam time, GMT+7)', 'Working time late: 1 working day 2 working hours', 'Responsible step / agency: Thẩm định — A1.TD', 'Acknowledge this alert: https://notifier.tthc.test/v1/alerts/']) {
      expect(en!.text).toContain(part);
    }
    expect(en!.html).toContain('<html lang="en">');
  });

  test('when the same alert event arrives several times, then the subscriber gets exactly one e-mail for it', async () => {
    await subscribe(email('dup@agency.test', 'A5'));
    const alert = buildAlert({ dossierCode: 'A5-0001', agencyCode: 'A5' });
    await publisher.publish(alert, 3);
    await waitFor('first mail', () => sink.mailTo('dup@agency.test').length >= 1);
    await publisher.publish(alert);
    // Same Kafka key, so this second fact is consumed after every copy of the first.
    const next = buildAlert({ dossierCode: 'A5-0001', agencyCode: 'A5', deadlineVersion: 2 });
    await publisher.publish(next);
    await waitFor('mail of the next fact', () => sink.mailTo('dup@agency.test').length >= 2);
    await waitFor('both deliveries sent', async () => (await deliveries({ alertId: { $in: [alert.alertId, next.alertId] }, status: 'sent' })).length === 2);
    expect(sink.mailTo('dup@agency.test')).toHaveLength(2);
    expect(await deliveries({ alertId: alert.alertId })).toHaveLength(1);
  });
});

describe('notifier webhooks', () => {
  test('when an alert goes to a webhook, then it carries a Standard Webhooks signature that the reference library (standardwebhooks) accepts', async () => {
    const created = await subscribe({ name: 'Hệ thống điều hành', role: 'agency-manager', agencyCode: 'A2', channel: { type: 'webhook', url: receiver.url('/ok') } }, MANAGER_KEY);
    expect(created.status).toBe(201);
    const secret = created.body.channel.secret!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const alert = buildAlert({ dossierCode: 'A2-0001', agencyCode: 'A2' });
    await publisher.publish(alert);

    const [hook] = await waitFor('webhook call', () => receiver.to('/ok').length > 0 && receiver.to('/ok'));
    // The service's clock stands still on a working Monday: the signature is checked at that instant.
    const at = clock.now().getTime();
    expect(verifyStandardWebhook(secret, hook!.headers, hook!.body, at)).toBe(true);
    expect(verifyStandardWebhook(secret, hook!.headers, hook!.body.replace('A2-0001', 'A2-0002'), at)).toBe(false);
    expect(verifyStandardWebhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, hook!.headers, hook!.body, at)).toBe(false);
    expect(verifyStandardWebhook(secret, hook!.headers, hook!.body, at + 3600_000)).toBe(false);
    const [record] = await deliveries({ alertId: alert.alertId });
    expect(hook!.headers['webhook-id']).toBe(record!._id);
    const body = JSON.parse(hook!.body);
    expect(body.type).toBe('tthc.alert.overdue');
    expect(body.data).toMatchObject({ alertId: alert.alertId, dossierCode: 'A2-0001', workingMinutesLate: 600, recipientLevel: 0 });
    expect(body.data.links).toEqual({ dossierUrl: 'https://dash.tthc.test/dashboard/dossiers/A2-0001', ackEndpoint: `https://notifier.tthc.test/v1/alerts/${encodeURIComponent(alert.alertId)}/ack` });
    // Webhook receivers acknowledge with their own key; a signed link would be stored and forwarded with the body.
    expect(hook!.body).not.toMatch(/token/i);
  });

  test('when the receiver fails twice and then answers 200, then the message is retried with the same webhook-id and sent once', async () => {
    await subscribe({ name: 'Flaky', role: 'agency-manager', agencyCode: 'A3', channel: { type: 'webhook', url: receiver.url('/flaky') } });
    const alert = buildAlert({ dossierCode: 'A3-0001', agencyCode: 'A3' });
    await publisher.publish(alert);
    const record = await waitFor('delivery sent', async () => (await deliveries({ alertId: alert.alertId, status: 'sent' }))[0]);
    expect(record.attempts).toBe(3);
    const calls = receiver.to('/flaky');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['webhook-id']))).toEqual(new Set([record._id]));
  });

  test('when the receiver keeps failing, then after the last attempt the delivery is dead, counted and not retried', async () => {
    await subscribe({ name: 'Down', role: 'agency-manager', agencyCode: 'A4', channel: { type: 'webhook', url: receiver.url('/down') } });
    const alert = buildAlert({ dossierCode: 'A4-0001', agencyCode: 'A4' });
    await publisher.publish(alert);
    const record = await waitFor('delivery dead', async () => (await deliveries({ alertId: alert.alertId, status: 'dead' }))[0]);
    expect(record.attempts).toBe(3);
    expect(record.lastError).toBe('webhook answered 503');
    const job = await app.deliveryQueue.getJob(String(record._id));
    await waitFor('job failed for good', async () => (await job!.getState()) === 'failed');
    expect(receiver.to('/down')).toHaveLength(3);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/notifier_dead_deliveries_total\{[^}]*channel="webhook"[^}]*\} 1/);
  });
});

describe('calendar-aware delivery', () => {
  test('when a non-urgent alert is raised on a Saturday, then it is scheduled for Monday at the first working period start and not sent before', async () => {
    clock.set('2026-03-07T10:00:00+07:00');
    await subscribe(email('sat@agency.test', 'A6'));
    const alert = buildAlert({ dossierCode: 'A6-0001', agencyCode: 'A6', raisedAt: '2026-03-07T10:00:00+07:00' });
    await publisher.publish(alert);
    const record = await firstDelivery({ alertId: alert.alertId });
    expect(new Date(record.scheduledFor).toISOString()).toBe(new Date('2026-03-09T08:00:00+07:00').toISOString());
    expect(record.status).toBe('scheduled');
    const job = await app.deliveryQueue.getJob(String(record._id));
    expect(await job!.getState()).toBe('delayed');
    expect(job!.opts.delay).toBe(new Date('2026-03-09T08:00:00+07:00').getTime() - clock.now().getTime());
    expect(sink.mailTo('sat@agency.test')).toHaveLength(0);
  });

  test('when the Saturday is a make-up working day (2026-01-10), then the alert is delivered the same instant', async () => {
    clock.set('2026-01-10T10:00:00+07:00');
    await subscribe(email('makeup@agency.test', 'A6B'));
    const alert = buildAlert({ dossierCode: 'A6B-0001', agencyCode: 'A6B', raisedAt: '2026-01-10T10:00:00+07:00' });
    await publisher.publish(alert);
    await waitFor('mail on the make-up Saturday', () => sink.mailTo('makeup@agency.test').length === 1);
    const [record] = await deliveries({ alertId: alert.alertId });
    expect(new Date(record!.scheduledFor).toISOString()).toBe(clock.now().toISOString());
  });

  test('when an SLA escalation reaches the reform office on a Sunday night, then it is urgent and sent at once', async () => {
    clock.set('2026-03-08T22:00:00+07:00');
    await subscribe(email('reform.a6c@province.test', '*', { role: 'reform-office', agencies: ['A6C'] }));
    const alert = buildAlert({ dossierCode: 'A6C-0001', agencyCode: 'A6C', kind: 'escalation', level: 2 });
    await publisher.publish(alert);
    const [mail] = await waitFor('urgent mail', () => sink.mailTo('reform.a6c@province.test').length === 1 && sink.mailTo('reform.a6c@province.test'));
    expect(mail!.subject).toBe('[Quá hạn kéo dài] Hồ sơ A6C-0001 — TTHC 1.001234');
    const [record] = await deliveries({ alertId: alert.alertId });
    expect(record).toMatchObject({ urgent: true, level: 2 });
  });
});

describe('morning digest', () => {
  test('when the digest runs on a working day, then each subscriber gets one list of open overdue and at-risk dossiers, and nothing on a day off', async () => {
    expect(await app.maintenanceQueue.getJobScheduler(DIGEST_SCHEDULER_ID)).toMatchObject({ pattern: '30 7 * * *', tz: 'Asia/Ho_Chi_Minh' });
    await subscribe(email('digest@agency.test', 'A7', { kinds: ['warning'] }));
    const due = new Date('2026-03-06T10:00:00Z');
    await mongo.collection('dossiers').insertMany([
      { _id: 'A7-OVERDUE' as never, agencyCode: 'A7', procedureCode: 'P1', phase: 'open', dueAt: due, overdue: true, atRisk: false },
      { _id: 'A7-RISK' as never, agencyCode: 'A7', procedureCode: 'P2', phase: 'open', dueAt: due, overdue: false, atRisk: true },
      { _id: 'A7-CLOSED' as never, agencyCode: 'A7', procedureCode: 'P3', phase: 'closed', dueAt: due, overdue: true },
      { _id: 'A7-FINE' as never, agencyCode: 'A7', procedureCode: 'P4', phase: 'open', dueAt: due, overdue: false },
      { _id: 'A8-OVERDUE' as never, agencyCode: 'A8', procedureCode: 'P5', phase: 'open', dueAt: due, overdue: true },
    ]);
    clock.set('2026-03-09T07:30:00+07:00');
    await app.maintenanceQueue.add(JOB_NAMES.sendDigests, { reason: 'test' }, { jobId: 'digest-monday' });
    const [mail] = await waitFor('digest', () => sink.mailTo('digest@agency.test').length === 1 && sink.mailTo('digest@agency.test'));
    expect(mail!.subject).toBe('[Tổng hợp 2026-03-09] 1 hồ sơ quá hạn, 1 hồ sơ sắp đến hạn');
    expect(mail!.text).toContain('A7-OVERDUE');
    expect(mail!.text).toContain('https://dash.tthc.test/dashboard/dossiers/A7-RISK');
    for (const absent of ['A7-CLOSED', 'A7-FINE', 'A8-OVERDUE']) expect(mail!.text).not.toContain(absent);

    clock.set('2026-04-30T07:30:00+07:00'); // Ngày Chiến thắng, a holiday
    const job = await app.maintenanceQueue.add(JOB_NAMES.sendDigests, { reason: 'test' }, { jobId: 'digest-holiday' });
    const result = await waitFor('holiday run', async () => ((await app.maintenanceQueue.getJob(job.id!))?.returnvalue ?? undefined) as { queued: number; dayOff: number } | undefined);
    expect(result.queued).toBe(0);
    expect(result.dayOff).toBeGreaterThan(0);
    expect(sink.mailTo('digest@agency.test')).toHaveLength(1);
  });
});

describe('escalation', () => {
  test('when nobody acknowledges an overdue alert, then it goes to the agency head and then the reform office, each once', async () => {
    await subscribe(email('mgr.a9@agency.test', 'A9'));
    await subscribe(email('head.a9@agency.test', 'A9', { role: 'agency-head' }));
    await subscribe(email('reform.a9@province.test', '*', { role: 'reform-office', agencies: ['A9'], language: 'en' }));
    const alert = buildAlert({ dossierCode: 'A9-0001', agencyCode: 'A9' });
    await publisher.publish(alert);
    await waitFor('manager mail', () => sink.mailTo('mgr.a9@agency.test').length === 1);
    const [head] = await waitFor('head mail', () => sink.mailTo('head.a9@agency.test').length === 1 && sink.mailTo('head.a9@agency.test'), { timeoutMs: 20_000 });
    expect(head!.subject).toBe('[Chuyển cấp 1] [Quá hạn] Hồ sơ A9-0001 — TTHC 1.001234');
    const [reform] = await waitFor('reform office mail', () => sink.mailTo('reform.a9@province.test').length === 1 && sink.mailTo('reform.a9@province.test'), { timeoutMs: 20_000 });
    expect(reform!.subject).toBe('[Escalated to level 2] [Overdue] Dossier A9-0001 — procedure 1.001234');
    const record = await mongo.collection('alert_acks').findOne({ _id: alert.alertId as never });
    expect(record).toMatchObject({ notifiedLevel: 2, ackedAt: null });
    const lastCheck = await app.maintenanceQueue.getJob(escalationJobId(alert.alertId, 2));
    await waitFor('level-2 check finished', async () => (await lastCheck!.getState()) === 'completed');
    expect([sink.mailTo('mgr.a9@agency.test').length, sink.mailTo('head.a9@agency.test').length, sink.mailTo('reform.a9@province.test').length]).toEqual([1, 1, 1]);
  });

  test('when the manager opens the mailed ack link, then the page acknowledges nothing, its form POST acknowledges for that recipient and the agency head is not told', async () => {
    const manager = await subscribe(email('mgr.a10@agency.test', 'A10'), MANAGER_KEY);
    await subscribe(email('head.a10@agency.test', 'A10', { role: 'agency-head' }), MANAGER_KEY);
    const alert = buildAlert({ dossierCode: 'A10-0001', agencyCode: 'A10' });
    await publisher.publish(alert);
    const [mail] = await waitFor('manager mail', () => sink.mailTo('mgr.a10@agency.test').length === 1 && sink.mailTo('mgr.a10@agency.test'));
    const link = ackLinkOf(mail!.text);
    const forged = await fetch(`${url}${link.replace(/token=[\w.-]+/, 'token=forged')}`);
    expect(forged.status).toBe(403);

    // What a mail scanner's prefetch does: it must change nothing.
    const page = await fetch(`${url}${link}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/script-src|unsafe-inline/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<form method="post" action="ack">');
    expect(html).toContain('Xác nhận / Acknowledge');
    expect(html).not.toContain('<script');
    expect(await mongo.collection('alert_acks').findOne({ _id: alert.alertId as never })).toMatchObject({ ackedAt: null, ackedBy: null });

    const ack = await postForm(pathOf(link), `token=${encodeURIComponent(tokenOf(link))}`);
    expect(ack.status).toBe(200);
    expect(ack.headers.get('cache-control')).toBe('no-store');
    expect(await ack.text()).toContain('Alert acknowledged at');
    const check = await waitFor('level-1 check', async () => {
      const job = await app.maintenanceQueue.getJob(escalationJobId(alert.alertId, 1));
      return (job?.returnvalue ?? undefined) as string | undefined;
    });
    expect(check).toBe('acknowledged');
    expect(sink.mailTo('head.a10@agency.test')).toHaveLength(0);
    const viaApi = await fetch(`${url}/v1/alerts/${encodeURIComponent(alert.alertId)}/ack`, { method: 'POST', headers: auth(MANAGER_KEY) });
    // The first acknowledgement stays: the record names the link's recipient, not "an e-mail link".
    expect(await viaApi.json()).toMatchObject({ alertId: alert.alertId, ackedBy: `link:${manager.body.id}` });
    const audit = await auditEntries({ action: 'alert.acknowledged', target: alert.alertId });
    expect(audit).toEqual([expect.objectContaining({ actor: `link:${manager.body.id}`, role: 'agency-manager', agencyCode: 'A10', details: expect.objectContaining({ via: 'link' }) })]);
    const again = await postForm(pathOf(link), `token=${encodeURIComponent(tokenOf(link))}`);
    expect(await again.text()).toContain('This alert was already acknowledged at');
    expect(await auditEntries({ action: 'alert.acknowledged', target: alert.alertId })).toHaveLength(1);
  });

  test('when a link is used after its TTL, on another alert, after its subscription was deleted or without a token, then nothing is acknowledged', async () => {
    const first = await subscribe(email('mgr.a15@agency.test', 'A15'), REFORM_KEY);
    expect(first.status).toBe(201);
    const other = buildAlert({ dossierCode: 'A15-0002', agencyCode: 'A15' });
    const alert = buildAlert({ dossierCode: 'A15-"><script>alert(1)</script>', agencyCode: 'A15' });
    await publisher.publish(alert);
    await publisher.publish(other);
    await waitFor('two mails', () => sink.mailTo('mgr.a15@agency.test').length === 2);
    const mail = sink.mailTo('mgr.a15@agency.test').find((m) => m.text.includes(encodeURIComponent(alert.alertId)))!;
    const link = ackLinkOf(mail.text);
    const token = tokenOf(link);

    const page = await (await fetch(`${url}${link}`)).text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&#60;script&#62;');

    const elsewhere = await postForm(`/v1/alerts/${encodeURIComponent(other.alertId)}/ack`, `token=${encodeURIComponent(token)}`);
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ type: 'urn:tthc:problem:invalid-ack-token' });

    clock.set('2026-03-16T09:00:01+07:00'); // seven days and a second after the mail went out
    const expired = await postForm(pathOf(link), `token=${encodeURIComponent(token)}`);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({ type: 'urn:tthc:problem:ack-link-expired' });
    const inBrowser = await fetch(`${url}${link}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(inBrowser.status).toBe(403);
    expect(inBrowser.headers.get('content-type')).toContain('text/html');
    expect(await inBrowser.text()).toContain('Liên kết xác nhận đã hết hạn.');

    clock.set(WORKING_MONDAY);
    expect((await fetch(`${url}/v1/subscriptions/${first.body.id}`, { method: 'DELETE', headers: auth(REFORM_KEY) })).status).toBe(204);
    const revoked = await postForm(pathOf(link), `token=${encodeURIComponent(token)}`);
    expect(revoked.status).toBe(403);
    expect(await revoked.json()).toMatchObject({ type: 'urn:tthc:problem:ack-link-revoked' });
    expect((await postForm(pathOf(link), '')).status).toBe(400);
    expect(await mongo.collection('alert_acks').countDocuments({ _id: { $in: [alert.alertId, other.alertId] } as never, ackedAt: { $ne: null } })).toBe(0);
  });

  test('when the dossier closes before the acknowledgement window ends, then the agency head is not told', async () => {
    await subscribe(email('mgr.a14@agency.test', 'A14'));
    await subscribe(email('head.a14@agency.test', 'A14', { role: 'agency-head' }));
    const alert = buildAlert({ dossierCode: 'A14-0001', agencyCode: 'A14' });
    await publisher.publish(alert);
    await waitFor('manager mail', () => sink.mailTo('mgr.a14@agency.test').length === 1);
    await mongo.collection('dossiers').insertOne({ _id: 'A14-0001' as never, agencyCode: 'A14', phase: 'closed', overdue: true });
    const check = await waitFor('level-1 check', async () => ((await app.maintenanceQueue.getJob(escalationJobId(alert.alertId, 1)))?.returnvalue ?? undefined) as string | undefined);
    expect(check).toBe('resolved');
    expect(sink.mailTo('head.a14@agency.test')).toHaveLength(0);
  });

  test('when a duty period is fulfilled before the acknowledgement window ends, then the agency head is not told', async () => {
    await subscribe(email('mgr.a16d@agency.test', 'A16D'));
    await subscribe(email('head.a16d@agency.test', 'A16D', { role: 'agency-head' }));
    const code = dutyPeriodCode({ dutyId: 'leaders-dialogue', agencyCode: 'A16D', period: '2026-H1' });
    const alert = buildAlert({ dossierCode: code, agencyCode: 'A16D', subject: 'duty', kind: 'overdue', deadlineKey: 'duty', deadlineKind: 'duty', procedureCode: null });
    await publisher.publish(alert);
    await waitFor('manager mail', () => sink.mailTo('mgr.a16d@agency.test').length === 1);
    // As sla records a fulfilment: the period in duty_periods with its evidence; no dossier exists.
    await mongo.collection('duty_periods').insertOne({ _id: code as never, dutyId: 'leaders-dialogue', agencyCode: 'A16D', period: '2026-H1', fulfilment: { date: '2026-07-02', minutes: 'Biên bản 1', link: null } });
    const check = await waitFor('level-1 check', async () => ((await app.maintenanceQueue.getJob(escalationJobId(alert.alertId, 1)))?.returnvalue ?? undefined) as string | undefined);
    expect(check).toBe('resolved');
    expect(sink.mailTo('head.a16d@agency.test')).toHaveLength(0);
  });

  test('when a key acknowledges through the API, then only alerts of its agencies are visible', async () => {
    await subscribe(email('mgr.a11@agency.test', 'A11'));
    const alert = buildAlert({ dossierCode: 'A11-0001', agencyCode: 'A11' });
    await publisher.publish(alert);
    await waitFor('alert recorded', async () => (await mongo.collection('alert_acks').countDocuments({ _id: alert.alertId as never })) === 1);
    const path = `${url}/v1/alerts/${encodeURIComponent(alert.alertId)}/ack`;
    const foreign = await fetch(path, { method: 'POST', headers: { authorization: `Bearer ${MANAGER_KEY}` } });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(path, { method: 'POST' })).status).toBe(401);
    const own = await fetch(path, { method: 'POST', headers: { authorization: `Bearer ${REFORM_KEY}` } });
    expect(await own.json()).toMatchObject({ alertId: alert.alertId, ackedBy: expect.stringMatching(/^api-key:[0-9a-f]{16}$/) });
    expect(await auditEntries({ action: 'alert.acknowledged', target: alert.alertId })).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/^key:[0-9a-f]{16}$/), role: 'reform-office', agencyCode: 'A11', details: expect.objectContaining({ via: 'api', dossierCode: 'A11-0001' }) }),
    ]);
  });

  test("when a portal key of the alert's own agency tries to acknowledge it, then it is refused with 403 and the alert keeps climbing", async () => {
    await subscribe(email('mgr.a1p@agency.test', 'A1'), MANAGER_KEY);
    const alert = buildAlert({ dossierCode: 'A1-PORTAL-0001', agencyCode: 'A1' });
    await publisher.publish(alert);
    await waitFor('alert recorded', async () => (await mongo.collection('alert_acks').countDocuments({ _id: alert.alertId as never })) === 1);
    const res = await fetch(`${url}/v1/alerts/${encodeURIComponent(alert.alertId)}/ack`, { method: 'POST', headers: auth(PORTAL_KEY) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: 'urn:tthc:problem:forbidden', status: 403 });
    expect(await mongo.collection('alert_acks').findOne({ _id: alert.alertId as never })).toMatchObject({ ackedAt: null });
    const byManager = await fetch(`${url}/v1/alerts/${encodeURIComponent(alert.alertId)}/ack`, { method: 'POST', headers: auth(MANAGER_KEY) });
    expect(await byManager.json()).toMatchObject({ ackedBy: expect.stringMatching(/^api-key:/) });
  });
});

describe('subscriptions API and service surface', () => {
  test('when a subscription is invalid, then the answer is problem+json naming every bad field', async () => {
    const res = await subscribe({ name: '', role: 'mayor', agencyCode: 'A1', channel: { type: 'email', address: 'not-an-address' }, language: 'fr', extra: 1 }, MANAGER_KEY);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    const pointers = (res.body.errors ?? []).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/name', '/role', '/channel/address', '/language']));
    const badSecret = await subscribe({ name: 'x', role: 'agency-manager', agencyCode: 'A1', channel: { type: 'webhook', url: receiver.url('/ok'), secret: 'plain' } }, MANAGER_KEY);
    expect(badSecret.body.errors).toEqual([{ pointer: '/channel/secret', detail: 'must be whsec_ followed by base64' }]);
  });

  test('when keys differ, then each lists, creates and deletes only within its agencies', async () => {
    expect((await subscribe(email('x@agency.test', 'A99'), MANAGER_KEY)).status).toBe(403);
    expect((await subscribe(email('x@agency.test', '*'), MANAGER_KEY)).status).toBe(403);
    const noKey = await fetch(`${url}/v1/subscriptions`);
    expect(noKey.status).toBe(401);
    const created = await subscribe(email('listed@agency.test', 'A12'));
    const id = created.body.id;
    const mine = (await (await fetch(`${url}/v1/subscriptions`, { headers: { authorization: `Bearer ${MANAGER_KEY}` } })).json()) as { items: Array<{ agencyCode: string; channel: { secret?: string } }> };
    expect(mine.items.every((s: { agencyCode: string }) => ['A1', 'A2', 'A10'].includes(s.agencyCode))).toBe(true);
    expect(mine.items.some((s: { channel: { secret?: string } }) => s.channel.secret === 'whsec_***')).toBe(true);
    expect((await fetch(`${url}/v1/subscriptions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${MANAGER_KEY}` } })).status).toBe(404);
    expect((await fetch(`${url}/v1/subscriptions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${REFORM_KEY}` } })).status).toBe(204);
    expect((await fetch(`${url}/v1/subscriptions/${id}`, { headers: { authorization: `Bearer ${REFORM_KEY}` } })).status).toBe(404);
  });

  test('when a portal key calls any subscription route, then it gets 403 problem+json, even for its own agency', async () => {
    const own = await subscribe(email('portal.target@agency.test', 'A1'), MANAGER_KEY);
    expect(own.status).toBe(201);
    const calls: Array<[string, string, string?]> = [
      ['GET', '/v1/subscriptions'],
      ['POST', '/v1/subscriptions', JSON.stringify(email('portal@agency.test', 'A1'))],
      ['GET', `/v1/subscriptions/${own.body.id}`],
      ['DELETE', `/v1/subscriptions/${own.body.id}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await fetch(`${url}${path}`, { method, headers: { ...auth(PORTAL_KEY), 'content-type': 'application/json' }, ...(body ? { body } : {}) });
      expect({ method, path, status: res.status, type: res.headers.get('content-type') }).toEqual({ method, path, status: 403, type: expect.stringContaining('application/problem+json') });
    }
    expect((await fetch(`${url}/v1/subscriptions/${own.body.id}`, { headers: auth(MANAGER_KEY) })).status).toBe(200);
  });

  test("when an agency manager meets the reform office's subscription for its own agency, then it can neither create, see nor delete one", async () => {
    const refused = await subscribe(email('self.escalation@agency.test', 'A1', { role: 'reform-office' }), MANAGER_KEY);
    expect(refused.status).toBe(403);
    expect(refused.type).toContain('application/problem+json');
    const reform = await subscribe(email('reform.a1@province.test', 'A1', { role: 'reform-office' }), REFORM_KEY);
    expect(reform.status).toBe(201);
    const head = await subscribe(email('head.a1@agency.test', 'A1', { role: 'agency-head' }), MANAGER_KEY);
    expect(head.status).toBe(201);
    const listed = (await (await fetch(`${url}/v1/subscriptions?agencyCode=A1`, { headers: auth(MANAGER_KEY) })).json()) as { items: Array<{ id: string; role: string }> };
    expect(listed.items.map((s) => s.id)).toContain(head.body.id);
    expect(listed.items.map((s) => s.id)).not.toContain(reform.body.id);
    expect((await fetch(`${url}/v1/subscriptions/${reform.body.id}`, { headers: auth(MANAGER_KEY) })).status).toBe(404);
    expect((await fetch(`${url}/v1/subscriptions/${reform.body.id}`, { method: 'DELETE', headers: auth(MANAGER_KEY) })).status).toBe(404);
    expect((await fetch(`${url}/v1/subscriptions/${reform.body.id}`, { headers: auth(REFORM_KEY) })).status).toBe(200);
    expect((await fetch(`${url}/v1/subscriptions/${head.body.id}`, { method: 'DELETE', headers: auth(MANAGER_KEY) })).status).toBe(204);
  });

  test('when a G01.* reform office manages subscriptions, then it works within G01 only and never sees a * or G02 subscription', async () => {
    const mine = await subscribe(email('reform.g01@province.test', 'G01.001.000', { role: 'reform-office' }), PROVINCE_KEY);
    expect(mine.status).toBe(201);
    expect((await subscribe(email('x@g02.test', 'G02.001.000'), PROVINCE_KEY)).status).toBe(403);
    expect((await subscribe(email('x@all.test', '*', { role: 'reform-office' }), PROVINCE_KEY)).status).toBe(403);
    expect((await subscribe(email('x@g01.test', 'G01.001.000', { role: 'reform-office', agencies: ['G02.001.000'] }), PROVINCE_KEY)).status).toBe(403);
    const everything = await subscribe(email('reform.all@province.test', '*', { role: 'reform-office' }), REFORM_KEY);
    const g02 = await subscribe(email('mgr@g02.test', 'G02.001.000'), REFORM_KEY);
    for (const id of [everything.body.id, g02.body.id]) {
      expect((await fetch(`${url}/v1/subscriptions/${id}`, { headers: auth(PROVINCE_KEY) })).status).toBe(404);
      expect((await fetch(`${url}/v1/subscriptions/${id}`, { method: 'DELETE', headers: auth(PROVINCE_KEY) })).status).toBe(404);
      expect((await fetch(`${url}/v1/subscriptions/${id}`, { headers: auth(REFORM_KEY) })).status).toBe(200);
    }
    const listed = (await (await fetch(`${url}/v1/subscriptions`, { headers: auth(PROVINCE_KEY) })).json()) as { items: Array<{ id: string; agencyCode: string }> };
    expect(listed.items.map((s) => s.id)).toContain(mine.body.id);
    expect(listed.items.every((s) => s.agencyCode.startsWith('G01.'))).toBe(true);
  });

  test('when subscriptions are created and deleted, then each write is audited with the key id, role and agency and without the address', async () => {
    const created = await subscribe({ name: 'Hệ thống A1', role: 'agency-manager', agencyCode: 'A1', channel: { type: 'webhook', url: 'https://hooks.example.vn/tthc' } }, MANAGER_KEY);
    expect(created.status).toBe(201);
    expect((await fetch(`${url}/v1/subscriptions/${created.body.id}`, { method: 'DELETE', headers: auth(MANAGER_KEY) })).status).toBe(204);
    const entries = await auditEntries({ target: created.body.id });
    expect(entries.map((e) => e.action).sort()).toEqual(['subscription.created', 'subscription.deleted']);
    for (const e of entries) {
      expect(e).toMatchObject({ actor: expect.stringMatching(/^key:[0-9a-f]{16}$/), role: 'agency-manager', agencyCode: 'A1', details: { subscriptionRole: 'agency-manager', channel: 'webhook', webhookHost: 'hooks.example.vn' } });
      expect(JSON.stringify(e)).not.toContain('Hệ thống A1');
    }
    expect(entries.map((e) => e.actor)).toEqual([`key:${created.body.createdByKeyId}`, `key:${created.body.createdByKeyId}`]);
  });

  test('when every route gets hostile input, then each answer is a 4xx problem+json and never a 5xx', async () => {
    const valid = email('hostile@agency.test', 'A1');
    const json = { ...auth(REFORM_KEY), 'content-type': 'application/json' };
    const cases: Array<{ name: string; method: string; path: string; headers?: Record<string, string>; body?: string; status: number }> = [
      { name: 'latin1 JSON', method: 'POST', path: '/v1/subscriptions', headers: { ...json, 'content-type': 'application/json; charset=latin1' }, body: JSON.stringify(valid), status: 415 },
      { name: '__proto__ key', method: 'POST', path: '/v1/subscriptions', headers: json, body: `{"__proto__":{"role":"reform-office"},${JSON.stringify(valid).slice(1)}`, status: 400 },
      { name: 'constructor key', method: 'POST', path: '/v1/subscriptions', headers: json, body: JSON.stringify({ ...valid, constructor: { prototype: { admin: true } } }), status: 400 },
      { name: 'nested __proto__', method: 'POST', path: '/v1/subscriptions', headers: json, body: `{"name":"x","role":"agency-manager","agencyCode":"A1","channel":{"type":"email","address":"a@b.vn","__proto__":{"x":1}}}`, status: 400 },
      { name: 'huge body', method: 'POST', path: '/v1/subscriptions', headers: json, body: JSON.stringify({ ...valid, name: 'x'.repeat(100_000) }), status: 413 },
      { name: 'huge name', method: 'POST', path: '/v1/subscriptions', headers: json, body: JSON.stringify({ ...valid, name: 'x'.repeat(10_000) }), status: 400 },
      { name: 'wrong types', method: 'POST', path: '/v1/subscriptions', headers: json, body: JSON.stringify({ ...valid, agencyCode: 5, kinds: 'overdue', digest: 'yes' }), status: 400 },
      { name: 'array body', method: 'POST', path: '/v1/subscriptions', headers: json, body: '[]', status: 400 },
      { name: 'string body', method: 'POST', path: '/v1/subscriptions', headers: json, body: '"text"', status: 400 },
      { name: 'null channel', method: 'POST', path: '/v1/subscriptions', headers: json, body: JSON.stringify({ ...valid, channel: null }), status: 400 },
      { name: 'empty query value', method: 'GET', path: '/v1/subscriptions?agencyCode=', headers: auth(REFORM_KEY), status: 400 },
      { name: 'repeated query value', method: 'GET', path: '/v1/subscriptions?role=agency-manager&role=agency-head', headers: auth(REFORM_KEY), status: 400 },
      { name: '__proto__ query', method: 'GET', path: '/v1/subscriptions?__proto__=x', headers: auth(REFORM_KEY), status: 400 },
      { name: 'huge id', method: 'GET', path: `/v1/subscriptions/${'x'.repeat(5000)}`, headers: auth(REFORM_KEY), status: 404 },
      { name: 'broken escape in id', method: 'DELETE', path: '/v1/subscriptions/%E0%A4%A', headers: auth(REFORM_KEY), status: 400 },
      { name: '__proto__ id', method: 'DELETE', path: '/v1/subscriptions/__proto__', headers: auth(REFORM_KEY), status: 404 },
      { name: 'empty token', method: 'GET', path: '/v1/alerts/overdue%3AA1-0001%3Av1/ack?token=', status: 400 },
      { name: 'repeated token', method: 'GET', path: '/v1/alerts/overdue%3AA1-0001%3Av1/ack?token=a&token=b', status: 400 },
      { name: 'token[__proto__]', method: 'GET', path: '/v1/alerts/overdue%3AA1-0001%3Av1/ack?token[__proto__]=1', status: 400 },
      { name: 'huge token', method: 'GET', path: `/v1/alerts/x/ack?token=${'a'.repeat(5000)}`, status: 403 },
      { name: 'huge alert id', method: 'GET', path: `/v1/alerts/${'x'.repeat(5000)}/ack?token=a.1.b`, status: 404 },
      { name: 'form latin1', method: 'POST', path: '/v1/alerts/x/ack', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=latin1' }, body: 'token=abc', status: 415 },
      { name: 'form token array', method: 'POST', path: '/v1/alerts/x/ack', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=a&token=b', status: 400 },
      { name: 'form __proto__', method: 'POST', path: '/v1/alerts/x/ack', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '__proto__=x&constructor=y', status: 400 },
      { name: 'form too big', method: 'POST', path: '/v1/alerts/x/ack', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${'a'.repeat(10_000)}`, status: 413 },
      { name: 'API ack with latin1 body', method: 'POST', path: '/v1/alerts/x/ack', headers: { ...json, 'content-type': 'application/json; charset=latin1' }, body: '{"note":"é"}', status: 404 },
      { name: 'API ack of a huge id', method: 'POST', path: `/v1/alerts/${'x'.repeat(5000)}/ack`, headers: auth(REFORM_KEY), status: 404 },
    ];
    for (const c of cases) {
      const res = await fetch(`${url}${c.path}`, { method: c.method, headers: c.headers ?? {}, ...(c.body !== undefined ? { body: c.body } : {}) });
      expect({ name: c.name, status: res.status, type: res.headers.get('content-type') }).toEqual({ name: c.name, status: c.status, type: expect.stringContaining('application/problem+json') });
    }
    expect(await mongo.collection('subscriptions').countDocuments({ 'channel.address': 'hostile@agency.test' })).toBe(0);
  });

  test('when a message on the alerts topic is not an alert, then it goes to the dead-letter topic with the reason', async () => {
    const probe = await startKafkaProbe({ brokers: requireEnv('KAFKA_BROKERS'), topics: topics.deadLetter });
    try {
      await publisher.publishRaw('poison-key', 'this is not json');
      const letter = await probe.waitFor('dead letter', (messages) => messages.find((m) => m.value.data?.key === 'poison-key')?.value);
      expect(letter.data).toMatchObject({ originalTopic: topics.alerts, errorCode: 'malformed-json', consumerGroup: `${namespace}-notifier` });
    } finally {
      await probe.stop();
    }
  });

  test('when probed, then healthz, readyz and metrics answer', async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', service: 'notifier' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mongo: 'ok', redis: 'ok', kafka: 'ok', consumer: 'ok' } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('notifier_deliveries_total');
    expect(metrics).toContain('kafka_messages_processed_total');
  });

  test('when a second instance is stopped, then stop resolves and its port no longer answers', async () => {
    const other = createApp(config({ CONSUMER_GROUP: `${namespace}-other`, QUEUE_PREFIX: `${namespace}-other`, DIGEST_ENABLED: 'false' }), { clock });
    const otherUrl = (await other.start()).url;
    expect((await fetch(`${otherUrl}/healthz`)).status).toBe(200);
    await other.stop();
    await expect(fetch(`${otherUrl}/healthz`)).rejects.toThrow();
  });
});

describe('with the default configuration (private webhook targets refused, tight limits)', () => {
  const guardedNs = `${namespace}-guarded`;
  const guardedMongoUrl = withDatabase(requireEnv('MONGO_URL'), guardedNs);
  const guardedClock = new ControllableClock(WORKING_MONDAY);
  const EGRESS_KEY = 'egress-reform-key';
  const REBIND_KEY = 'rebind-reform-key';
  const LIMITED_KEY = 'limited-reform-key';
  const CAPPED_KEY = 'capped-manager-key';
  let guarded: ReturnType<typeof createApp>;
  let guardedUrl = '';
  let guardedPublisher: Awaited<ReturnType<typeof alertPublisher>>;
  let guardedMongo: Connection;

  const post = (key: string, body: Record<string, unknown>) =>
    fetch(`${guardedUrl}/v1/subscriptions`, { method: 'POST', headers: { ...auth(key), 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const cfg = loadConfig({
      ...baseEnv(),
      KAFKA_TOPIC_NAMESPACE: guardedNs,
      CONSUMER_GROUP: `${guardedNs}-notifier`,
      MONGO_URL: guardedMongoUrl,
      QUEUE_PREFIX: guardedNs,
      API_KEYS: `${EGRESS_KEY}:*:reform-office;${REBIND_KEY}:*:reform-office;${LIMITED_KEY}:*:reform-office;${CAPPED_KEY}:C1:agency-manager`,
      DIGEST_ENABLED: 'false',
      RATE_LIMIT_PER_MINUTE: '1',
      RATE_LIMIT_BURST: '8',
      MAX_SUBSCRIPTIONS_PER_KEY: '2',
    });
    expect(cfg.WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe(false);
    guarded = createApp(cfg, { clock: guardedClock });
    guardedUrl = (await guarded.start()).url;
    guardedPublisher = await alertPublisher(requireEnv('KAFKA_BROKERS'), topicsFor(guardedNs).alerts);
    guardedMongo = await mongoose.createConnection(guardedMongoUrl).asPromise();
  });

  afterAll(async () => {
    await guardedPublisher?.stop();
    await guarded?.stop();
    await guardedMongo?.dropDatabase().catch(() => undefined);
    await guardedMongo?.close();
  });

  test('when a webhook names loopback, a private range, localhost or a compose service, then the subscription is refused with 400 naming /channel/url', async () => {
    for (const target of [receiver.url('/literal'), 'http://[::1]:8084/x', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5/x', 'http://localhost:8084/x', 'http://redis:6379/']) {
      const res = await post(EGRESS_KEY, { name: 'Hook', role: 'reform-office', agencyCode: '*', channel: { type: 'webhook', url: target } });
      expect({ target, status: res.status }).toEqual({ target, status: 400 });
      const problem = (await res.json()) as { errors: Array<{ pointer: string; detail: string }> };
      expect(problem.errors).toEqual([{ pointer: '/channel/url', detail: expect.stringMatching(/^must be a public address; .+ is /) }]);
    }
    expect(await guardedMongo.collection('subscriptions').countDocuments({})).toBe(0);
  });

  test('when a webhook host name resolves to 127.0.0.1 at delivery time, then the delivery is dead at the first attempt with the reason and nothing is received', async () => {
    const created = await post(REBIND_KEY, { name: 'Hook', role: 'agency-manager', agencyCode: 'R1', channel: { type: 'webhook', url: 'https://hooks.example.vn/tthc' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // The name was public when the subscription was made; its DNS now answers loopback (rebinding).
    await guardedMongo.collection('subscriptions').updateOne({ _id: id as never }, { $set: { 'channel.url': receiver.url('/rebound').replace('127.0.0.1', 'localhost') } });
    const alert = buildAlert({ dossierCode: 'R1-0001', agencyCode: 'R1' });
    await guardedPublisher.publish(alert);
    const record = await waitFor('dead delivery', async () => (await guardedMongo.collection('deliveries').find({ alertId: alert.alertId, status: 'dead' }).toArray())[0]);
    expect(record.attempts).toBe(1);
    expect(record.lastError).toMatch(/^webhook refused: localhost resolves to 127\.0\.0\.1, which is loopback \(127\.0\.0\.0\/8\)/);
    const job = await guarded.deliveryQueue.getJob(String(record._id));
    await waitFor('job failed for good', async () => (await job!.getState()) === 'failed');
    expect((await guarded.deliveryQueue.getJob(String(record._id)))!.attemptsMade).toBe(1);
    expect(receiver.to('/rebound')).toHaveLength(0);
  });

  test('when one key exceeds its rate, then it gets 429 problem+json with Retry-After while another key still passes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${guardedUrl}/v1/subscriptions`, { headers: auth(LIMITED_KEY) })).status);
    expect(statuses).toEqual(Array(8).fill(200));
    const limited = await fetch(`${guardedUrl}/v1/subscriptions`, { headers: auth(LIMITED_KEY) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const ack = await fetch(`${guardedUrl}/v1/alerts/x/ack`, { method: 'POST', headers: auth(LIMITED_KEY) });
    expect(ack.status).toBe(429);
    expect((await fetch(`${guardedUrl}/v1/subscriptions`, { headers: auth(CAPPED_KEY) })).status).toBe(200);
  });

  test('when a key reaches MAX_SUBSCRIPTIONS_PER_KEY, then its next creation is refused with 409 until it deletes one', async () => {
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const res = await post(CAPPED_KEY, email(`capped${n}@agency.test`, 'C1'));
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const third = await post(CAPPED_KEY, email('capped3@agency.test', 'C1'));
    expect(third.status).toBe(409);
    expect(await third.json()).toMatchObject({ type: 'urn:tthc:problem:subscription-limit-reached' });
    expect((await fetch(`${guardedUrl}/v1/subscriptions/${ids[0]}`, { method: 'DELETE', headers: auth(CAPPED_KEY) })).status).toBe(204);
    expect((await post(CAPPED_KEY, email('capped3@agency.test', 'C1'))).status).toBe(201);
  });
});
