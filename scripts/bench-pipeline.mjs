// Pipeline benchmark: portal → intake → Kafka → workflow → MongoDB → sla → BullMQ → alert.
// Measures (1) sustained ingest throughput of dossier events and the time until workflow and
// sla have applied them, and (2) how late overdue alerts are raised when many deadlines fall
// due in the same second. Prints figures and the machine; asserts nothing about timings.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const mongoose = require('mongoose');
const { resolveEndpoints } = require(join(root, 'packages/testkit/dist/infra'));
const svc = (name) => ({ ...require(join(root, `services/${name}/dist/app.js`)), ...require(join(root, `services/${name}/dist/config.js`)) });

const INGEST_EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 20_000);
const BATCH = 500;
const CONCURRENCY = 4;
const SAME_SECOND_DEADLINES = Number(process.env.BENCH_DUE_SAME_SECOND ?? 1000);
const KEY = 'bench-key-0001';
const log = (m) => console.log(`[bench] ${m}`);

const infra = await resolveEndpoints({ profile: 'test', workload: 'bench', log: () => undefined });
const ns = `bench-${Date.now().toString(36)}`;
const mongoUrl = new URL(infra.mongoUrl);
mongoUrl.pathname = `/${ns}`;
const base = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  KAFKA_BROKERS: infra.kafkaBrokers,
  KAFKA_TOPIC_NAMESPACE: ns,
  MONGO_URL: mongoUrl.toString(),
  REDIS_URL: infra.redisUrl,
  PORT: '0',
  API_KEYS: `${KEY}:*:portal`,
};
const W = svc('workflow'), S = svc('sla'), I = svc('intake');
const workflow = W.createApp(W.loadConfig({ ...base, CONSUMER_GROUP: `${ns}-wf`, QUEUE_PREFIX: ns }));
const sla = S.createApp(S.loadConfig({ ...base, CONSUMER_GROUP: `${ns}-sla`, SLA_UPSTREAM_CONSUMER_GROUP: `${ns}-wf`, QUEUE_PREFIX: ns, ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}), ...(process.env.WORKER_FETCHERS ? { WORKER_FETCHERS: process.env.WORKER_FETCHERS } : {}) }));
const intake = I.createApp(I.loadConfig({ ...base, REDIS_KEY_PREFIX: ns }));
await workflow.start();
await sla.start();
const { url } = await intake.start();
const db = await mongoose.createConnection(mongoUrl.toString()).asPromise();

function event(appointmentAt) {
  const code = `BENCH.${ns}-${randomUUID().slice(0, 13)}`;
  const now = new Date().toISOString();
  return {
    specversion: '1.0', id: randomUUID(), source: 'urn:portal:bench', type: 'vn.tthc.dossier.received', time: now,
    data: { dossierCode: code, procedureCode: '1.001234', agencyCode: 'G01.001.000', receivedAt: now, appointmentAt },
  };
}

async function post(batch) {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify(batch),
  });
  if (res.status !== 202) throw new Error(`intake answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

async function waitCount(collection, filter, n, timeoutMs = 600_000) {
  const t0 = Date.now();
  for (;;) {
    const c = await db.collection(collection).countDocuments(filter);
    if (c >= n) return Date.now();
    if (Date.now() - t0 > timeoutMs) throw new Error(`${collection}: ${c}/${n} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

try {
  log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`);
  log(`infrastructure: ${infra.source} (Kafka ${infra.kafkaBrokers}); all four services run in this one process`);

  // 1. Ingest: batches of 500, 4 requests in flight, far-future deadlines so no timer fires.
  const far = new Date(Date.now() + 30 * 86400_000).toISOString();
  const batches = Array.from({ length: Math.ceil(INGEST_EVENTS / BATCH) }, () => Array.from({ length: BATCH }, () => event(far)));
  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < batches.length) await post(batches[next++]);
  }));
  const tAccepted = Date.now();
  const total = batches.length * BATCH;
  log(`ingest: ${total} events accepted by intake (acks=all) in ${((tAccepted - t0) / 1000).toFixed(2)} s = ${Math.round(total / ((tAccepted - t0) / 1000))} events/s`);
  const tStored = await waitCount('dossiers', {}, total);
  log(`workflow: all ${total} dossiers stored ${((tStored - t0) / 1000).toFixed(2)} s after the first request = ${Math.round(total / ((tStored - t0) / 1000))} dossiers/s end to end`);
  // Each dossier has several deadline entries (the appointment, the hand-over, …); count the appointments.
  const tTimers = await waitCount('sla_deadlines', { key: 'dossier' }, total);
  log(`sla: all ${total} dossier deadlines tracked ${((tTimers - t0) / 1000).toFixed(2)} s after the first request`);
  const keys = await sla.queue.getJobCounts('delayed');
  log(`redis: ${keys.delayed} delayed jobs held`);

  // 2. Many deadlines due in the same second.
  const dueAt = new Date(Math.ceil((Date.now() + 20_000) / 1000) * 1000);
  const due = Array.from({ length: SAME_SECOND_DEADLINES }, () => event(dueAt.toISOString()));
  for (let i = 0; i < due.length; i += BATCH) await post(due.slice(i, i + BATCH));
  log(`${SAME_SECOND_DEADLINES} dossiers accepted, all due at ${dueAt.toISOString()} (${((dueAt - Date.now()) / 1000).toFixed(1)} s from now)`);
  await waitCount('sla_deadlines', { dueAt }, SAME_SECOND_DEADLINES);
  await waitCount('alerts', { dueAt }, SAME_SECOND_DEADLINES, 300_000);
  const alerts = await db.collection('alerts').find({ dueAt }).project({ raisedAt: 1 }).toArray();
  const delays = alerts.map((a) => a.raisedAt.getTime() - dueAt.getTime()).sort((a, b) => a - b);
  log(`overdue detection for ${delays.length} deadlines due in the same second: p50 ${pct(delays, 50)} ms, p99 ${pct(delays, 99)} ms, max ${delays[delays.length - 1]} ms after the due instant`);
  const flagged = await waitCount('dossiers', { dueAt, overdue: true }, SAME_SECOND_DEADLINES, 300_000);
  log(`workflow: all ${SAME_SECOND_DEADLINES} dossiers show overdue=true ${flagged - dueAt.getTime()} ms after the due instant`);
} finally {
  await intake.stop();
  await sla.queue.obliterate({ force: true }).catch(() => undefined);
  await sla.stop();
  await workflow.stop();
  await db.dropDatabase().catch(() => undefined);
  await db.close();
  await infra.stop();
}
