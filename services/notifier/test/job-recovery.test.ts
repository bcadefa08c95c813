import mongoose, { type Connection } from 'mongoose';
import { JOB_NAMES, topicsFor } from '@tthc/contracts';
import { ControllableClock, requireEnv, startSmtpSink, uniqueName, waitFor, withDatabase, type SmtpSink } from '@tthc/testkit';
import { createApp, DIGEST_SCHEDULER_ID } from '../src/app';
import { loadConfig } from '../src/config';
import { createDeliveryRepository } from '../src/data-access/delivery.repository';
import { escalationJobId } from '../src/data-access/job-schedulers.bullmq';
import { alertDeliveryKey } from '../src/domain/delivery-policy';
import { KEEP_COMPLETED, KEEP_FAILED } from '../src/entry-points/jobs/catalog';
import { alertPublisher, buildAlert, isolatedEnv, subscribeEmail } from './support';

// Monday 2026-03-09, 06:00 in Hà Nội: a working day before its first working period (08:00),
// so alert messages wait for 08:00 and the morning digest (07:30) has not run yet.
const BEFORE_OFFICE_HOURS = '2026-03-09T06:00:00+07:00';
const IN_OFFICE_HOURS = '2026-03-09T09:00:00+07:00';
const ALL_OK = { mongo: 'ok', redis: 'ok', kafka: 'ok', consumer: 'ok' };
const namespace = uniqueName('notifier-recovery');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
const clock = new ControllableClock(BEFORE_OFFICE_HOURS);
let sink: SmtpSink;
// The interval is long so that each test decides when reconciliation runs.
const configFor = (smtpPort: number) => loadConfig(isolatedEnv(namespace, smtpPort, { RECONCILE_EVERY_SECONDS: '3600', RECONCILE_PAGE_SIZE: '100' }));
let config: ReturnType<typeof configFor>;

let app: ReturnType<typeof createApp>;
let url = '';
let publisher: Awaited<ReturnType<typeof alertPublisher>>;
let mongo: Connection;

const deliveryRecords = (filter: Record<string, unknown>) => mongo.collection('deliveries').find(filter).toArray();
const jobState = async (queue: typeof app.deliveryQueue, id: string) => (await queue.getJob(id))?.getState() ?? 'absent';
const metricValue = async (name: string, label: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};
const readyz = async () => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string>; degraded?: Record<string, string> } };
};

beforeAll(async () => {
  sink = await startSmtpSink();
  config = configFor(sink.port);
  app = createApp(config, { clock });
  url = (await app.start()).url;
  // The start's own reconciliation runs in the background; the tests count from after it.
  await waitFor('reconciliation at start done', async () => (await readyz()).body.status === 'ready');
  publisher = await alertPublisher(requireEnv('KAFKA_BROKERS'), topicsFor(namespace).alerts);
  mongo = await mongoose.createConnection(mongoUrl).asPromise();
});

afterAll(async () => {
  await publisher?.stop();
  // Leaves nothing of this file's queues in the shared Redis.
  await app?.deliveryQueue.obliterate({ force: true });
  await app?.maintenanceQueue.obliterate({ force: true });
  await app?.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await sink?.stop();
});

describe('jobs lost with Redis are rebuilt from MongoDB', () => {
  test('when Redis loses every notifier job and schedule with messages waiting for office hours, a digest queued and an escalation check pending, then one reconciliation puts each back and every e-mail arrives exactly once', async () => {
    clock.set(BEFORE_OFFICE_HOURS);
    const manager = await subscribeEmail(url, 'mgr.r1@agency.test', 'R1');
    await subscribeEmail(url, 'head.r1@agency.test', 'R1', { role: 'agency-head', digest: false });
    await subscribeEmail(url, 'reform.r1@province.test', 'R1', { role: 'reform-office', digest: false });
    await mongo.collection('dossiers').insertOne({ _id: 'R1-0001' as never, agencyCode: 'R1', procedureCode: '1.001234', phase: 'processing', overdue: true, dueAt: new Date('2026-03-06T10:00:00Z') });

    // Nothing is sent before the loss: the digest's message stays queued behind the pause.
    await app.deliveryQueue.pause();
    const alert = buildAlert({ dossierCode: 'R1-0001', agencyCode: 'R1' });
    await publisher.publish(alert);
    const alertDeliveryId = alertDeliveryKey(alert.alertId, manager, 'email', 0);
    const escalation = escalationJobId(alert.alertId, 1);
    await waitFor('escalation check queued', async () => (await jobState(app.maintenanceQueue, escalation)) === 'delayed');
    await app.maintenanceQueue.add(JOB_NAMES.sendDigests, { reason: 'test' });
    const digest = await waitFor('digest message recorded', async () => (await deliveryRecords({ kind: 'digest', subscriptionId: manager }))[0]);
    await waitFor('digest run recorded', async () => (await mongo.collection('notifier_digest_runs').countDocuments({ _id: '2026-03-09' as never })) === 1);
    expect(await jobState(app.deliveryQueue, alertDeliveryId)).toBe('delayed');
    expect(['waiting', 'paused']).toContain(await jobState(app.deliveryQueue, String(digest._id)));
    expect((await app.maintenanceQueue.getJobSchedulers()).map((s) => s.key)).toEqual([DIGEST_SCHEDULER_ID]);

    // Counted from here: a first start may count its own first creation of the schedule.
    const schedulesBefore = await metricValue('notifier_jobs_recreated_total', 'kind="schedule"');
    // Redis loses everything of both queues: delayed and queued jobs, the schedule, the pause.
    await app.deliveryQueue.obliterate({ force: true });
    await app.maintenanceQueue.obliterate({ force: true });
    expect(await jobState(app.deliveryQueue, alertDeliveryId)).toBe('absent');
    expect(await jobState(app.maintenanceQueue, escalation)).toBe('absent');
    expect(await app.maintenanceQueue.getJobSchedulers()).toEqual([]);

    const result = await app.reconcile('test');
    expect(result.recreated).toEqual({ deliveries: 2, escalations: 1, schedules: [DIGEST_SCHEDULER_ID], digestRun: null });
    expect(await jobState(app.deliveryQueue, alertDeliveryId)).toBe('delayed');
    expect(await app.deliveryQueue.getJob(String(digest._id))).toBeDefined();
    expect(await jobState(app.maintenanceQueue, escalation)).toBe('delayed');
    expect(await app.maintenanceQueue.getJobSchedulers()).toEqual([expect.objectContaining({ key: DIGEST_SCHEDULER_ID, pattern: '30 7 * * *', tz: 'Asia/Ho_Chi_Minh' })]);
    expect(await metricValue('notifier_jobs_recreated_total', 'kind="delivery"')).toBe(2);
    expect(await metricValue('notifier_jobs_recreated_total', 'kind="escalation"')).toBe(1);
    expect(await metricValue('notifier_jobs_recreated_total', 'kind="schedule"')).toBe(schedulesBefore + 1);

    const [digestMail] = await waitFor('digest e-mail', () => sink.mailTo('mgr.r1@agency.test').length === 1 && sink.mailTo('mgr.r1@agency.test'));
    expect(digestMail!.text).toContain('R1-0001');
    await waitFor('digest job finished', async () => (await jobState(app.deliveryQueue, String(digest._id))) === 'completed');
    // Everything is in place now: a second run finds nothing to recreate.
    expect((await app.reconcile('test')).recreated).toEqual({ deliveries: 0, escalations: 0, schedules: [], digestRun: null });

    // Office hours begin: the waiting message goes, then the acknowledgement window runs out
    // and the alert climbs to the agency head and (urgent, at once) the reform office.
    clock.set('2026-03-09T08:00:00+07:00');
    await app.deliveryQueue.promoteJobs();
    await waitFor('alert e-mail to the manager', () => sink.mailTo('mgr.r1@agency.test').length === 2);
    clock.set('2026-03-09T08:00:03+07:00');
    await app.maintenanceQueue.promoteJobs();
    await waitFor('escalation e-mail to the head', () => sink.mailTo('head.r1@agency.test').length === 1);
    await waitFor('escalation e-mail to the reform office', () => sink.mailTo('reform.r1@province.test').length === 1, { timeoutMs: 20_000 });
    await waitFor('every message recorded as sent', async () => (await deliveryRecords({ subscriptionId: { $exists: true }, status: 'sent' })).length === 4);
    await waitFor('nothing left to check', async () => (await mongo.collection('alert_acks').findOne({ _id: alert.alertId as never }))?.nextEscalation === null);

    expect((await app.reconcile('test')).recreated).toEqual({ deliveries: 0, escalations: 0, schedules: [], digestRun: null });
    expect([sink.mailTo('mgr.r1@agency.test').length, sink.mailTo('head.r1@agency.test').length, sink.mailTo('reform.r1@province.test').length]).toEqual([2, 1, 1]);
    expect(sink.mailTo('mgr.r1@agency.test').map((m) => m.subject)).toEqual([digestMail!.subject, '[Quá hạn] Hồ sơ R1-0001 — TTHC 1.001234']);
    expect(await deliveryRecords({ status: { $ne: 'sent' } })).toEqual([]);
  });

  test('when the job of a delivery already sent is added again, then it runs and sends nothing', async () => {
    clock.set(IN_OFFICE_HOURS);
    const sub = await subscribeEmail(url, 'again.r2@agency.test', 'R2');
    const alert = buildAlert({ dossierCode: 'R2-0001', agencyCode: 'R2', kind: 'warning' });
    await publisher.publish(alert);
    await waitFor('first e-mail', () => sink.mailTo('again.r2@agency.test').length === 1);
    const id = alertDeliveryKey(alert.alertId, sub, 'email', 0);
    await waitFor('delivery sent', async () => (await deliveryRecords({ _id: id, status: 'sent' })).length === 1);
    await waitFor('first job finished', async () => (await jobState(app.deliveryQueue, id)) === 'completed');

    await (await app.deliveryQueue.getJob(id))!.remove();
    await app.deliveryQueue.add(JOB_NAMES.deliverMessage, { deliveryId: id }, { jobId: id });
    const outcome = await waitFor('re-added job finished', async () => {
      const job = await app.deliveryQueue.getJob(id);
      return job && (await job.getState()) === 'completed' ? (job.returnvalue as string) : undefined;
    });
    expect(outcome).toBe('skipped');
    expect(sink.mailTo('again.r2@agency.test')).toHaveLength(1);
  });

  test('when a worker died holding the send lease, then reconciliation queues the message for the end of the lease and it then goes out once, counted as a resumed send', async () => {
    clock.set(IN_OFFICE_HOURS);
    const sub = await subscribeEmail(url, 'lease.r3@agency.test', 'R3');
    await app.deliveryQueue.pause();
    const alert = buildAlert({ dossierCode: 'R3-0001', agencyCode: 'R3', kind: 'warning' });
    await publisher.publish(alert);
    const id = alertDeliveryKey(alert.alertId, sub, 'email', 0);
    const queued = await waitFor('delivery queued', () => app.deliveryQueue.getJob(id));
    // What kill -9 between taking the lease and storing the outcome leaves: a `sending` record,
    // and (here) no job, as if Redis went too.
    await mongo.collection('deliveries').updateOne({ _id: id as never }, { $set: { status: 'sending', sendingSince: clock.now(), attempts: 1 } });
    await queued.remove();
    await app.deliveryQueue.resume();

    expect((await app.reconcile('test')).recreated.deliveries).toBe(1);
    expect(await jobState(app.deliveryQueue, id)).toBe('delayed');
    expect(sink.mailTo('lease.r3@agency.test')).toHaveLength(0);

    clock.advance(config.SEND_LEASE_SECONDS * 1000 + 1000);
    await app.deliveryQueue.promoteJobs();
    await waitFor('e-mail after the lease', () => sink.mailTo('lease.r3@agency.test').length === 1);
    await waitFor('delivery sent', async () => (await deliveryRecords({ _id: id, status: 'sent', attempts: 2 })).length === 1);
    expect(await metricValue('notifier_resumed_sends_total', 'channel="email"')).toBe(1);
    expect(sink.mailTo('lease.r3@agency.test')).toHaveLength(1);
  });

  test('when jobs are queued, then finished ones are kept by age and count so that Redis stays bounded', async () => {
    clock.set(IN_OFFICE_HOURS);
    const sub = await subscribeEmail(url, 'bounded.r4@agency.test', 'R4');
    const alert = buildAlert({ dossierCode: 'R4-0001', agencyCode: 'R4' });
    await publisher.publish(alert);
    const delivery = await waitFor('delivery job', () => app.deliveryQueue.getJob(alertDeliveryKey(alert.alertId, sub, 'email', 0)));
    const check = await waitFor('escalation job', () => app.maintenanceQueue.getJob(escalationJobId(alert.alertId, 1)));
    expect(KEEP_FAILED).toEqual({ age: 7 * 86_400, count: 5000 });
    expect(KEEP_COMPLETED).toEqual({ age: 86_400, count: 1000 });
    for (const job of [delivery, check]) expect(job.opts).toMatchObject({ removeOnFail: KEEP_FAILED, removeOnComplete: KEEP_COMPLETED });
    const [scheduler] = await app.maintenanceQueue.getJobSchedulers();
    expect(scheduler?.template?.opts).toMatchObject({ removeOnFail: { age: 7 * 86_400, count: 100 }, removeOnComplete: { age: 7 * 86_400, count: 100 } });
  });

  test('when a reconciliation is running, then readiness answers 200 with status degraded, and ready again once it is done', async () => {
    clock.set(IN_OFFICE_HOURS);
    // Many open deliveries whose jobs Redis never had: the run takes a while.
    const deliveries = createDeliveryRepository(mongo);
    const later = new Date('2027-01-04T02:00:00Z');
    await Promise.all(
      Array.from({ length: 1500 }, (_, i) =>
        deliveries.insertOnce({
          id: `digest.2027-01-04.sub_bulk${i}.email`,
          subscriptionId: `sub_bulk${i}`,
          channel: 'email',
          kind: 'digest',
          alertId: null,
          level: 0,
          digestDate: '2027-01-04',
          digestItems: [],
          scheduledFor: later,
          urgent: false,
          status: 'scheduled',
          sendingSince: null,
          attempts: 0,
          lastError: null,
          createdAt: clock.now(),
          sentAt: null,
        }),
      ),
    );
    const running = app.reconcile('test');
    const during = await readyz();
    const result = await running;
    const after = await readyz();
    expect(result.recreated.deliveries).toBe(1500);
    expect(during).toEqual({ status: 200, body: { status: 'degraded', checks: ALL_OK, degraded: { reconciliation: expect.stringMatching(/^rebuilding jobs lost from Redis out of MongoDB since /) } } });
    expect(after).toEqual({ status: 200, body: { status: 'ready', checks: ALL_OK } });
  });
});

describe('the reconciliation interval', () => {
  const otherNs = `${namespace}-interval`;
  let other: ReturnType<typeof createApp>;

  afterAll(async () => {
    await other?.maintenanceQueue.obliterate({ force: true });
    await other?.stop();
    const db = await mongoose.createConnection(withDatabase(requireEnv('MONGO_URL'), otherNs)).asPromise();
    await db.dropDatabase().catch(() => undefined);
    await db.close();
  });

  test('when Redis loses the digest job scheduler, then the in-process interval puts it back with nothing in Redis to trigger it', async () => {
    other = createApp(loadConfig(isolatedEnv(otherNs, sink.port, { RECONCILE_EVERY_SECONDS: '1' })), { clock: new ControllableClock(IN_OFFICE_HOURS) });
    await other.start();
    expect((await other.maintenanceQueue.getJobSchedulers()).map((s) => s.key)).toEqual([DIGEST_SCHEDULER_ID]);
    await other.maintenanceQueue.obliterate({ force: true });
    expect(await other.maintenanceQueue.getJobSchedulers()).toEqual([]);
    const back = await waitFor('digest scheduler back', async () => (await other.maintenanceQueue.getJobSchedulers()).find((s) => s.key === DIGEST_SCHEDULER_ID));
    expect(back).toMatchObject({ pattern: '30 7 * * *' });
  });
});
