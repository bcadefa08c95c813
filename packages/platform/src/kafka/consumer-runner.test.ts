import type { Admin, Kafka, Producer } from 'kafkajs';
import { mongo } from 'mongoose';
import type { Counter, Gauge } from 'prom-client';
import { requireEnv, startKafkaProbe, uniqueName, waitFor, type KafkaProbe } from '@tthc/testkit';
import { createLogger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import { createKafka, createProducer, ensureTopics } from './kafka-client';
import { createConsumerRunner, type ConsumedMessage, type ConsumerRunner, type ConsumerRunnerOptions } from './consumer-runner';
import { consumerCheck } from './service-consumer';

const quiet = createLogger({ service: 'runner-test', level: 'silent' });
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const runners: ConsumerRunner[] = [];
const probes: KafkaProbe[] = [];

interface Body {
  k: string;
  seq: number;
  phase: string;
  bad?: boolean;
  pad?: string;
}
const bodyOf = (msg: ConsumedMessage) => JSON.parse(msg.message.value!.toString('utf8')) as Body;

interface Letter {
  originalTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  errorCode: string;
  reason: string;
}

/** Every dead letter on a topic so far, read by a throwaway group. */
async function collectLetters(topic: string): Promise<() => Letter[]> {
  const probe = await startKafkaProbe({ kafka, topics: topic });
  probes.push(probe);
  return () => probe.messages.map((m) => m.value.data as unknown as Letter);
}

async function freshTopics(partitions: number): Promise<{ topic: string; deadLetterTopic: string }> {
  const topic = uniqueName('runner-in');
  const deadLetterTopic = uniqueName('runner-dlt');
  await ensureTopics(admin, [topic], partitions);
  await ensureTopics(admin, [deadLetterTopic], 1);
  return { topic, deadLetterTopic };
}

function startRunner(opts: Pick<ConsumerRunnerOptions, 'groupId' | 'topics' | 'deadLetterTopic' | 'handle'> & Partial<ConsumerRunnerOptions>): ConsumerRunner {
  const runner = createConsumerRunner({ kafka, producer, logger: quiet, metrics: createMetrics('runner-test'), concurrency: 8, ...opts });
  runners.push(runner);
  return runner;
}

async function produce(topic: string, bodies: Body[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 500) {
    await producer.send({ topic, acks: -1, messages: bodies.slice(i, i + 500).map((b) => ({ key: b.k, value: JSON.stringify(b) })) });
  }
}

/** Messages of many keys, `perKey` each, numbered per key in the order they are produced. */
function bodies(phase: string, keys: number, perKey: number, firstSeq = 0): Body[] {
  const out: Body[] = [];
  for (let s = 0; s < perKey; s++) for (let k = 0; k < keys; k++) out.push({ k: `key-${k}`, seq: firstSeq + s, phase });
  return out;
}

async function gaugeValue(metrics: Metrics, name: string, group: string): Promise<number | undefined> {
  const gauge = metrics.registry.getSingleMetric(name) as Gauge<'group'> | undefined;
  return (await gauge?.get())?.values.find((v) => v.labels.group === group)?.value;
}

async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
}

async function highWatermarks(topic: string): Promise<Map<number, number>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
}

beforeAll(async () => {
  kafka = createKafka({ clientId: uniqueName('runner-test'), brokers: requireEnv('KAFKA_BROKERS').split(','), logger: quiet });
  admin = kafka.admin();
  await admin.connect();
  producer = createProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  for (const r of runners) await r.stop().catch(() => undefined);
  for (const p of probes) await p.stop().catch(() => undefined);
  await producer?.disconnect();
  await admin?.disconnect();
});

describe('the consumer runner on real Kafka', () => {
  test('when kafkajs gives up on a consumer after a crash it will not restart, then readiness fails naming the crash and the runner keeps starting new consumers until stopped', async () => {
    const { topic, deadLetterTopic } = await freshTopics(1);
    const groupId = uniqueName('runner-crash');
    const metrics = createMetrics('runner-test');
    // A session timeout below the broker's group.min.session.timeout.ms (6 s): the broker refuses
    // the join with INVALID_SESSION_TIMEOUT, which kafkajs treats as fatal and never restarts.
    const runner = startRunner({ groupId, topics: [topic], deadLetterTopic, handle: async () => undefined, metrics, sessionTimeoutMs: 1000, restartBackoff: { initialMs: 100, maxMs: 200 } });
    await runner.start();
    const crash = await waitFor('the crash seen', () => runner.crashed() ?? undefined, { timeoutMs: 30_000, intervalMs: 100 });
    expect(crash).toMatch(/session timeout/i);
    await expect(consumerCheck(runner, 'paused')()).rejects.toThrow(/consumer stopped by a crash, being started again: .*session timeout/i);
    const restarts = async () => ((await (metrics.registry.getSingleMetric('kafka_consumer_restarts_total') as Counter<'group'> | undefined)?.get())?.values.find((v) => v.labels.group === groupId)?.value ?? 0);
    await waitFor('new consumers started after the crashes', async () => (await restarts()) >= 2, { timeoutMs: 30_000, intervalMs: 100 });

    await runner.stop();
    const afterStop = await restarts();
    // A grace period, not a wait for an event: a restart after stop() would come within it (backoff ≤ 200 ms).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await restarts()).toBe(afterStop);
  });

  test('when a handful of 2 000 messages fail deterministically, then each is dead-lettered once, every other one is handled in key order, and a restarted runner re-handles nothing committed', async () => {
    const { topic, deadLetterTopic } = await freshTopics(4);
    const groupId = uniqueName('runner-poison');
    const all = bodies('first', 100, 20);
    // Bad ones in the middle of their keys, so the key's later messages must still apply.
    const badKeys = new Set(['key-3|5', 'key-17|0', 'key-42|19', 'key-42|7', 'key-64|11', 'key-99|13', 'key-8|9']);
    for (const b of all) if (badKeys.has(`${b.k}|${b.seq}`)) b.bad = true;
    const applied = new Map<string, number[]>();
    const handledBy: Array<{ runner: number; body: Body }> = [];
    const handler = (runner: number) => async (msg: ConsumedMessage) => {
      const body = bodyOf(msg);
      if (body.bad) throw new RangeError(`seq ${body.seq} of ${body.k} lies outside the supported years 1000–9999`);
      handledBy.push({ runner, body });
      applied.set(body.k, [...(applied.get(body.k) ?? []), body.seq]);
    };
    const letters = await collectLetters(deadLetterTopic);

    const first = startRunner({ groupId, topics: [topic], deadLetterTopic, handle: handler(1) });
    await first.start();
    await produce(topic, all);
    const good = all.filter((b) => !b.bad);
    await waitFor('every good message handled', () => handledBy.length >= good.length, { timeoutMs: 90_000 });
    await waitFor('every bad message dead-lettered', () => letters().length >= badKeys.size, { timeoutMs: 30_000 });

    for (let k = 0; k < 100; k++) {
      const key = `key-${k}`;
      expect({ key, seqs: applied.get(key) }).toEqual({ key, seqs: all.filter((b) => b.k === key && !b.bad).map((b) => b.seq) });
    }
    const lettered = letters().map((l) => JSON.parse(l.value!) as Body).map((b) => `${b.k}|${b.seq}`);
    expect(lettered.sort()).toEqual([...badKeys].sort());
    for (const l of letters()) expect(l).toMatchObject({ originalTopic: topic, errorCode: 'RangeError', reason: expect.stringContaining('supported years') });
    expect(first.isPaused()).toBe(false);

    // Everything handled is committed, so a new runner of the same group starts after it.
    await waitFor('the handled offsets committed', async () => {
      const [done, high] = await Promise.all([committed(groupId, topic), highWatermarks(topic)]);
      return [...high].every(([p, h]) => done.get(p) === h);
    });
    await first.stop();
    const second = startRunner({ groupId, topics: [topic], deadLetterTopic, handle: handler(2) });
    await second.start();
    const later = bodies('after-restart', 10, 3, 100);
    await produce(topic, later);
    await waitFor('the messages produced after the restart handled', () => handledBy.filter((h) => h.runner === 2).length >= later.length, { timeoutMs: 60_000 });
    expect(handledBy.filter((h) => h.runner === 2).map((h) => h.body.phase)).toEqual(later.map(() => 'after-restart'));
    expect(handledBy).toHaveLength(good.length + later.length);
    expect(letters()).toHaveLength(badKeys.size);
  }, 180_000);

  test('when every lane of a batch waits on its store for longer than the session timeout, then the consumer stays in its group and handles each message once', async () => {
    const { topic, deadLetterTopic } = await freshTopics(2);
    const groupId = uniqueName('runner-slow');
    const handled: string[] = [];
    // The broker's smallest session (6 s); each of the 4 messages holds its lane 8 s, and
    // there is one lane, so no lane finishes (and beats) within a session.
    let joins = 0;
    const runner = startRunner({
      groupId, topics: [topic], deadLetterTopic, concurrency: 1, sessionTimeoutMs: 6000,
      handle: async (msg) => {
        await new Promise((resolve) => setTimeout(resolve, 8000));
        handled.push(`${bodyOf(msg).k}|${bodyOf(msg).seq}`);
      },
      // Told of each join, as sla's reader of the snapshots is.
      onJoin: () => (joins += 1),
    });
    await runner.start();
    await waitFor('the consumer joined', () => joins >= 1, { timeoutMs: 30_000, intervalMs: 100 });
    const slow = bodies('slow', 2, 2);
    await produce(topic, slow);
    await waitFor('every slow message handled and committed', async () => {
      if (handled.length < slow.length) return false;
      const [done, high] = await Promise.all([committed(groupId, topic), highWatermarks(topic)]);
      return [...high].every(([p, h]) => done.get(p) === h);
    }, { timeoutMs: 120_000, intervalMs: 250 });
    // Dropped from the group, the member would have rejoined and been given the uncommitted
    // messages again: a second join and the same message handled twice.
    expect(joins).toBe(1);
    expect([...handled].sort()).toEqual(slow.map((b) => `${b.k}|${b.seq}`).sort());
  }, 180_000);

  test('when a backlog is larger than one default fetch, then the default 8 MiB fetch brings a key\'s backlog as one lane and kafkajs\'s 1 MiB in several', async () => {
    const { topic, deadLetterTopic } = await freshTopics(1);
    // 3 000 messages of about 1 KB of one key: about 3 MB, three times kafkajs's 1 MiB per partition.
    const backlog = bodies('backlog', 1, 3000).map((b) => ({ ...b, pad: 'x'.repeat(1000) }));
    await produce(topic, backlog);
    const lanesOf = async (fetchBytesPerPartition?: number) => {
      const lanes: number[][] = [];
      const runner = startRunner({
        groupId: uniqueName('runner-fetch'), topics: [topic], deadLetterTopic, fetchBytesPerPartition,
        handle: async (msg) => void lanes.push([bodyOf(msg).seq]),
        handleLane: async (msgs) => {
          lanes.push(msgs.map((m) => bodyOf(m).seq));
          return msgs.map(() => ({ ok: true as const }));
        },
      });
      await runner.start();
      try {
        await waitFor('the whole backlog handled', () => lanes.flat().length >= backlog.length, { timeoutMs: 60_000 });
      } finally {
        await runner.stop();
      }
      // Each message once, in order, whatever the cut.
      expect(lanes.flat()).toEqual(backlog.map((b) => b.seq));
      return lanes.map((l) => l.length);
    };
    expect(await lanesOf(undefined)).toEqual([3000]);
    const cut = await lanesOf(1_048_576);
    expect(cut.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...cut)).toBeLessThan(1100);
  }, 120_000);

  test('when a consumer works through a backlog, then its lag gauge reads the messages left as it goes, 0 once caught up, and nothing after it stops', async () => {
    const { topic, deadLetterTopic } = await freshTopics(1);
    // Offsets 0–299: ten keys, seq 0–29 each, seq-major, so the first 150 offsets are seq < 15.
    await produce(topic, bodies('lag', 10, 30));
    const metrics = createMetrics('runner-test');
    const groupId = uniqueName('runner-lag');
    const gate = () => {
      let open!: () => void;
      return { held: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    };
    const firstHalf = gate();
    const secondHalf = gate();
    const handled: number[] = [];
    // A lane for every key: each holds at seq 15 until the second gate opens.
    const runner = startRunner({
      groupId, topics: [topic], deadLetterTopic, metrics, concurrency: 10,
      handle: async (msg) => {
        const { seq } = bodyOf(msg);
        await (seq < 15 ? firstHalf : secondHalf).held;
        handled.push(seq);
      },
    });
    const lagNow = () => gaugeValue(metrics, 'kafka_consumer_lag', groupId);
    await runner.start();
    // Held at the gate, nothing of the fetched batch is handled: all 300 are behind.
    await waitFor('the lag of the held batch', async () => (await lagNow()) === 300, { timeoutMs: 60_000 });
    // Half of the batch handled while it still runs: the figure follows before the batch ends.
    firstHalf.open();
    await waitFor('the lag of the half-handled batch', async () => (await lagNow()) === 150, { timeoutMs: 30_000 });
    expect(handled).toHaveLength(150);
    secondHalf.open();
    await waitFor('the backlog handled', () => handled.length === 300, { timeoutMs: 60_000 });
    await waitFor('the lag back to 0', async () => (await lagNow()) === 0, { timeoutMs: 30_000 });
    await runner.stop();
    expect(await lagNow()).toBeUndefined();
  }, 120_000);

  test('when a message fails for an unknown reason, then it is retried in place and dead-lettered only when it keeps failing', async () => {
    const { topic, deadLetterTopic } = await freshTopics(1);
    const attempts = new Map<string, number>();
    const applied: string[] = [];
    const letters = await collectLetters(deadLetterTopic);
    const metrics = createMetrics('runner-test');
    const runner = startRunner({
      groupId: uniqueName('runner-unknown'),
      topics: [topic],
      deadLetterTopic,
      metrics,
      retryBackoffMs: 10,
      handle: async (msg) => {
        const body = bodyOf(msg);
        const n = (attempts.get(body.k) ?? 0) + 1;
        attempts.set(body.k, n);
        if (body.phase === 'flaky' && n < 3) throw new Error('lost the race, try again');
        if (body.phase === 'broken') throw new Error('always fails the same unnamed way');
        applied.push(body.k);
      },
    });
    await runner.start();
    await produce(topic, [
      { k: 'flaky', seq: 0, phase: 'flaky' },
      { k: 'broken', seq: 0, phase: 'broken' },
      { k: 'fine', seq: 0, phase: 'fine' },
    ]);

    const letter = await waitFor('the broken message dead-lettered', () => letters()[0], { timeoutMs: 30_000 });
    await waitFor('the flaky and the fine message applied', () => applied.length >= 2);
    expect(applied.sort()).toEqual(['fine', 'flaky']);
    expect(attempts.get('flaky')).toBe(3);
    expect(attempts.get('broken')).toBe(3);
    expect(letter).toMatchObject({ key: 'broken', errorCode: 'Error', reason: 'always fails the same unnamed way (failed 3 times)' });
    const outcomes = (await metrics.registry.getSingleMetric('kafka_messages_processed_total')!.get()).values;
    const count = (outcome: string) => outcomes.find((v) => v.labels.outcome === outcome)?.value;
    expect([count('applied'), count('dead-lettered'), count('retried')]).toEqual([2, 1, 4]);
  }, 60_000);

  test('when MongoDB is unreachable for longer than 8 s, then the runner pauses without dead-lettering or committing past the failure, and once ready handles every message exactly once', async () => {
    const { topic, deadLetterTopic } = await freshTopics(3);
    const groupId = uniqueName('runner-outage');
    const metrics = createMetrics('runner-test');
    const state = { down: false, probes: 0 };
    const applied = new Map<string, number[]>();
    let total = 0;
    const letters = await collectLetters(deadLetterTopic);
    const runner = startRunner({
      groupId,
      topics: [topic],
      deadLetterTopic,
      metrics,
      pauseBackoff: { initialMs: 100, maxMs: 1000 },
      dependenciesReady: async () => {
        state.probes++;
        return !state.down;
      },
      handle: async (msg) => {
        const body = bodyOf(msg);
        if (state.down) throw new mongo.MongoNetworkError('connection 4 to 127.0.0.1:27217 closed');
        applied.set(body.k, [...(applied.get(body.k) ?? []), body.seq]);
        total++;
      },
    });
    await runner.start();
    const before = bodies('before', 20, 3);
    await produce(topic, before);
    await waitFor('the messages before the outage handled', () => total >= before.length, { timeoutMs: 30_000 });
    await waitFor('their offsets committed', async () => {
      const [done, high] = await Promise.all([committed(groupId, topic), highWatermarks(topic)]);
      return [...high].every(([p, h]) => done.get(p) === h);
    });
    const outageStarts = await highWatermarks(topic);

    state.down = true;
    const during = bodies('during', 20, 6, 3);
    await produce(topic, during);
    await waitFor('the runner paused', () => runner.isPaused(), { timeoutMs: 30_000 });
    expect(await gaugeValue(metrics, 'kafka_consumer_paused', groupId)).toBe(1);
    // The outage outlasts the driver's server selection (5 s) and mongoose's buffering (10 s)
    // that ended the earlier attempts; the runner keeps probing all along.
    const outageBegan = Date.now();
    await waitFor('an outage longer than 12 s with several probes', () => Date.now() - outageBegan > 12_000 && state.probes >= 5, { timeoutMs: 30_000, intervalMs: 250 });
    expect(runner.isPaused()).toBe(true);
    const heldBack = await committed(groupId, topic);
    for (const [partition, start] of outageStarts) expect({ partition, committed: heldBack.get(partition) }).toEqual({ partition, committed: start });
    expect(total).toBe(before.length);

    state.down = false;
    await waitFor('every message of the outage handled', () => total >= before.length + during.length, { timeoutMs: 60_000 });
    await waitFor('the runner resumed', () => !runner.isPaused());
    expect(await gaugeValue(metrics, 'kafka_consumer_paused', groupId)).toBe(0);
    for (let k = 0; k < 20; k++) expect(applied.get(`key-${k}`)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(total).toBe(before.length + during.length);
    expect(letters()).toEqual([]);
    const outcomes = (await metrics.registry.getSingleMetric('kafka_messages_processed_total')!.get()).values;
    expect(outcomes.find((v) => v.labels.outcome === 'paused')?.value).toBeGreaterThan(0);
    expect(outcomes.find((v) => v.labels.outcome === 'dead-lettered')).toBeUndefined();
  }, 120_000);

  test('when the dead letter of a message near Kafka\'s record limit is too large, then it is published with its value cut and the partition moves on', async () => {
    const { topic, deadLetterTopic } = await freshTopics(1);
    const applied: number[] = [];
    const letters = await collectLetters(deadLetterTopic);
    const runner = startRunner({
      groupId: uniqueName('runner-big'),
      topics: [topic],
      deadLetterTopic,
      handle: async (msg) => {
        const body = bodyOf(msg);
        if (body.bad) throw new TypeError('cannot read the deadline of an absurd event');
        applied.push(body.seq);
      },
    });
    await runner.start();
    // Quotes double once escaped into the message and again into the letter: about 800 KB
    // is accepted by Kafka, its dead letter (about 1.6 MB) is not.
    const big = { k: 'a', seq: 0, phase: 'x', bad: true, pad: '"'.repeat(400_000) };
    await produce(topic, [big, { k: 'a', seq: 1, phase: 'x' }]);

    const letter = await waitFor('the cut dead letter', () => letters()[0], { timeoutMs: 30_000 });
    await waitFor('the next message of the key applied', () => applied.length === 1);
    expect(applied).toEqual([1]);
    expect(letter.value).toHaveLength(64 * 1024);
    expect(letter).toMatchObject({ offset: '0', errorCode: 'TypeError', reason: expect.stringContaining(`the original is at ${topic} 0/0`) });
    expect(runner.isPaused()).toBe(false);
  }, 60_000);

  test('when the dead letter cannot be published, then the runner pauses on the poison message instead of dropping it, and dead-letters it once Kafka takes it', async () => {
    const { topic, deadLetterTopic } = await freshTopics(1);
    const groupId = uniqueName('runner-dlt-down');
    const dlProducer = createProducer(kafka);
    const applied: number[] = [];
    const letters = await collectLetters(deadLetterTopic);
    const runner = startRunner({
      groupId,
      topics: [topic],
      deadLetterTopic,
      // Not connected yet: sending fails the way it does while the brokers are away.
      producer: dlProducer,
      pauseBackoff: { initialMs: 100, maxMs: 500 },
      handle: async (msg) => {
        const body = bodyOf(msg);
        if (body.bad) throw new TypeError('cannot read the deadline of an absurd event');
        applied.push(body.seq);
      },
    });
    await runner.start();
    await produce(topic, [
      { k: 'a', seq: 0, phase: 'x' },
      { k: 'a', seq: 1, phase: 'x', bad: true },
      { k: 'a', seq: 2, phase: 'x' },
    ]);
    await waitFor('the runner paused on the dead letter', () => runner.isPaused(), { timeoutMs: 30_000 });
    expect(applied).toEqual([0]);
    await waitFor('the message before the poison committed, and not the poison', async () => (await committed(groupId, topic)).get(0) === 1);

    await dlProducer.connect();
    try {
      await waitFor('the poison dead-lettered and the next message applied', () => letters().length === 1 && applied.length === 2, { timeoutMs: 30_000 });
      expect(applied).toEqual([0, 2]);
      expect(letters()[0]).toMatchObject({ offset: '1', errorCode: 'TypeError', reason: 'cannot read the deadline of an absurd event' });
    } finally {
      await runner.stop();
      await dlProducer.disconnect();
    }
  }, 60_000);
});
