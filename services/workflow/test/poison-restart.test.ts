import mongoose, { type Connection } from 'mongoose';
import type { Admin, Producer } from 'kafkajs';
import { SAMPLE_CATALOG_PATH, loadCatalogFile } from '@tthc/catalog';
import { importCatalog } from '@tthc/catalog/storage';
import { COLLECTIONS, topicsFor } from '@tthc/contracts';
import { dossierCode, requireEnv, uniqueName, waitFor, withDatabase } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { cloudEvent, collectTopic, probeKafka, probeProducer } from './support/kafka-probe';

const AGENCY = 'G01.001.000';
const namespace = uniqueName('wf-poison');
const brokers = requireEnv('KAFKA_BROKERS');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
const topics = topicsFor(namespace);
const groupId = `${namespace}-workflow`;
// Both instances share the consumer group, as a restarted service does.
const config = () =>
  loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_NAMESPACE: namespace,
    KAFKA_CONSUMER_CONCURRENCY: '16',
    MONGO_URL: mongoUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    QUEUE_PREFIX: namespace,
    CONSUMER_GROUP: groupId,
    PORT: '0',
    API_KEYS: 'poison-test-key:*',
    UNKNOWN_DOSSIER_GRACE_SECONDS: '3600',
    UNKNOWN_SWEEP_SECONDS: '3600',
    CALENDAR_POLL_SECONDS: '3600',
  });
const kafka = probeKafka(brokers);
let app = createApp(config());
let mongo: Connection;
let producer: Producer;
let admin: Admin;
let deadLetters: Awaited<ReturnType<typeof collectTopic>>;

type Event = ReturnType<typeof cloudEvent>;
const reception = (code: string, receivedAt = '2026-11-23T09:00:00+07:00', appointmentAt = '2026-12-04T17:00:00+07:00') =>
  cloudEvent('vn.tthc.dossier.received', { dossierCode: code, procedureCode: '1.001612', agencyCode: AGENCY, receivedAt, appointmentAt }, receivedAt);
const keyOf = (e: Event) => String(e.data['dossierCode']);

async function send(events: Event[]): Promise<void> {
  for (let i = 0; i < events.length; i += 250) {
    await producer.send({ topic: topics.dossierEvents, acks: -1, messages: events.slice(i, i + 250).map((e) => ({ key: keyOf(e), value: JSON.stringify(e) })) });
  }
}
const storedCount = (codes: string[]) => mongo.collection(COLLECTIONS.dossiers).countDocuments({ _id: { $in: codes } } as never);
const deadLetterCount = async () => (await admin.fetchTopicOffsets(topics.deadLetter)).reduce((n, p) => n + Number(p.high), 0);

beforeAll(async () => {
  mongo = await mongoose.createConnection(mongoUrl).asPromise();
  await importCatalog(mongo, loadCatalogFile(SAMPLE_CATALOG_PATH));
  await app.start();
  // Idempotent, so a send retried after a leader change cannot write a bad event twice (each copy would
  // rightly get its own dead letter).
  producer = probeProducer(kafka);
  await producer.connect();
  admin = kafka.admin();
  await admin.connect();
  deadLetters = await collectTopic(kafka, topics.deadLetter);
});

afterAll(async () => {
  await deadLetters?.stop();
  await producer?.disconnect();
  await admin?.disconnect();
  await app.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe('facts the calendar cannot place, already in Kafka', () => {
  test('when events of year 9999 sit among 500 good dossiers, then each is dead-lettered with its reason, every good one is stored, and after a restart 100 more are stored', async () => {
    const good = Array.from({ length: 500 }, () => reception(dossierCode(AGENCY, '261123')));
    // Bypassing intake, as events already in Kafka and other producers do.
    const firstCode = keyOf(good[0]!);
    const bad = [
      reception(dossierCode(AGENCY, '991231'), '9999-12-31T09:00:00+07:00', '9999-12-31T17:00:00+07:00'),
      reception(dossierCode(AGENCY, '991220'), '9999-12-20T09:00:00+07:00'),
      reception(dossierCode(AGENCY, '261123'), '2026-11-23T09:00:00+07:00', '9999-12-31T17:00:00+07:00'),
      // A later fact of a good dossier: the dossier itself must stay as it was.
      cloudEvent('vn.tthc.dossier.resolved', { dossierCode: firstCode, agencyCode: AGENCY, resolvedAt: '9999-12-30T10:00:00+07:00' }, '9999-12-30T10:00:00+07:00'),
    ];
    const mixed = [...good];
    bad.forEach((e, i) => mixed.splice(60 + i * 110, 0, e));
    await send(mixed);

    const goodCodes = good.map(keyOf);
    await waitFor('the 500 good dossiers stored', async () => (await storedCount(goodCodes)) === goodCodes.length, { timeoutMs: 120_000, intervalMs: 250 });
    const letters = await waitFor('a dead letter for each bad event', () => (deadLetters.messages.length >= bad.length ? deadLetters.messages : undefined), { timeoutMs: 30_000 });
    for (const e of bad) {
      const mine = letters.filter((m) => (JSON.parse(String(m.value.data?.['value'])) as Event).id === e.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.value.data).toMatchObject({ originalTopic: topics.dossierEvents, errorCode: expect.any(String), reason: expect.stringMatching(/years/) });
    }
    expect(await storedCount(bad.slice(0, 3).map(keyOf))).toBe(0);
    const first = (await mongo.collection(COLLECTIONS.dossiers).findOne({ _id: firstCode } as never)) as { history: unknown[]; phase: string } | null;
    expect({ facts: first?.history.length, phase: first?.phase }).toEqual({ facts: 1, phase: 'open' });

    // The regression: the stack used to stay stopped after a restart, the poison still in Kafka.
    await app.stop();
    app = createApp(config());
    const { url } = await app.start();
    const later = Array.from({ length: 100 }, () => reception(dossierCode(AGENCY, '261124')));
    await send(later);
    await waitFor('the 100 dossiers posted after the restart stored', async () => (await storedCount(later.map(keyOf))) === later.length, { timeoutMs: 60_000, intervalMs: 250 });
    // Dead-lettered messages were committed: the restarted instance did not meet them again.
    expect(await deadLetterCount()).toBe(bad.length);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks['consumer']).toBe('ok');
  }, 240_000);
});
