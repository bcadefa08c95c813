import mongoose, { type Connection } from 'mongoose';
import type { Admin, Producer } from 'kafkajs';
import { COLLECTIONS, topicsFor } from '@tthc/contracts';
import { dossierCode, requireEnv, tcpRelay, uniqueName, waitFor, withDatabase } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { cloudEvent, collectTopic, probeKafka, probeProducer } from './support/kafka-probe';

const AGENCY = 'G01.001.000';
const namespace = uniqueName('wf-outage');
const brokers = requireEnv('KAFKA_BROKERS');
const realMongo = new URL(requireEnv('MONGO_URL'));
const relay = tcpRelay({ host: realMongo.hostname, port: Number(realMongo.port || 27017) });
const topics = topicsFor(namespace);
const groupId = `${namespace}-workflow`;
const kafka = probeKafka(brokers);
let app: ReturnType<typeof createApp>;
let url = '';
let mongo: Connection;
let producer: Producer;
let admin: Admin;
let deadLetters: Awaited<ReturnType<typeof collectTopic>>;

const reception = (code: string) =>
  cloudEvent('vn.tthc.dossier.received', { dossierCode: code, procedureCode: '1.001612', agencyCode: AGENCY, receivedAt: '2026-11-23T09:00:00+07:00', appointmentAt: '2026-12-04T17:00:00+07:00' }, '2026-11-23T09:00:00+07:00');
async function send(codes: string[]): Promise<void> {
  await producer.send({ topic: topics.dossierEvents, acks: -1, messages: codes.map((code) => ({ key: code, value: JSON.stringify(reception(code)) })) });
}
const stored = (codes: string[]) => mongo.collection(COLLECTIONS.dossiers).find({ _id: { $in: codes } } as never).toArray() as unknown as Promise<Array<{ revision: number; history: unknown[] }>>;
const positions = async (read: () => Promise<Array<{ partition: number; offset?: string; high?: string }>>) => new Map((await read()).map((p) => [p.partition, Number(p.offset ?? p.high)]));
const highWatermarks = () => positions(() => admin.fetchTopicOffsets(topics.dossierEvents));
// A partition none of the random codes hashed to (about 1 run in 40 with 30 codes on 6
// partitions) has no committed offset (-1) and a high watermark of 0: it is caught up, at 0.
const committed = async () => positions(async () => (await admin.fetchOffsets({ groupId, topics: [topics.dossierEvents] }))[0]!.partitions.map((p) => (p.offset === '-1' ? { ...p, offset: '0' } : p)));
async function readiness(): Promise<{ status: number; consumer: string | undefined }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, consumer: ((await res.json()) as { checks: Record<string, string> }).checks['consumer'] };
}
async function pausedGauge(): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('kafka_consumer_paused{') && l.includes(`group="${groupId}"`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

beforeAll(async () => {
  await relay.up();
  const viaRelay = new URL(realMongo.toString());
  viaRelay.host = `127.0.0.1:${relay.port()}`;
  app = createApp(
    loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_NAMESPACE: namespace,
      MONGO_URL: withDatabase(viaRelay.toString(), namespace),
      REDIS_URL: requireEnv('REDIS_URL'),
      QUEUE_PREFIX: namespace,
      CONSUMER_GROUP: groupId,
      PORT: '0',
      API_KEYS: 'outage-test-key:*',
      UNKNOWN_DOSSIER_GRACE_SECONDS: '3600',
      UNKNOWN_SWEEP_SECONDS: '3600',
      CALENDAR_POLL_SECONDS: '3600',
    }),
  );
  url = (await app.start()).url;
  mongo = await mongoose.createConnection(withDatabase(realMongo.toString(), namespace)).asPromise();
  producer = probeProducer(kafka);
  await producer.connect();
  admin = kafka.admin();
  await admin.connect();
  deadLetters = await collectTopic(kafka, topics.deadLetter);
});

afterAll(async () => {
  await relay.up().catch(() => undefined);
  await deadLetters?.stop();
  await producer?.disconnect();
  await admin?.disconnect();
  await app?.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await relay.down();
});

describe('workflow while its MongoDB is unreachable', () => {
  test('when MongoDB is away for longer than 8 s, then the consumer pauses, readiness fails, nothing is committed or dead-lettered, and afterwards the lag drains', async () => {
    const before = Array.from({ length: 30 }, () => dossierCode(AGENCY, '261123'));
    await send(before);
    await waitFor('the dossiers before the outage stored', async () => (await stored(before)).length === before.length, { timeoutMs: 30_000, intervalMs: 200 });
    await waitFor('their offsets committed', async () => {
      const [done, high] = await Promise.all([committed(), highWatermarks()]);
      return [...high].every(([p, h]) => done.get(p) === h);
      // A precondition, not the subject: with the suite's other worker loading both cores, a
      // rebalance or a refused commit can take kafkajs past 15 s before the next commit.
    }, { timeoutMs: 60_000, intervalMs: 250 });
    const outageStarts = await highWatermarks();

    await relay.down();
    const during = Array.from({ length: 100 }, () => dossierCode(AGENCY, '261124'));
    await send(during);
    await waitFor('the consumer paused and readiness failing on it', async () => (await readiness()).consumer?.startsWith('unavailable') && (await pausedGauge()) === 1, { timeoutMs: 60_000, intervalMs: 250 });
    expect((await readiness()).status).toBe(503);
    // Longer than the driver's server selection (5 s) and mongoose's buffering (10 s), which
    // used to end in a crash-and-retry of the whole batch.
    const outageBegan = Date.now();
    await waitFor('an outage of more than 12 s', () => Date.now() - outageBegan > 12_000, { timeoutMs: 20_000, intervalMs: 500 });
    expect(await pausedGauge()).toBe(1);
    const heldBack = await committed();
    for (const [partition, start] of outageStarts) expect({ partition, committed: heldBack.get(partition) }).toEqual({ partition, committed: start });
    expect(await stored(during)).toEqual([]);
    expect(deadLetters.messages).toEqual([]);

    await relay.up();
    const drained = await waitFor('every dossier of the outage stored', async () => {
      const docs = await stored(during);
      return docs.length === during.length ? docs : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    for (const doc of drained) expect({ revision: doc.revision, facts: doc.history.length }).toEqual({ revision: 1, facts: 1 });
    await waitFor('readiness back', async () => (await readiness()).status === 200, { timeoutMs: 30_000, intervalMs: 250 });
    expect(await pausedGauge()).toBe(0);
    expect(deadLetters.messages).toEqual([]);
  }, 180_000);
});
