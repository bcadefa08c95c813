import { JOB_NAMES } from '@tthc/contracts';
import { dossierCode, waitFor } from '@tthc/testkit';
import { entry, inMs, openSnapshot, startSla, type SlaHarness } from './sla-harness';

let h: SlaHarness;
beforeAll(async () => {
  // A short sweep so expired claims are found quickly; reconciliation only when the test asks.
  h = await startSla({ OUTBOX_SWEEP_SECONDS: '0.3', OUTBOX_DEGRADED_AFTER_SECONDS: '1', RECONCILE_EVERY_SECONDS: '3600' });
});
afterAll(async () => {
  await h?.stop();
});

/** An alert as the timer job stores it, written straight into MongoDB as a crashed instance left it. */
function storedAlert(code: string, over: Record<string, unknown> = {}) {
  const raisedAt = new Date(Date.now() - 10_000);
  return {
    _id: `overdue:${code}:v1`,
    type: 'dossier.overdue',
    eventType: 'vn.tthc.dossier.overdue',
    kind: 'overdue',
    level: 0,
    subject: 'dossier',
    dossierCode: code,
    deadlineKey: 'dossier',
    deadlineKind: 'dossier',
    agencyCode: 'G01.001.000',
    responsibleAgencyCode: 'G01.001.000',
    procedureCode: '1.001234',
    label: null,
    dueAt: raisedAt,
    deadlineVersion: 1,
    raisedAt,
    workingMinutesLate: 0,
    reason: 'Hồ sơ quá hạn',
    legalBasis: 'ND 118/2025/NĐ-CP',
    publishedAt: null,
    relayOwner: null,
    relayLeaseUntil: null,
    ...over,
  };
}

/** The outbox entry of an alert, with the relay lease a (crashed or live) instance holds on it. */
const outboxEntry = (code: string, lease: { relayOwner: string; relayLeaseUntil: Date } | null = null) => ({
  _id: `overdue:${code}:v1`,
  raisedAt: new Date(Date.now() - 10_000),
  relayOwner: lease?.relayOwner ?? null,
  relayLeaseUntil: lease?.relayLeaseUntil ?? null,
});

const alertsColl = () => h.mongo.collection('alerts');
const outboxColl = () => h.mongo.collection('alert_outbox');
const storedOf = (id: string) => alertsColl().findOne({ _id: id } as never);
const readyz = async () => {
  const res = await fetch(`${h.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string>; degraded?: Record<string, string> } };
};

describe('alert outbox on real Kafka and MongoDB', () => {
  test('when a deadline falls due, then the alert is published and its stored copy records when Kafka acknowledged it', async () => {
    const code = dossierCode();
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(1000) })]));
    const alert = await waitFor('the alert on Kafka', () => h.alertsOf(code)[0]);
    expect(alert.id).toBe(`overdue:${code}:v1`);
    const stored = await waitFor('publishedAt', async () => {
      const doc = await storedOf(alert.id);
      return doc?.['publishedAt'] ? doc : undefined;
    });
    expect(stored['publishedAt'].getTime()).toBeGreaterThanOrEqual(stored['raisedAt'].getTime());
    // Acknowledged alerts leave the outbox, which thus holds only what is in flight.
    expect(await outboxColl().findOne({ _id: alert.id } as never)).toBeNull();
  });

  test('when an instance stopped between storing alerts and publishing them, then the next instance publishes each once at start', async () => {
    const never = dossierCode();
    const expired = dossierCode();
    await h.restartApp(async () => {
      // What a crash leaves: one alert stored before its outbox entry (the start finds it), one
      // claimed by the dead instance whose lease ran out.
      await alertsColl().insertMany([storedAlert(never), storedAlert(expired)] as never);
      await outboxColl().insertOne(outboxEntry(expired, { relayOwner: 'crashed/1/dead', relayLeaseUntil: new Date(Date.now() - 1000) }) as never);
    });
    await waitFor('both alerts on Kafka', () => h.alertsOf(never).length > 0 && h.alertsOf(expired).length > 0);
    await waitFor('both recorded as published', async () => (await alertsColl().countDocuments({ dossierCode: { $in: [never, expired] }, publishedAt: { $ne: null } } as never)) === 2);
    expect([...h.alertsOf(never), ...h.alertsOf(expired)].map((a) => a.id).sort()).toEqual([`overdue:${expired}:v1`, `overdue:${never}:v1`].sort());
    expect(h.alertsOf(never)[0]?.data).toMatchObject({ alertId: `overdue:${never}:v1`, kind: 'overdue', dossierCode: never });
    await waitFor('their outbox entries gone', async () => (await outboxColl().countDocuments({ _id: { $in: [`overdue:${never}:v1`, `overdue:${expired}:v1`] } } as never)) === 0);
  });

  test('when another instance holds a live claim on an alert, then it is published only after that claim expired', async () => {
    const code = dossierCode();
    const leaseUntil = new Date(Date.now() + 1500);
    await alertsColl().insertOne(storedAlert(code) as never);
    await outboxColl().insertOne(outboxEntry(code, { relayOwner: 'other/2/alive', relayLeaseUntil: leaseUntil }) as never);
    h.app.outbox.wake();
    await waitFor('the alert on Kafka', () => h.alertsOf(code)[0]);
    const stored = await waitFor('publishedAt', async () => {
      const doc = await storedOf(`overdue:${code}:v1`);
      return doc?.['publishedAt'] ? doc : undefined;
    });
    expect(stored['publishedAt'].getTime()).toBeGreaterThanOrEqual(leaseUntil.getTime());
    expect(h.alertsOf(code)).toHaveLength(1);
  });

  test("when a backlog's alerts about one subject are more than Kafka takes in one request to their partition, then every one is published in order, and another subject's alert is not held back", async () => {
    // Each about 1.9 KB: a relay pass of 1 000 (OUTBOX_BATCH_SIZE) holds 1.9 MB for one
    // partition, over the broker's 1 MiB message.max.bytes.
    const code = dossierCode();
    const other = dossierCode();
    const reason = 'Hồ sơ quá ngày hẹn trả, chưa có văn bản xin lỗi. '.repeat(25);
    const count = 1200;
    const base = Date.now() - 60_000;
    const ids = Array.from({ length: count }, (_, i) => `overdue:${code}:v${i + 1}`);
    const alerts = ids.map((id, i) => storedAlert(code, { _id: id, deadlineVersion: i + 1, reason, raisedAt: new Date(base + i), dueAt: new Date(base + i) }));
    // Raised after all of them, so a relay stuck on the first pass would never reach it.
    alerts.push(storedAlert(other, { raisedAt: new Date(base + count) }));
    await alertsColl().insertMany(alerts as never);
    await outboxColl().insertMany(alerts.map((a) => ({ _id: a._id, raisedAt: a.raisedAt, relayOwner: null, relayLeaseUntil: null })) as never);
    h.app.outbox.wake();
    await waitFor('every alert on Kafka', () => h.alertsOf(code).length >= count && h.alertsOf(other).length > 0, { timeoutMs: 120_000 });
    // At least once: a resent alert may come twice, but the first copies come in the order raised.
    expect([...new Set(h.alertsOf(code).map((a) => a.id))]).toEqual(ids);
    await waitFor('all recorded as published', async () => (await alertsColl().countDocuments({ dossierCode: { $in: [code, other] }, publishedAt: null } as never)) === 0, { timeoutMs: 60_000 });
  }, 240_000);

  test('when an unpublished alert is older than the degraded threshold, then /readyz answers 200 degraded naming the outbox, and ready once it is gone', async () => {
    expect(await waitFor('ready', async () => ((await readyz()).body.status === 'ready' ? true : undefined))).toBe(true);
    const code = dossierCode();
    // Held by a live claim of another instance, so this relay cannot publish it while the test looks.
    await alertsColl().insertOne(storedAlert(code) as never);
    await outboxColl().insertOne(outboxEntry(code, { relayOwner: 'other/3/alive', relayLeaseUntil: new Date(Date.now() + 60_000) }) as never);
    const degraded = await waitFor('degraded', async () => {
      const r = await readyz();
      return r.body.status === 'degraded' ? r : undefined;
    });
    expect(degraded.status).toBe(200);
    expect(degraded.body.checks).toEqual({ consumer: 'ok', mongo: 'ok', redis: 'ok', kafka: 'ok' });
    expect(degraded.body.degraded?.['outbox']).toMatch(/1 alert\(s\) stored but not published, the oldest for \d+ s/);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/^sla_outbox_pending\{service="sla"\} 1$/m);
    expect(Number(/^sla_outbox_oldest_seconds\{service="sla"\} ([\d.]+)$/m.exec(metrics)?.[1])).toBeGreaterThan(1);

    await outboxColl().updateOne({ _id: `overdue:${code}:v1` } as never, { $set: { relayLeaseUntil: new Date(0) } });
    await waitFor('the alert on Kafka', () => h.alertsOf(code)[0]);
    const ready = await waitFor('ready again', async () => {
      const r = await readyz();
      return r.body.status === 'ready' ? r : undefined;
    });
    expect(ready.body.degraded).toBeUndefined();
  });

  test('when a reconciliation repairs timers, then readiness reports it as degraded while it runs and not after', async () => {
    const run = h.app.reconcile('manual');
    expect(h.app.degradation()['reconciliation']).toMatch(/manual \(\d+ timers recreated so far\)/);
    await run;
    expect(h.app.degradation()['reconciliation']).toBeUndefined();
  });
});

describe('bounded Redis', () => {
  test('when a timer job fails, then Redis keeps it with a bounded age and count rather than forever', async () => {
    // A payload no version of the service accepts fails at once, without retries.
    const job = await h.app.queue.add(JOB_NAMES.checkDeadline, { dossierCode: 42 } as never, { jobId: `poison-${dossierCode()}` });
    await waitFor('the job to fail', async () => (await job.getState()) === 'failed');
    const stored = await h.app.queue.getJob(job.id!);
    expect(stored?.opts.removeOnFail).toEqual({ age: 7 * 24 * 3600, count: 10_000 });
    expect(stored?.opts.removeOnComplete).toBe(true);
  });

  test('when the maintenance schedules are in Redis, then their jobs keep completed and failed runs bounded by age and count', async () => {
    for (const id of ['sla-reconcile-timers', 'sla-delay-counts']) {
      const scheduler = await h.app.maintenance.getJobScheduler(id);
      expect(scheduler?.template?.opts).toMatchObject({ removeOnComplete: { age: 3600, count: 100 }, removeOnFail: { age: 7 * 24 * 3600, count: 100 } });
    }
  });

  test('when sla runs, then its queues and Redis memory are exported as gauges', async () => {
    const metrics = await waitFor('the queue gauges', async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      return /bullmq_queue_jobs\{queue="sla-deadlines",state="delayed"/.test(text) ? text : undefined;
    });
    expect(Number(/^redis_used_memory_bytes\{service="sla"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^bullmq_oldest_waiting_job_seconds\{queue="sla-maintenance",service="sla"\} [\d.e+-]+$/m);
  });
});
