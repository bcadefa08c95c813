// Workflow alone: how fast it applies a backlog of receptions already in Kafka (produced
// straight to its topic, so intake and sla take no CPU), beside a raw bulk upsert of documents
// of the same size into the same MongoDB. Prints figures and the machine; asserts nothing.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);
const mongoose = require('mongoose');
const { Kafka, logLevel } = require('kafkajs');
const { resolveEndpoints } = require(join(root, 'packages/testkit/dist/infra'));
const { topicsFor } = require(join(root, 'packages/contracts/dist'));
const { createApp } = require(join(root, 'services/workflow/dist/app.js'));
const { loadConfig } = require(join(root, 'services/workflow/dist/config.js'));

const N = Number(process.env.BENCH_WORKFLOW_EVENTS ?? 20_000);
const log = (m) => console.log(`[bench:workflow] ${m}`);
const infra = await resolveEndpoints({ profile: 'test', workload: 'bench', log: () => undefined });
const ns = `wfbench-${Date.now().toString(36)}`;
const mongoUrl = new URL(infra.mongoUrl);
mongoUrl.pathname = `/${ns}`;
const topics = topicsFor(ns);
const kafka = new Kafka({ clientId: ns, brokers: infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });

function reception(i) {
  const day = String(1 + (i % 28)).padStart(2, '0');
  const code = `G01.001.000-2611${day}-${String(i).padStart(8, '0')}`;
  return {
    specversion: '1.0', id: randomUUID(), source: 'urn:portal:bench', type: 'vn.tthc.dossier.received', time: '2026-11-23T02:00:00.000Z',
    data: { dossierCode: code, procedureCode: '1.001612', agencyCode: 'G01.001.000', receivedAt: '2026-11-23T09:00:00+07:00', appointmentAt: '2027-01-04T17:00:00+07:00' },
  };
}

const app = createApp(loadConfig({
  NODE_ENV: 'test', LOG_LEVEL: 'silent', KAFKA_BROKERS: infra.kafkaBrokers, KAFKA_TOPIC_NAMESPACE: ns, MONGO_URL: mongoUrl.toString(),
  REDIS_URL: infra.redisUrl, QUEUE_PREFIX: ns, CONSUMER_GROUP: `${ns}-wf`, PORT: '0', API_KEYS: 'bench-key:*',
  ...(process.env.KAFKA_CONSUMER_CONCURRENCY ? { KAFKA_CONSUMER_CONCURRENCY: process.env.KAFKA_CONSUMER_CONCURRENCY } : {}),
}));
const db = await mongoose.createConnection(mongoUrl.toString()).asPromise();
const producer = kafka.producer({ allowAutoTopicCreation: false });
try {
  log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average ${os.loadavg()[0].toFixed(2)}`);
  await app.start(); // creates the topics
  await producer.connect();
  const events = Array.from({ length: N }, (_, i) => reception(i));
  for (let i = 0; i < N; i += 500) {
    await producer.send({ topic: topics.dossierEvents, acks: -1, messages: events.slice(i, i + 500).map((e) => ({ key: e.data.dossierCode, value: JSON.stringify(e) })) });
  }
  log(`${N} receptions produced; applying them`);
  const t0 = Date.now();
  for (;;) {
    const stored = await db.collection('dossiers').countDocuments({});
    if (stored >= N) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (Date.now() - t0) / 1000;
  log(`applied: ${N} subjects stored in ${seconds.toFixed(2)} s = ${Math.round(N / seconds)} subjects/s`);

  // The ceiling: the same documents bulk-upserted by 500, one batch after the other.
  const docs = await db.collection('dossiers').find({}).limit(N).toArray();
  const raw = db.collection(`raw_${ns}`);
  const r0 = Date.now();
  for (let i = 0; i < docs.length; i += 500) {
    await raw.bulkWrite(docs.slice(i, i + 500).map((d) => ({ updateOne: { filter: { _id: d._id }, update: { $set: d }, upsert: true } })), { ordered: false });
  }
  const rawSeconds = (Date.now() - r0) / 1000;
  log(`raw bulk upsert of the same ${docs.length} documents: ${rawSeconds.toFixed(2)} s = ${Math.round(docs.length / rawSeconds)} documents/s; workflow reaches ${((N / seconds) / (docs.length / rawSeconds)).toFixed(2)} × that`);
} finally {
  await producer.disconnect().catch(() => undefined);
  await app.stop();
  await db.dropDatabase().catch(() => undefined);
  await db.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics).filter((t) => typeof t === 'string') }).catch(() => undefined);
  await admin.disconnect();
  await infra.stop();
}
