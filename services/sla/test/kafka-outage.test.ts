import { deadlineJobId } from '@tthc/contracts';
import { dossierCode, probeKafka, readTopic, sleep, startOutageBroker, waitFor, type OutageBroker } from '@tthc/testkit';
import { entry, inMs, openSnapshot, portalHistory, startSla, type SlaHarness } from './sla-harness';

const DOSSIERS = 8;

/** Every message of a topic, read from the beginning by a fresh group until the high watermarks. */
async function readWholeTopic(brokers: string, topic: string): Promise<string[]> {
  const kafka = probeKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  return (await readTopic({ kafka, topic, atLeast: total })).map((m) => String(m.value.id));
}

describe('alerts while Kafka is down across the due instant', () => {
  let broker: OutageBroker;
  let h: SlaHarness;
  beforeAll(async () => {
    broker = await startOutageBroker();
    h = await startSla(
      {
        // The old policy lost an alert once its timer job ran out of attempts; these run out in
        // well under a second, long before Kafka comes back.
        DEADLINE_CHECK_ATTEMPTS: '2',
        DEADLINE_CHECK_BACKOFF_MS: '100',
        OUTBOX_RETRY_MIN_MS: '200',
        OUTBOX_RETRY_MAX_MS: '2000',
        OUTBOX_SWEEP_SECONDS: '1',
        OUTBOX_DEGRADED_AFTER_SECONDS: '1',
        RECONCILE_EVERY_SECONDS: '3600',
      },
      { brokers: broker.brokers },
    );
    // Includes the wait for the outage lock, while the other file that stops this broker runs.
  }, 600_000);
  afterAll(async () => {
    await h?.stop();
    await broker?.dispose();
  }, 60_000);

  test('when Kafka stops before several deadlines fall due and returns after every timer retry ran out, then each alert is published exactly once and recorded as published', async () => {
    // One deadline through the whole path first: the consumer group's first join on this fresh
    // broker can outlast the deadlines below on a loaded machine, and a timer that fired before
    // Kafka stopped is gone from the queue, so the outage would no longer span the due instant.
    const warmUp = dossierCode();
    await h.publishSnapshot(openSnapshot(warmUp, 1, [entry({ dueAt: inMs(200) })]));
    await waitFor('the alert of a deadline set before the outage', () => h.alertsOf(warmUp)[0], { timeoutMs: 120_000, intervalMs: 250 });

    const codes = Array.from({ length: DOSSIERS }, () => dossierCode());
    for (const code of codes) await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(8000) })]));
    await waitFor('every timer', async () => (await Promise.all(codes.map((c) => h.app.queue.getJob(deadlineJobId(c, 1))))).every(Boolean), { timeoutMs: 30_000 });
    const expected = codes.map((c) => `overdue:${c}:v1`).sort();

    await broker.stop();
    // Stored while Kafka is away: the timer jobs succeed on the stored alert.
    const alerts = h.mongo.collection('alerts');
    await waitFor('every alert stored, none published', async () => (await alerts.countDocuments({ dossierCode: { $in: codes }, publishedAt: null } as never)) === DOSSIERS, { timeoutMs: 30_000 });
    await waitFor('the timer jobs done', async () => (await h.app.queue.getJobCounts('delayed', 'waiting', 'active', 'failed')).delayed === 0);
    expect(await h.app.queue.getJobCounts('failed')).toEqual({ failed: 0 });
    // The relay keeps trying, and readiness says what is wrong while it does.
    const failures = async () => Number(/ (\d+)$/m.exec(await h.app.metrics.registry.getSingleMetricAsString('sla_outbox_publish_failures_total'))?.[1] ?? 0);
    await waitFor('repeated publish failures', async () => (await failures()) >= 3, { timeoutMs: 90_000, intervalMs: 200 });
    const down = await waitFor('readiness to report the outbox', async () => {
      const r = await fetch(`${h.url}/readyz`);
      const body = (await r.json()) as { status: string; degraded?: Record<string, string> };
      return body.degraded?.['outbox'] ? { status: r.status, body } : undefined;
    });
    expect(down.status).toBe(503);
    expect(down.body.degraded?.['outbox']).toMatch(new RegExp(`^${DOSSIERS} alert\\(s\\) stored but not published, the oldest for \\d+ s; last attempt failed: .+`));

    await broker.start();
    await waitFor('every alert recorded as published', async () => (await alerts.countDocuments({ dossierCode: { $in: codes }, publishedAt: { $ne: null } } as never)) === DOSSIERS, {
      timeoutMs: 90_000,
      intervalMs: 250,
    });

    const onTopic = (await readWholeTopic(broker.brokers, h.topics.alerts)).filter((id) => expected.includes(id));
    const copies = new Map<string, number>();
    for (const id of onTopic) copies.set(id, (copies.get(id) ?? 0) + 1);
    const duplicated = Object.fromEntries([...copies].filter(([, n]) => n > 1));
    process.stderr.write(`[sla outage] ${copies.size}/${DOSSIERS} alerts published after the outage; duplicated: ${JSON.stringify(duplicated)}\n`);
    expect([...copies.keys()].sort()).toEqual(expected);
    expect(duplicated).toEqual({});

    // A deadline set after the outage goes the whole way again: snapshot in, alert out. It also
    // lets the consumers settle, since one stopped in the middle of rejoining restarts by itself.
    const after = dossierCode();
    await h.publishSnapshot(openSnapshot(after, 1, [entry({ dueAt: inMs(500) })]));
    await waitFor('the alert of a deadline set after the outage', () => h.alertsOf(after)[0], { timeoutMs: 60_000, intervalMs: 250 });

    const ready = await waitFor('readiness back to ready', async () => {
      const r = await fetch(`${h.url}/readyz`);
      const body = (await r.json()) as { status: string };
      return body.status === 'ready' ? r.status : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(ready).toBe(200);
  }, 240_000);

  test("when Kafka stops while a portal is handing over its history and stays away longer than the history's quiet time, then a dossier already past due whose on-time resolution comes after the outage gets no overdue alert; one the history passes unresolved gets its alert", async () => {
    const QUIET_S = 8;
    await h.restartApp(undefined, { SLA_LATE_ARRIVAL_SETTLE_SECONDS: '1', SLA_BACKFILL_QUIET_SECONDS: String(QUIET_S), SLA_BACKLOG_HOLD_MAX_SECONDS: '300' });
    const history = portalHistory(h, `G78.${String(Date.now() % 1000).padStart(3, '0')}.000`);
    const met = dossierCode();
    const unresolved = dossierCode();
    await h.publishSnapshot(history.pastDue(met, 20, 10));
    await h.publishSnapshot(history.pastDue(unresolved, 19, 8));
    await history.run(18, 15);
    const deadlines = h.mongo.collection('sla_deadlines');
    await waitFor('both deadlines tracked', async () => (await deadlines.countDocuments({ subjectCode: { $in: [met, unresolved] } } as never)) === 2, { timeoutMs: 60_000, intervalMs: 250 });

    // The portal's posts are refused while the broker is away: its history stands still for
    // twice the quiet time, and the broker-away rule would let firings through meanwhile.
    const alerts = h.mongo.collection('alerts');
    await broker.stop();
    try {
      await sleep(2 * QUIET_S * 1000);
      expect(await alerts.countDocuments({ dossierCode: { $in: [met, unresolved] } } as never)).toBe(0);
    } finally {
      // Back whatever the outcome: the harness cannot stop cleanly against a broker that is away.
      await broker.start();
    }

    // The portal retries: the history goes on from where it stopped, with the resolution in its place.
    await h.publishSnapshot(history.resolved(met, 20, 10, 11));
    await history.fact(9.5);
    await waitFor('the deadline met', async () => (await deadlines.findOne({ subjectCode: met }))?.['status'] === 'met', { timeoutMs: 60_000, intervalMs: 250 });
    await history.fact(7);
    const overdue = await waitFor("the unresolved dossier's overdue alert", () => h.alertsOf(unresolved).find((a) => a.data.kind === 'overdue'), { timeoutMs: 60_000, intervalMs: 250 });
    expect(overdue.data.dossierCode).toBe(unresolved);
    await sleep(1500);
    expect(await alerts.countDocuments({ dossierCode: met } as never)).toBe(0);
    expect(h.alertsOf(met)).toEqual([]);
  }, 240_000);
});
