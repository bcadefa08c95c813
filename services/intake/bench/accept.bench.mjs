// Intake throughput: events accepted per second (validated, claimed in Redis, acknowledged by
// Kafka with acks=all) when a portal posts batches of 500 with 4 requests in flight. Intake runs
// in this process against the test infrastructure, in its own topic namespace and Redis prefix,
// so no other service needs to run. Prints the figure and the machine; asserts nothing.
//   npm run build && npm run bench -w @tthc/intake
// BENCH_INTAKE_EVENTS (default 100000) sets the event count; KAFKA_COMPRESSION is passed through.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const require = createRequire(import.meta.url);
for (const built of [join(here, '../dist/app.js'), join(root, 'packages/testkit/dist/index.js')]) {
  if (!existsSync(built)) {
    process.stderr.write(`accept.bench: ${built} is missing; run npm run build first\n`);
    process.exit(2);
  }
}
const { createApp } = require(join(here, '../dist/app.js'));
const { loadConfig } = require(join(here, '../dist/config.js'));
const { resolveEndpoints, loseRedisKeys } = require(join(root, 'packages/testkit/dist/index.js'));
const { topicsFor } = require('@tthc/contracts');
const { Kafka, logLevel } = require('kafkajs');
const { Redis } = require('ioredis');

const EVENTS = Number(process.env.BENCH_INTAKE_EVENTS ?? 100_000);
const BATCH = 500;
const CONCURRENCY = 4;
// The whole run stays within a minute on a slow or busy machine: past this, no new request starts
// and the figure covers the events sent so far.
const POST_BUDGET_MS = Number(process.env.BENCH_INTAKE_MAX_SECONDS ?? 40) * 1000;
const KEY = 'bench-intake-key-0001';
const log = (m) => console.log(`[intake bench] ${m}`);

const infra = await resolveEndpoints({ profile: 'test', workload: 'bench', log: () => undefined });
const ns = `bench-intake-${Date.now().toString(36)}`;
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  PORT: '0',
  KAFKA_BROKERS: infra.kafkaBrokers,
  KAFKA_TOPIC_NAMESPACE: ns,
  // The test infrastructure has one broker; the default layout's 3 replicas would only warn.
  KAFKA_REPLICATION_FACTOR: '1',
  KAFKA_MIN_INSYNC_REPLICAS: '1',
  REDIS_URL: infra.redisUrl,
  REDIS_KEY_PREFIX: ns,
  API_KEYS: `${KEY}:*:portal`,
  ...(process.env.KAFKA_COMPRESSION ? { KAFKA_COMPRESSION: process.env.KAFKA_COMPRESSION } : {}),
});
const intake = createApp(config);

function event() {
  const now = new Date().toISOString();
  const far = new Date(Date.now() + 30 * 86400_000).toISOString();
  return {
    specversion: '1.0', id: randomUUID(), source: 'urn:portal:bench', type: 'vn.tthc.dossier.received', time: now,
    data: { dossierCode: `BENCH.${randomUUID().slice(0, 13)}`, procedureCode: '1.001234', agencyCode: 'G01.001.000', receivedAt: now, appointmentAt: far },
  };
}

let exitCode = 0;
try {
  const { url } = await intake.start();
  log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  log(`infrastructure: ${infra.source} (Kafka ${infra.kafkaBrokers}); compression ${config.KAFKA_COMPRESSION ?? 'none'}; intake runs in this process`);

  // Bodies are serialised before the clock starts: the client shares this process's CPU with intake.
  const bodies = Array.from({ length: Math.ceil(EVENTS / BATCH) }, (_, b) => JSON.stringify(Array.from({ length: Math.min(BATCH, EVENTS - b * BATCH) }, event)));
  const post = async (body) => {
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${KEY}` }, body });
    const text = await res.text();
    if (res.status !== 202) throw new Error(`intake answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text).results.filter((r) => r.status === 'accepted').length;
  };
  // Warm-up: connections, the partition leaders' metadata and the JIT, outside the measurement.
  await post(JSON.stringify([event()]));

  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let next = 0;
  let accepted = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length && performance.now() - t0 < POST_BUDGET_MS) {
      const n = await post(bodies[next++]);
      accepted += n;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cut = next < bodies.length ? ` (stopped after ${POST_BUDGET_MS / 1000} s, ${next} of ${bodies.length} requests sent)` : '';
  log(`accepted ${accepted} events in ${next} requests of ${BATCH}, ${CONCURRENCY} in flight, in ${seconds.toFixed(2)} s = ${Math.round(accepted / seconds)} events/s${cut}`);
  // Wall-clock rates move with whatever else the shared machine runs; the CPU this process spent
  // per event (intake plus the small client side) moves much less between runs.
  log(`process CPU: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)}) = ${((cpu.user + cpu.system) / accepted).toFixed(1)} µs per event, ${Math.round(accepted / ((cpu.user + cpu.system) / 1e6))} events per CPU-second`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await intake.stop().catch(() => undefined);
  const redis = new Redis(infra.redisUrl, { lazyConnect: true });
  await redis.connect().then(() => loseRedisKeys(redis, `${ns}:`)).catch(() => undefined);
  redis.disconnect();
  const admin = new Kafka({ clientId: 'intake-bench', brokers: infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect().then(() => admin.deleteTopics({ topics: [topicsFor(ns).dossierEvents], timeout: 10_000 })).catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  await infra.stop();
}
process.exit(exitCode);
