import { deadlineJobId } from '@tthc/contracts';
import { dossierCode, probeKafka, readTopic, startOutageBroker, waitFor, type OutageBroker } from '@tthc/testkit';
import { entry, inMs, openSnapshot, startSla, type SlaHarness } from './sla-harness';

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
});
