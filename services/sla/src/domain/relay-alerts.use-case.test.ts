import { ControllableClock, waitFor } from '@tthc/testkit';
import type { Alert, AlertOutbox } from './deadline';
import { createAlertRelay, relayPendingAlerts, type RelayOptions, type RelaySleep } from './relay-alerts.use-case';

const alert = (id: string, raisedAt: string): Alert => ({
  id,
  type: 'dossier.overdue',
  eventType: 'vn.tthc.dossier.overdue',
  kind: 'overdue',
  level: 0,
  subject: 'dossier',
  dossierCode: id,
  deadlineKey: 'dossier',
  deadlineKind: 'dossier',
  agencyCode: 'G01',
  responsibleAgencyCode: 'G01',
  procedureCode: 'P1',
  label: null,
  dueAt: new Date(raisedAt),
  deadlineVersion: 1,
  raisedAt: new Date(raisedAt),
  workingMinutesLate: 0,
  reason: 'quá hạn',
  legalBasis: 'ND 118/2025',
  publishedAt: null,
});

/** An in-memory outbox with the lease rules of the MongoDB one. */
function fakeOutbox(initial: Alert[]) {
  const rows = new Map(initial.map((a) => [a.id, { alert: { ...a }, owner: null as string | null, until: null as Date | null }]));
  const released: string[] = [];
  const outbox: AlertOutbox = {
    async claimUnpublished(owner, now, leaseUntil, limit) {
      const free = [...rows.values()]
        .filter((r) => r.alert.publishedAt === null && (r.until === null || r.until <= now || r.owner === owner))
        .sort((a, b) => a.alert.raisedAt.getTime() - b.alert.raisedAt.getTime())
        .slice(0, limit);
      for (const r of free) Object.assign(r, { owner, until: leaseUntil });
      return free.map((r) => ({ ...r.alert }));
    },
    async markPublished(ids, at) {
      for (const id of ids) {
        const r = rows.get(id)!;
        if (r.alert.publishedAt === null) Object.assign(r, { owner: null, until: null, alert: { ...r.alert, publishedAt: at } });
      }
    },
    async releaseClaims(owner, ids) {
      for (const id of ids) {
        const r = rows.get(id)!;
        if (r.owner === owner && r.alert.publishedAt === null) Object.assign(r, { owner: null, until: null });
        released.push(id);
      }
    },
    async stats() {
      const pending = [...rows.values()].filter((r) => r.alert.publishedAt === null).map((r) => r.alert.raisedAt);
      return { pending: pending.length, oldestRaisedAt: pending.length ? new Date(Math.min(...pending.map((d) => d.getTime()))) : null };
    },
  };
  return { outbox, rows, released, add: (a: Alert) => rows.set(a.id, { alert: { ...a }, owner: null, until: null }), unpublished: () => [...rows.values()].filter((r) => r.alert.publishedAt === null).length };
}

/** Kafka that refuses the first `failures` requests and records the batches it acknowledges. */
function fakeKafka(failures = 0) {
  const batches: string[][] = [];
  let left = failures;
  return {
    batches,
    publisher: {
      async publish(alerts: readonly Alert[]) {
        if (left > 0) {
          left -= 1;
          throw new Error('broker not available');
        }
        batches.push(alerts.map((a) => a.id));
      },
    },
  };
}

/** Backoff waits end at the next turn of the event loop and are recorded; idle waits last until a wake-up or stop. */
function recordingSleep() {
  const waits: Array<{ ms: number; why: 'backoff' | 'idle' }> = [];
  const sleep: RelaySleep = (ms, why, signal) => {
    waits.push({ ms, why });
    if (why === 'backoff' || signal.aborted) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  };
  return { waits, sleep, backoffs: () => waits.filter((w) => w.why === 'backoff').map((w) => w.ms) };
}

const options: RelayOptions = { owner: 'sla-a', leaseMs: 30_000, batchSize: 3, initialBackoffMs: 1000, maxBackoffMs: 30_000, sweepMs: 5000, statsEveryMs: 0 };
const clock = new ControllableClock('2026-02-13T08:00:00Z');

describe('alert relay', () => {
  test('when alerts are pending at start, then they go out oldest first, a batch per request, and all are marked published', async () => {
    const store = fakeOutbox([alert('c', '2026-02-13T07:00:03Z'), alert('a', '2026-02-13T07:00:01Z'), alert('d', '2026-02-13T07:00:04Z'), alert('b', '2026-02-13T07:00:02Z')]);
    const kafka = fakeKafka();
    const { sleep } = recordingSleep();
    const relay = createAlertRelay({ outbox: store.outbox, publisher: kafka.publisher, clock, sleep }, options);
    relay.start();
    await waitFor('the outbox to empty', () => store.unpublished() === 0);
    await relay.stop();
    expect(kafka.batches).toEqual([['a', 'b', 'c'], ['d']]);
    expect([...store.rows.values()].every((r) => r.alert.publishedAt?.getTime() === clock.now().getTime() && r.owner === null)).toBe(true);
  });

  test('when Kafka refuses again and again, then the waits double from the minimum up to the cap, a success resets them, and every alert goes out', async () => {
    const store = fakeOutbox([alert('a', '2026-02-13T07:00:01Z')]);
    const kafka = fakeKafka(8);
    const rec = recordingSleep();
    const failures: number[] = [];
    const relay = createAlertRelay({ outbox: store.outbox, publisher: kafka.publisher, clock, sleep: rec.sleep, hooks: { onFailure: (_e, ms) => failures.push(ms) } }, options);
    relay.start();
    await waitFor('the first alert to go out', () => store.unpublished() === 0);
    expect(rec.backoffs()).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(failures).toEqual(rec.backoffs());

    // A later outage starts again from the minimum.
    (kafka.publisher as { publish: (a: readonly Alert[]) => Promise<void> }).publish = (() => {
      let refused = false;
      return async (alerts: readonly Alert[]) => {
        if (!refused) {
          refused = true;
          throw new Error('broker not available');
        }
        kafka.batches.push(alerts.map((a) => a.id));
      };
    })();
    store.add(alert('b', '2026-02-13T07:00:02Z'));
    relay.wake();
    await waitFor('the second alert to go out', () => store.unpublished() === 0);
    await relay.stop();
    expect(rec.backoffs().slice(8)).toEqual([1000]);
    expect(kafka.batches).toEqual([['a'], ['b']]);
  });

  test('when a publish fails, then the claims are given back so that another instance may send them at once', async () => {
    const store = fakeOutbox([alert('a', '2026-02-13T07:00:01Z'), alert('b', '2026-02-13T07:00:02Z')]);
    await expect(relayPendingAlerts({ outbox: store.outbox, publisher: fakeKafka(1).publisher, clock }, options)).rejects.toThrow('broker not available');
    expect(store.released).toEqual(['a', 'b']);
    const other = fakeKafka();
    expect((await relayPendingAlerts({ outbox: store.outbox, publisher: other.publisher, clock }, { ...options, owner: 'sla-b' })).published.map((a) => a.id)).toEqual(['a', 'b']);
    expect(other.batches).toEqual([['a', 'b']]);
  });

  test('when another instance holds a live claim, then the alert is left to it, and taken over once the claim expired', async () => {
    const store = fakeOutbox([alert('a', '2026-02-13T07:00:01Z')]);
    await store.outbox.claimUnpublished('crashed', clock.now(), new Date(clock.now().getTime() + 30_000), 10);
    const kafka = fakeKafka();
    expect((await relayPendingAlerts({ outbox: store.outbox, publisher: kafka.publisher, clock }, options)).published).toEqual([]);
    const later = new ControllableClock(new Date(clock.now().getTime() + 30_000));
    expect((await relayPendingAlerts({ outbox: store.outbox, publisher: kafka.publisher, clock: later }, options)).published.map((a) => a.id)).toEqual(['a']);
    expect(kafka.batches).toEqual([['a']]);
  });

  test('when the relay is idle and an alert is stored, then a wake-up sends it without waiting for the sweep', async () => {
    const store = fakeOutbox([]);
    const kafka = fakeKafka();
    const rec = recordingSleep();
    const relay = createAlertRelay({ outbox: store.outbox, publisher: kafka.publisher, clock, sleep: rec.sleep }, options);
    relay.start();
    await waitFor('the relay to go idle', () => rec.waits.some((w) => w.why === 'idle'));
    store.add(alert('a', '2026-02-13T07:00:01Z'));
    relay.wake();
    await waitFor('the alert to go out', () => kafka.batches.length === 1);
    await relay.stop();
    expect(kafka.batches).toEqual([['a']]);
    expect(rec.backoffs()).toEqual([]);
  });

  test('when the relay stops right after an alert was stored, then it sends that alert before ending, but gives up at once if Kafka refuses', async () => {
    const store = fakeOutbox([]);
    const kafka = fakeKafka();
    const rec = recordingSleep();
    const relay = createAlertRelay({ outbox: store.outbox, publisher: kafka.publisher, clock, sleep: rec.sleep }, options);
    relay.start();
    await waitFor('the relay to go idle', () => rec.waits.some((w) => w.why === 'idle'));
    store.add(alert('a', '2026-02-13T07:00:01Z'));
    relay.wake();
    await relay.stop();
    expect(kafka.batches).toEqual([['a']]);

    const refusing = fakeOutbox([]);
    const down = createAlertRelay({ outbox: refusing.outbox, publisher: fakeKafka(Number.POSITIVE_INFINITY).publisher, clock, sleep: recordingSleep().sleep }, options);
    down.start();
    refusing.add(alert('b', '2026-02-13T07:00:02Z'));
    down.wake();
    await down.stop();
    expect(refusing.unpublished()).toBe(1);
  });

  test('when the outbox holds alerts, then the figures handed to the gauges count them and date the oldest', async () => {
    const store = fakeOutbox([alert('a', '2026-02-13T07:00:01Z'), alert('b', '2026-02-13T07:00:02Z')]);
    const seen: Array<{ pending: number; oldestRaisedAt: Date | null }> = [];
    const rec = recordingSleep();
    const relay = createAlertRelay({ outbox: store.outbox, publisher: fakeKafka(Number.POSITIVE_INFINITY).publisher, clock, sleep: rec.sleep, hooks: { onStats: (s) => seen.push(s) } }, options);
    relay.start();
    await waitFor('the figures', () => seen.length > 0);
    await relay.stop();
    expect(seen[0]).toEqual({ pending: 2, oldestRaisedAt: new Date('2026-02-13T07:00:01Z') });
    expect(relay.stats()).toMatchObject({ pending: 2, failing: true, lastError: 'broker not available' });
  });
});
