/**
 * Smoke and compatibility test for the shared test infrastructure started by jest's globalSetup.
 *
 * It exercises the exact client features the services rely on, against whatever backend
 * globalSetup resolved: real Kafka, Redis and, locally, mongo-java-server in place of MongoDB.
 * A failure here means a backend is unsuitable, not that a service is broken.
 */
import { randomUUID } from 'node:crypto';

import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { Schema, type Connection } from 'mongoose';
import { startKafkaProbe, type KafkaProbe } from '../kafka-probe';

function requireEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run this test through the root jest config (globalSetup)`);
  return value;
}

// Unique per file and run, so parallel workers and reruns against a long-lived broker never collide.
const runId = `${process.env.JEST_WORKER_ID ?? '0'}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;

describe('Kafka', () => {
  const kafka = new Kafka({
    clientId: `testkit-infra-${runId}`,
    brokers: requireEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  let probe: KafkaProbe | undefined;

  afterEach(async () => {
    await probe?.stop();
    probe = undefined;
  });

  it('when a topic is created and a message is produced with acks=-1, then a consumer group reads it back', async () => {
    const topic = `testkit.infra.smoke.${runId}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      expect(created).toBe(true);
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const [record] = await producer.send({
        topic,
        acks: -1,
        messages: [{ key: 'case-1', value: JSON.stringify({ hello: 'kafka' }), headers: { 'x-trace': 'abc' } }],
      });
      expect(record?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }

    probe = await startKafkaProbe({ kafka, topics: topic, groupId: `testkit-infra-${runId}` });
    const message = await probe.waitFor('the message', (messages) => messages[0], { timeoutMs: 30_000 });
    const received = { key: message.key ?? '', value: message.raw?.toString() ?? '', trace: message.headers['x-trace'] ?? '' };
    expect(received).toEqual({ key: 'case-1', value: JSON.stringify({ hello: 'kafka' }), trace: 'abc' });
  });
});

describe('Redis', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(requireEnv('REDIS_URL'), { maxRetriesPerRequest: 3 });
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('when PING is sent, then PONG comes back', async () => {
    await expect(redis.ping()).resolves.toBe('PONG');
  });

  it('when a key is SET with an expiry, then GET returns the value', async () => {
    const key = `testkit:infra:${runId}`;
    await expect(redis.set(key, 'value-1', 'EX', 60)).resolves.toBe('OK');
    await expect(redis.get(key)).resolves.toBe('value-1');
    await redis.del(key);
  });
});

describe('MongoDB (mongoose 8)', () => {
  let connection: Connection;

  interface CaseDoc {
    code: string;
    office: string;
    status: string;
    version: number;
    hits: number;
    createdBy?: string;
    history: Array<{ at: Date; event: string }>;
    dueAt?: Date;
  }

  const caseSchema = new Schema<CaseDoc>({
    code: { type: String, required: true, unique: true },
    office: { type: String, required: true },
    status: { type: String, required: true },
    version: { type: Number, required: true, default: 0 },
    hits: { type: Number, required: true, default: 0 },
    createdBy: String,
    history: [{ _id: false, at: Date, event: String }],
    dueAt: Date,
  });

  let Case: mongoose.Model<CaseDoc>;

  beforeAll(async () => {
    // A database of its own per test file, so parallel files and reruns never see each other's data.
    connection = await mongoose.createConnection(requireEnv('MONGO_URL'), { dbName: `testkit_infra_${runId.replace(/-/g, '_')}` }).asPromise();
    Case = connection.model<CaseDoc>('Case', caseSchema);
    // Unique indexes are built asynchronously by default; E11000 is only guaranteed once they exist.
    await Case.init();
  });

  afterAll(async () => {
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close();
  });

  it('when a document violates a unique index, then the insert fails with E11000 (code 11000)', async () => {
    await Case.create({ code: 'UNIQ-1', office: 'A', status: 'new' });
    const duplicate = Case.create({ code: 'UNIQ-1', office: 'B', status: 'new' });
    await expect(duplicate).rejects.toMatchObject({ code: 11000 });
    await expect(duplicate).rejects.toThrow(/E11000/);
  });

  it('when findOneAndUpdate upserts with $setOnInsert, $set and $inc, then the insert and the later update both apply correctly', async () => {
    const update = (status: string) =>
      Case.findOneAndUpdate(
        { code: 'UPSERT-1' },
        { $setOnInsert: { office: 'A', createdBy: 'intake' }, $set: { status }, $inc: { hits: 1 } },
        { upsert: true, new: true },
      ).lean();

    const first = await update('new');
    expect(first).toMatchObject({ code: 'UPSERT-1', office: 'A', createdBy: 'intake', status: 'new', hits: 1 });

    const second = await update('in-progress');
    expect(second).toMatchObject({ code: 'UPSERT-1', office: 'A', createdBy: 'intake', status: 'in-progress', hits: 2 });
    expect(String(second?._id)).toBe(String(first?._id));
  });

  it('when updateOne filters on the version field, then only the writer holding the current version wins', async () => {
    const created = await Case.create({ code: 'OCC-1', office: 'A', status: 'new', version: 1 });

    const winner = await Case.updateOne({ _id: created._id, version: 1 }, { $set: { status: 'approved' }, $inc: { version: 1 } });
    expect(winner).toMatchObject({ matchedCount: 1, modifiedCount: 1 });

    const stale = await Case.updateOne({ _id: created._id, version: 1 }, { $set: { status: 'rejected' }, $inc: { version: 1 } });
    expect(stale).toMatchObject({ matchedCount: 0, modifiedCount: 0 });

    await expect(Case.findById(created._id).lean()).resolves.toMatchObject({ status: 'approved', version: 2 });
  });

  it('when entries are $push-ed onto an array, then they are appended in order', async () => {
    const created = await Case.create({ code: 'PUSH-1', office: 'A', status: 'new' });
    const at = new Date('2025-01-02T03:04:05.678Z');
    await Case.updateOne({ _id: created._id }, { $push: { history: { at, event: 'received' } } });
    await Case.updateOne({ _id: created._id }, { $push: { history: { $each: [{ at, event: 'assigned' }, { at, event: 'started' }] } } });

    const found = await Case.findById(created._id).lean();
    expect(found?.history.map((entry) => entry.event)).toEqual(['received', 'assigned', 'started']);
    expect(found?.history[0]?.at).toEqual(at);
  });

  it('when find() is sorted, limited and lean, then it returns plain objects in the requested order', async () => {
    await Case.insertMany([
      { code: 'SORT-3', office: 'S', status: 'new', hits: 3 },
      { code: 'SORT-1', office: 'S', status: 'new', hits: 1 },
      { code: 'SORT-2', office: 'S', status: 'new', hits: 2 },
    ]);
    const top = await Case.find({ office: 'S' }).sort({ hits: -1, code: 1 }).limit(2).lean();
    expect(top.map((doc) => doc.code)).toEqual(['SORT-3', 'SORT-2']);
    expect(top[0]).not.toBeInstanceOf(mongoose.Document);
  });

  it('when countDocuments is given a filter, then it counts only matching documents', async () => {
    await Case.insertMany([
      { code: 'COUNT-1', office: 'C', status: 'open' },
      { code: 'COUNT-2', office: 'C', status: 'open' },
      { code: 'COUNT-3', office: 'C', status: 'closed' },
    ]);
    await expect(Case.countDocuments({ office: 'C', status: 'open' })).resolves.toBe(2);
    await expect(Case.countDocuments({ office: 'C' })).resolves.toBe(3);
  });

  it('when aggregate runs $match and $group with $sum, then it returns per-group totals', async () => {
    await Case.insertMany([
      { code: 'AGG-1', office: 'G1', status: 'open', hits: 2 },
      { code: 'AGG-2', office: 'G1', status: 'open', hits: 3 },
      { code: 'AGG-3', office: 'G2', status: 'open', hits: 5 },
      { code: 'AGG-4', office: 'G2', status: 'closed', hits: 7 },
    ]);
    const rows = await Case.aggregate<{ _id: string; cases: number; hits: number }>([
      { $match: { office: { $in: ['G1', 'G2'] }, status: 'open' } },
      { $group: { _id: '$office', cases: { $sum: 1 }, hits: { $sum: '$hits' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(rows).toEqual([
      { _id: 'G1', cases: 2, hits: 5 },
      { _id: 'G2', cases: 1, hits: 5 },
    ]);
  });

  it('when bulkWrite mixes insertOne, an upserting updateOne and deleteOne, then every operation is applied', async () => {
    await Case.create({ code: 'BULK-DEL', office: 'B', status: 'new' });
    const result = await Case.bulkWrite([
      { insertOne: { document: { code: 'BULK-1', office: 'B', status: 'new' } } },
      { updateOne: { filter: { code: 'BULK-2' }, update: { $set: { office: 'B', status: 'new' } }, upsert: true } },
      { updateOne: { filter: { code: 'BULK-1' }, update: { $inc: { hits: 5 } } } },
      { deleteOne: { filter: { code: 'BULK-DEL' } } },
    ]);
    expect(result).toMatchObject({ insertedCount: 1, upsertedCount: 1, matchedCount: 1, modifiedCount: 1, deletedCount: 1 });
    const codes = (await Case.find({ office: 'B' }).sort({ code: 1 }).lean()).map((doc) => [doc.code, doc.hits]);
    expect(codes).toEqual([
      ['BULK-1', 5],
      ['BULK-2', 0],
    ]);
  });

  it('when a Date is stored through mongoose, then it reads back as the same instant (millisecond precision)', async () => {
    const dueAt = new Date('2025-06-30T16:59:59.999Z');
    const created = await Case.create({ code: 'DATE-1', office: 'D', status: 'new', dueAt });
    const found = await Case.findById(created._id).lean();
    expect(found?.dueAt).toBeInstanceOf(Date);
    expect(found?.dueAt?.toISOString()).toBe(dueAt.toISOString());
    await expect(Case.countDocuments({ dueAt: { $lte: new Date('2025-07-01T00:00:00Z') } })).resolves.toBe(1);
  });
});
