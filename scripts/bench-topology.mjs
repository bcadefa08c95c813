// Benchmark of the real topology (issue #14): workflow, sla and intake each run as their own
// Node process, as `npm start` runs them, against the infrastructure of KAFKA_BROKERS / MONGO_URL
// / REDIS_URL (else the local test infrastructure), with their own topics, consumer groups, Redis
// prefixes and MongoDB database, dropped at the end. It prints the goals beside raw ceilings
// measured in the same run on the same broker and MongoDB, and the machine; it asserts nothing
// about timings (exit 0 unless something broke). The summary is also saved to
// .data/bench-topology.json.
//
// Phases (BENCH_PHASES, comma-separated, default all):
//   throughput  the simulator's portal mix posted to intake; accepted events/s, end-to-end events/s
//               until workflow stored every subject at its final revision, until sla tracked them;
//               raw ceilings: kafkajs produce + consume, MongoDB bulk upsert of the same documents;
//               with reporting among BENCH_SERVICES, also until reporting counted every subject
//   memory      Redis and MongoDB bytes per open deadline / dossier with the background loaded
//   latency     alert lateness after the due instant with the background loaded, beside a
//               due-date query every 5 s over the same collection
//   recovery    kill -9 sla, empty this run's Redis keys, restart sla: seconds until its timers are back
//
// Sizes (environment): BENCH_EVENTS (200000), BENCH_OPEN_DEADLINES (1000000), BENCH_NEAR_DEADLINES
// (10000, due within one minute), BENCH_SAME_SECOND (1000, due in one second), BENCH_CONCURRENCY
// (4 requests / batches in flight), BENCH_SEED (1), BENCH_SERVICES (workflow,sla,intake; add
// reporting,notifier to run them too), BENCH_WAIT_SECONDS (3600: longest wait for one step).
// BENCH_LOG_DIR keeps every log line of every service there (<service>-<instance>.log);
// BENCH_NODE_ARGS adds node options to every service (a CPU profile: --cpu-prof --cpu-prof-dir=DIR).
// A small run: BENCH_EVENTS=10000 BENCH_OPEN_DEADLINES=20000 node scripts/bench-topology.mjs
//
// Scale-out (issue #14 goal 5): BENCH_INSTANCES (1) runs that many instances of workflow and of
// sla, each its own process on its own port; the instances of one service share its consumer
// group and queue prefix (that is how they share the work), and with more than one instance the
// services create their topics with 12 partitions (KAFKA_PARTITIONS, unless set higher).
// BENCH_SCALE_OUT=1 runs the throughput phase twice in the same run, first with 1 instance, then
// with BENCH_INSTANCES (2 when unset or 1), each pass in a fresh namespace (topics, groups, Redis
// prefix, database; the first pass's are removed before the second starts), both with 12
// partitions, and prints the speed-up beside the machine's core count. The raw ceilings are
// measured once, in the first pass; the other phases run on the second pass's topology.
//   BENCH_EVENTS=20000 BENCH_PHASES=throughput BENCH_SCALE_OUT=1 node scripts/bench-topology.mjs
//
// Warm-up: BENCH_WARMUP (20000 events; 0 for none) first pushes that many events of the same mix
// through the same topology in a namespace of its own, removed before the measured pass starts
// with fresh service processes. The local MongoDB and Kafka are JVMs: a first pass on a freshly
// started one ran at about half the speed of the next (JIT compilation, heap sizing), and the
// raw ceilings, measured after the pipeline, did not pay that price. The warm-up pass's figures
// are printed too, marked as not counted.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultPetitions, generatePortalMix } from './lib/portal-mix.mjs';
/* global AbortSignal, clearInterval, clearTimeout, setInterval */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { Kafka, logLevel, Partitioners } = require('kafkajs');
const { MongoClient, BSON } = require('mongodb');
const { Redis } = require('ioredis');
const { Queue } = require('bullmq');
const { COLLECTIONS, QUEUES, topicsFor, cloudEventRecord, DOSSIER_STATE_CHANGED_V1 } = require('@tthc/contracts');
const { deadlineDocId } = require('@tthc/read-models');
const { resolveEndpoints } = require(join(root, 'packages/testkit/dist/infra'));
const { serviceNodeArgs } = require(join(root, 'packages/testkit/dist/service-node-args'));

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const int = (name, fallback, min = 0) => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`[bench-topology] ${name} must be a whole number ≥ ${min} (got "${raw}")`);
    process.exit(64);
  }
  return n;
};
const ALL_PHASES = ['throughput', 'memory', 'latency', 'recovery'];
const PHASES = new Set((process.env.BENCH_PHASES || ALL_PHASES.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const p of PHASES) {
  if (!ALL_PHASES.includes(p)) {
    console.error(`[bench-topology] BENCH_PHASES: unknown phase "${p}" (known: ${ALL_PHASES.join(', ')})`);
    process.exit(64);
  }
}
const EVENTS = int('BENCH_EVENTS', 200_000, 1);
const OPEN_DEADLINES = int('BENCH_OPEN_DEADLINES', 1_000_000, 0);
const NEAR_DEADLINES = int('BENCH_NEAR_DEADLINES', 10_000, 0);
const SAME_SECOND = int('BENCH_SAME_SECOND', 1000, 0);
const CONCURRENCY = int('BENCH_CONCURRENCY', 4, 1);
const SEED = int('BENCH_SEED', 1, 0);
const WAIT_MS = int('BENCH_WAIT_SECONDS', 3600, 10) * 1000;
const SERVICES = (process.env.BENCH_SERVICES || 'workflow,sla,intake').split(',').map((s) => s.trim()).filter(Boolean);
for (const s of ['workflow', 'sla', 'intake']) if (!SERVICES.includes(s)) SERVICES.push(s);
const BATCH = 500;
const LOG_DIR = process.env.BENCH_LOG_DIR || null;
// Node options for every service process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see
// where a service spends its time (NODE_OPTIONS refuses the profiler's flags).
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const POLL_EVERY_MS = 5000; // the polling baseline: what one-stop software does
// Its index: due dates of open deadlines, in sla's own collection.
const POLL_INDEX = { keys: { status: 1, dueAt: 1 }, name: 'bench_poll_status_dueAt' };
const GOALS = { endToEndEventsPerSecond: 5000, ratioToSlowestCeiling: 0.5, recoverySeconds: 60 };
const needsBackground = PHASES.has('memory') || PHASES.has('latency') || PHASES.has('recovery');
// Scale-out: instances of workflow and sla (the consumers that share work through their group).
const SCALED = ['workflow', 'sla'];
const INSTANCES = int('BENCH_INSTANCES', 1, 1);
const SCALE_OUT = ['1', 'true', 'yes'].includes((process.env.BENCH_SCALE_OUT ?? '').trim().toLowerCase());
const SCALE_TO = SCALE_OUT ? Math.max(2, INSTANCES) : INSTANCES;
if (SCALE_OUT && !PHASES.has('throughput')) PHASES.add('throughput');
// After the line above: a scale-out runs the throughput phase, so it is warmed up too.
const WARMUP = PHASES.has('throughput') ? int('BENCH_WARMUP', 20_000, 0) : 0;
// With more than one instance (or across the scale-out passes) every topic gets ≥ 12 partitions,
// so each instance owns several; unset otherwise (the services' own default).
const SCALE_PARTITIONS = 12;
const PARTITIONS = SCALE_OUT || INSTANCES > 1 ? Math.max(SCALE_PARTITIONS, Number(process.env.KAFKA_PARTITIONS) || 0) : null;

const t0Run = Date.now();
const say = (m) => console.log(`[bench-topology ${((Date.now() - t0Run) / 1000).toFixed(0).padStart(5)} s] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rate = (n, ms) => (ms > 0 ? Math.round(n / (ms / 1000)) : null);
const secs = (ms) => Number((ms / 1000).toFixed(2));
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const summary = {
  startedAt: new Date(t0Run).toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    ramGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    os: `${os.platform()} ${os.release()}`,
  },
  settings: { phases: [...PHASES], events: EVENTS, warmUpEvents: WARMUP, openDeadlines: OPEN_DEADLINES, nearDeadlines: NEAR_DEADLINES, sameSecond: SAME_SECOND, batch: BATCH, concurrency: CONCURRENCY, seed: SEED, services: SERVICES, instances: INSTANCES, scaleOut: SCALE_OUT, kafkaPartitions: PARTITIONS ?? process.env.KAFKA_PARTITIONS ?? 'service default' },
  goals: GOALS,
  results: {},
  notes: [],
};
const note = (m) => {
  summary.notes.push(m);
  say(`note: ${m}`);
};

// ---------------------------------------------------------------------------------------------
// Infrastructure and the run's own names
// ---------------------------------------------------------------------------------------------

const infra = await resolveEndpoints({ profile: 'test', workload: 'bench', log: (line) => say(line) });
// Topic namespace, consumer groups, queue and key prefixes and the database all carry it, so
// runs never mix and everything of this run can be found and removed. The scale-out passes each
// get their own (newNamespace); these bindings are the current pass's.
const newNamespaceName = () => `bt-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
let ns = newNamespaceName();
let mongoUrl = new URL(infra.mongoUrl);
mongoUrl.pathname = `/${ns}`;
let topics = topicsFor(ns);
const apiKey = `bench-${randomBytes(16).toString('hex')}`;
summary.infrastructure = { source: infra.source, kafka: infra.kafkaBrokers, mongo: `${mongoUrl.host}/${ns}`, redis: new URL(infra.redisUrl).host, namespace: ns };

const kafka = new Kafka({ clientId: `bench-topology-${ns}`, brokers: infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
// The stand-in answers a monitor's hello on the thread that runs the queued writes of sla's many
// lanes; at 200 000 deadlines that wait passed the driver's default and the bench died on it.
const mongo = new MongoClient(mongoUrl.toString(), { connectTimeoutMS: 120_000 });
let db = mongo.db(ns);
const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 3 });
let slaQueue = new Queue(QUEUES.slaDeadlines, { connection: redis, prefix: ns });
// Every namespace of the run, removed at the end (or when its pass is over).
const namespaces = [{ ns, db, slaQueue, removed: false }];

/** Switches to a fresh namespace (topics, groups, prefixes, database) for the next pass. */
function newNamespace() {
  ns = newNamespaceName();
  mongoUrl = new URL(infra.mongoUrl);
  mongoUrl.pathname = `/${ns}`;
  topics = topicsFor(ns);
  db = mongo.db(ns);
  slaQueue = new Queue(QUEUES.slaDeadlines, { connection: redis, prefix: ns });
  namespaces.push({ ns, db, slaQueue, removed: false });
  summary.infrastructure.namespaces = namespaces.map((n) => n.ns);
  summary.infrastructure.namespace = ns;
  summary.infrastructure.mongo = `${mongoUrl.host}/${ns}`;
}
const newProducer = () => kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
let producer = newProducer();
const cleanups = [];

// ---------------------------------------------------------------------------------------------
// Service processes
// ---------------------------------------------------------------------------------------------

function anyFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let broken = null; // the first thing that broke: stops every wait
// The running service processes, keyed by instance: `workflow#1`, `sla#1`, `sla#2`, …
const services = new Map();
// Instances of workflow and sla in the current pass (BENCH_INSTANCES, or the scale-out pass's).
let instances = INSTANCES;
let passLabel = ''; // 'scale-out pass 2: ' in front of a pass's notes
const instanceCount = (name) => (SCALED.includes(name) ? instances : 1);
/** `sla` while there is one instance of it, `sla#2` when there are several. */
const label = (svc) => (instanceCount(svc.name) > 1 ? svc.key : svc.name);
const instancesOf = (name) => [...services.values()].filter((s) => s.name === name);

/** A free port no instance of this run listens on already. */
async function freePort() {
  const taken = new Set([...services.values()].map((s) => s.port));
  for (;;) {
    const port = await anyFreePort();
    if (!taken.has(port)) return port;
  }
}

async function startService(name, instance = 1) {
  const key = `${name}#${instance}`;
  const svc = services.get(key) ?? { key, name, instance, port: await freePort(), lines: [], problems: 0, child: null, expectExit: false };
  services.set(key, svc);
  svc.url = `http://127.0.0.1:${svc.port}`;
  svc.expectExit = false;
  const child = spawn(process.execPath, [...serviceNodeArgs(root, name), ...NODE_ARGS, join(root, 'services', name, 'dist/main.js')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
      HOST: '127.0.0.1',
      PORT: String(svc.port),
      KAFKA_BROKERS: infra.kafkaBrokers,
      MONGO_URL: mongoUrl.toString(),
      REDIS_URL: infra.redisUrl,
      KAFKA_TOPIC_NAMESPACE: ns,
      ...(PARTITIONS ? { KAFKA_PARTITIONS: String(PARTITIONS) } : {}),
      // Shared by every instance of the service: they split the partitions between them.
      CONSUMER_GROUP: `${ns}-${name}`,
      // sla waits for this run's workflow, not the default group, before alerting on a backlog.
      SLA_UPSTREAM_CONSUMER_GROUP: `${ns}-workflow`,
      QUEUE_PREFIX: ns,
      REDIS_KEY_PREFIX: ns,
      API_KEYS: `${apiKey}:*:portal;${apiKey}-office:*:reform-office`,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // The notifier, when asked for, sends nowhere: no subscriptions are made.
      ...(name === 'notifier' ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: '9' } : {}),
    },
  });
  svc.child = child;
  // The last 200 lines are kept for the summary; BENCH_LOG_DIR keeps every line, for the
  // consumer-group and store events that explain a slow run.
  if (LOG_DIR && !svc.logFile) {
    mkdirSync(LOG_DIR, { recursive: true });
    svc.logFile = createWriteStream(join(LOG_DIR, `${name}-${instance}.log`), { flags: 'a' });
  }
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      svc.logFile?.write(`${line}\n`);
      svc.problems += 1;
      svc.lines.push(line);
      if (svc.lines.length > 200) svc.lines.shift();
    });
  }
  child.on('exit', (code, signal) => {
    if (svc.child === child && !svc.expectExit && !broken) broken = new Error(`${label(svc)} exited (${signal ?? code}):\n${svc.lines.slice(-15).join('\n')}`);
  });
  return svc;
}

async function readiness(svc) {
  try {
    const res = await fetch(`${svc.url}/readyz`, { signal: AbortSignal.timeout(5000) });
    const body = await res.json().catch(() => ({}));
    return { ok: res.ok, status: body.status ?? (res.ok ? 'ready' : 'not-ready'), body };
  } catch {
    return { ok: false, status: 'unreachable', body: null };
  }
}

async function waitReady(svc, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (broken) throw broken;
    if ((await readiness(svc)).ok) return;
    if (Date.now() > deadline) throw new Error(`${label(svc)} not ready after ${timeoutMs / 1000} s:\n${svc.lines.slice(-15).join('\n')}`);
    await sleep(200);
  }
}

async function killService(svc, signal) {
  const c = svc.child;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  svc.expectExit = true;
  const gone = new Promise((resolve) => c.once('exit', resolve));
  c.kill(signal);
  const force = setTimeout(() => c.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(force);
}

/** Starts every service, workflow and sla `count` instances each, and waits until all are ready. */
async function startAll(count) {
  instances = count;
  if (count > 1 || PARTITIONS) {
    say(`starting ${SERVICES.map((n) => (instanceCount(n) > 1 ? `${n} ×${instanceCount(n)}` : n)).join(', ')}, each instance its own process (services/<name>/dist/main.js), ${PARTITIONS} partitions per topic …`);
  } else {
    say(`starting ${SERVICES.join(', ')}, each its own process (services/<name>/dist/main.js) …`);
  }
  const ts = Date.now();
  for (const name of SERVICES) for (let i = 1; i <= instanceCount(name); i += 1) await startService(name, i);
  await Promise.all([...services.values()].map((s) => waitReady(s)));
  say(`services ready in ${secs(Date.now() - ts)} s: ${[...services.values()].map((s) => `${label(s)} pid ${s.child.pid} :${s.port}`).join(', ')}`);
  if (PARTITIONS) await groupsSettled(count);
}

/**
 * Waits until the consumer group of workflow and of sla is Stable with one member per instance:
 * instances joining one after the other rebalance their group, and a rebalance inside the
 * measurement would be counted as the instances' slowness.
 */
async function groupsSettled(count) {
  const groups = SCALED.filter((n) => SERVICES.includes(n)).map((n) => `${ns}-${n}`);
  const t0 = Date.now();
  let seen = '';
  try {
    await until('the consumer groups to settle', async () => {
      const described = (await admin.describeGroups(groups)).groups;
      seen = described.map((g) => `${g.groupId.slice(ns.length + 1)} ${g.state} with ${g.members.length}/${count} members`).join(', ');
      return described.length === groups.length && described.every((g) => g.state === 'Stable' && g.members.length === count);
    }, 500, 120_000);
    say(`consumer groups settled ${secs(Date.now() - t0)} s after the services were ready: ${seen}`);
  } catch (err) {
    if (broken) throw err;
    note(`${passLabel}the consumer groups did not settle within 120 s (${seen}): measured anyway`);
  }
}

/** Stops every service process (SIGTERM) and forgets them: the end of a scale-out pass. */
async function stopAll() {
  await Promise.all([...services.values()].map((s) => killService(s, 'SIGTERM')));
  services.clear();
}

// ---------------------------------------------------------------------------------------------
// Helpers: waiting, Kafka lag, Redis keys, progress lines
// ---------------------------------------------------------------------------------------------

/** Polls `check` (returns a truthy value when done) every `everyMs`; throws after WAIT_MS. */
async function until(what, check, everyMs = 1000, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (broken) throw broken;
    const done = await check();
    if (done) return done;
    if (Date.now() > deadline) throw new Error(`${what}: not reached after ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** Prints `line()` every 5 s until stopped. */
function progress(line) {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void line()
      .then((text) => text && say(text))
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 5000);
  return () => clearInterval(timer);
}

/** Messages of `topic` the consumer group has not committed yet. */
async function lag(groupId, topic) {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  return ends.reduce((sum, p) => sum + Math.max(0, Number(p.high) - (done.get(p.partition) ?? 0)), 0);
}

async function runKeys(each, prefix = ns) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await each(keys);
  } while (cursor !== '0');
}

/** The run's Redis keys and their memory (MEMORY USAGE of every key, or of a sample of 5 000 when there are more). */
async function runKeyMemory() {
  const all = [];
  await runKeys(async (keys) => void all.push(...keys));
  const sample = all.length <= 5000 ? all : Array.from({ length: 5000 }, (_, i) => all[Math.floor((i * all.length) / 5000)]);
  let bytes = 0;
  for (let i = 0; i < sample.length; i += 500) {
    const pipe = redis.pipeline();
    for (const k of sample.slice(i, i + 500)) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    for (const [, v] of await pipe.exec()) bytes += Number(v ?? 0);
  }
  return { keys: all.length, bytes: sample.length ? Math.round((bytes / sample.length) * all.length) : 0, sampled: sample.length < all.length };
}

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
const slaJobs = async () => {
  const c = await slaQueue.getJobCounts('delayed', 'waiting', 'prioritized', 'active');
  return c.delayed + c.waiting + c.prioritized + c.active;
};
const nearJobs = async (until) => Number(await redis.zcount(`${ns}:${QUEUES.slaDeadlines}:delayed`, 0, until * 0x1000));
const activeDeadlineFilter = { status: 'open', phase: { $ne: 'closed' } };

/** The timer jobs sla's queue holds to run, by id. */
async function heldTimers() {
  const jobs = await slaQueue.getJobs(['delayed', 'waiting', 'prioritized', 'active'], 0, -1);
  return new Map(jobs.filter(Boolean).map((j) => [j.id, j.data]));
}

/**
 * Why each timer held before is no longer held, from its deadline as stored now: a timer left
 * behind for an old version or a settled deadline fires and does nothing, so the repair, which
 * plans from the stored deadlines, rightly does not bring it back. A stage still pending without
 * its timer would be a lost alert.
 */
async function whyNotBack(before) {
  const after = await heldTimers();
  const missing = [...before].filter(([id]) => !after.has(id)).map(([, data]) => ({ ...data, docId: deadlineDocId(data.dossierCode, data.deadlineKey) }));
  const docs = await db.collection(COLLECTIONS.deadlines).find({ _id: { $in: missing.map((t) => t.docId) } }).toArray();
  const byId = new Map(docs.map((d) => [d._id, d]));
  const reasons = {};
  for (const t of missing) {
    const d = byId.get(t.docId);
    const tag = t.stage === 'escalation' ? `escalation:${t.level}` : t.stage;
    const reason = !d ? 'deadline gone' : d.version !== t.deadlineVersion ? 'for an older version' : d.status !== 'open' || d.phase === 'closed' ? `deadline ${d.status !== 'open' ? d.status : 'closed'}` : (d.raised ?? []).includes(tag) ? 'stage raised meanwhile' : 'still pending';
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  return reasons;
}

/** Sends records to a topic in batches of 500, `CONCURRENCY` batches in flight, acks = all. */
async function produceAll(topic, records, onBatch) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < records.length) {
        if (broken) throw broken;
        const start = next;
        next += BATCH;
        const messages = records.slice(start, start + BATCH);
        await producer.send({ topic, acks: -1, messages });
        onBatch?.(messages.length);
      }
    }),
  );
}

/** Removes one namespace's topics, consumer groups, Redis keys and database (its services stopped). */
async function removeNamespace(entry) {
  if (entry.removed) return;
  entry.removed = true;
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${entry.ns}.`));
    if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${entry.ns}-`));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
  } catch (err) {
    say(`could not delete this run's topics: ${err.message}`);
  }
  try {
    let n = 0;
    await runKeys(async (keys) => {
      n += keys.length;
      await redis.unlink(...keys);
    }, entry.ns);
    say(`removed ${n} Redis keys under ${entry.ns}:`);
  } catch (err) {
    say(`could not remove this run's Redis keys: ${err.message}`);
  }
  await entry.slaQueue.close().catch(() => undefined);
  await entry.db.dropDatabase().catch((err) => say(`could not drop database ${entry.ns}: ${err.message}`));
}

async function cleanup() {
  say('cleaning up: service processes, this run\'s topics, consumer groups, Redis keys and database');
  for (const f of cleanups.splice(0)) await f().catch(() => undefined);
  await Promise.all([...services.values()].map((s) => killService(s, 'SIGTERM')));
  await producer.disconnect().catch(() => undefined);
  for (const entry of namespaces) await removeNamespace(entry);
  await admin.disconnect().catch(() => undefined);
  redis.disconnect();
  await mongo.close().catch(() => undefined);
  await infra.stop();
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  broken ??= new Error('interrupted (SIGINT)');
  say('interrupted: stopping after cleanup (Ctrl-C again to leave at once)');
});

// ---------------------------------------------------------------------------------------------
// Phase 1: throughput on the npm-start topology, and raw ceilings
// ---------------------------------------------------------------------------------------------

function portalEvents(count) {
  // Calibrate how many subjects give `count` events, then keep the oldest `count` facts.
  const now = Date.now();
  const sample = generatePortalMix({ dossiers: 1000, seed: SEED, now }).events.length / (1000 + defaultPetitions(1000));
  let dossiers = Math.ceil((count / sample) * 1.03 * (20 / 21)) + 1;
  for (;;) {
    const mix = generatePortalMix({ dossiers, seed: SEED, now });
    if (mix.events.length >= count) return { ...mix, events: mix.events.slice(0, count).map((e) => e.event), dossiers };
    dossiers = Math.ceil(dossiers * 1.1) + 1;
  }
}

/**
 * Fills `res` in as it goes (a failure leaves what was measured); the ceilings, or `ceilingsOf`
 * (an earlier pass's), unless `ceilings` is false (the warm-up).
 */
async function throughput(res, { ceilingsOf = null, events = EVENTS, ceilings: withCeilings = true } = {}) {
  const intake = services.get('intake#1');
  say(`generating ${events} events of the simulator's mix (seed ${SEED}) …`);
  const mix = portalEvents(events);
  const subjects = new Set(mix.events.map((e) => e.data.dossierCode ?? e.data.petitionCode));
  const byType = {};
  for (const e of mix.events) byType[e.type] = (byType[e.type] ?? 0) + 1;
  res.mix = { events: mix.events.length, subjects: subjects.size, byType };
  say(`mix: ${mix.events.length} events of ${subjects.size} subjects: ${Object.entries(byType).map(([t, n]) => `${t.replace('vn.tthc.', '')} ${n}`).join(', ')}`);
  const bodies = [];
  for (let i = 0; i < mix.events.length; i += BATCH) bodies.push(JSON.stringify(mix.events.slice(i, i + BATCH)));

  const counts = { accepted: 0, duplicate: 0, other: 0, retried: 0 };
  const post = async (body) => {
    for (let attempt = 1; ; attempt += 1) {
      if (broken) throw broken;
      let r;
      try {
        r = await fetch(`${intake.url}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${apiKey}` },
          body,
          signal: AbortSignal.timeout(60_000),
        });
      } catch (err) {
        // A connection lost before an answer: the portal sends the same batch again (intake
        // answers its events as duplicates if they were taken), as the simulator does.
        if (attempt >= 20) throw err;
        counts.retried += 1;
        if (counts.retried <= 3) say(`intake connection failed (${err.cause?.code ?? err.cause?.message ?? err.message}); sending the batch again`);
        await sleep(500);
        continue;
      }
      if (r.status === 202) {
        for (const { status } of (await r.json()).results) counts[status === 'accepted' || status === 'duplicate' ? status : 'other'] += 1;
        return;
      }
      const text = await r.text();
      if ((r.status === 429 || r.status === 503) && attempt < 20) {
        counts.retried += 1;
        await sleep(Math.min(30, Number(r.headers.get('retry-after')) || 1) * 1000);
        continue;
      }
      throw new Error(`intake answered ${r.status}: ${text.slice(0, 500)}`);
    }
  };

  const dossiers = db.collection(COLLECTIONS.dossiers);
  const deadlines = db.collection(COLLECTIONS.deadlines);
  const portalFacts = async () => {
    const [r] = await dossiers
      .aggregate([{ $project: { n: { $size: { $filter: { input: '$history', as: 'f', cond: { $eq: [{ $substrCP: ['$$f.source', 0, 11] }, 'urn:portal:'] } } } } } }, { $group: { _id: null, n: { $sum: '$n' } } }])
      .toArray();
    return r?.n ?? 0;
  };

  say(`posting ${bodies.length} batches of ${BATCH} to intake (${CONCURRENCY} requests in flight) …`);
  const t0 = Date.now();
  let stopProgress = progress(async () => `posted ${counts.accepted + counts.duplicate}/${mix.events.length} (${rate(counts.accepted, Date.now() - t0)} events/s accepted), subjects stored ${await dossiers.estimatedDocumentCount()}/${subjects.size}`);
  let next = 0;
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) await post(bodies[next++]);
    }));
  } finally {
    stopProgress();
  }
  const tAccepted = Date.now();
  res.intake = { accepted: counts.accepted, duplicate: counts.duplicate, refused: counts.other, retriedRequests: counts.retried, seconds: secs(tAccepted - t0), eventsPerSecond: rate(counts.accepted + counts.duplicate, tAccepted - t0) };
  say(`intake: ${counts.accepted} accepted (${counts.duplicate} duplicate, ${counts.other} refused, ${counts.retried} requests retried) in ${secs(tAccepted - t0)} s = ${res.intake.eventsPerSecond} events/s (acks = all)`);

  // Workflow: every subject stored, every portal fact in its history (its final revision).
  let facts = null;
  let subjectCount = 0;
  let lastChange = { value: -1, at: Date.now() };
  let caughtUpAt = null;
  stopProgress = progress(async () => `workflow: ${subjectCount}/${subjects.size} subjects, ${facts ?? '(counted once the group has caught up)'}/${mix.events.length} portal facts stored, consumer lag ${await lag(`${ns}-workflow`, topics.dossierEvents)}`);
  let tStored = null;
  let factQueries = 0;
  try {
    await until('workflow to store every fact', async () => {
      subjectCount = await dossiers.estimatedDocumentCount();
      const behind = await lag(`${ns}-workflow`, topics.dossierEvents);
      caughtUpAt = behind > 0 ? null : (caughtUpAt ?? Date.now());
      // Counting the stored facts reads every history (about 0.6 s of the stand-in's CPU at
      // 38 000 subjects), which the pipeline would pay for on every poll: it waits until the
      // group has committed everything it was sent (commits follow within a second).
      if (behind > 0) return false;
      factQueries += 1;
      facts = await portalFacts();
      if (facts >= mix.events.length) return (tStored = Date.now());
      if (facts !== lastChange.value) lastChange = { value: facts, at: Date.now() };
      // Some fact can never be stored (dead-lettered): done once nothing moves and the group caught up.
      if (caughtUpAt === null || Date.now() - lastChange.at <= 15_000) return false;
      return (tStored = Math.max(lastChange.at, caughtUpAt));
    }, 1000);
  } finally {
    stopProgress();
  }
  subjectCount = await dossiers.countDocuments({});
  res.workflow = {
    subjectsStored: subjectCount,
    portalFactsStored: facts,
    secondsFromFirstRequest: secs(tStored - t0),
    endToEndEventsPerSecond: rate(facts, tStored - t0),
    subjectsWrittenPerSecond: rate(subjectCount, tStored - t0),
    factCountQueries: factQueries,
  };
  const messagesOn = async (topic) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const deadLetters = await messagesOn(topics.deadLetter);
  res.workflow.deadLetters = deadLetters;
  // One state snapshot per subject write: facts per write says how much the batches coalesced.
  res.workflow.stateSnapshots = await messagesOn(topics.dossierState);
  res.workflow.alertsConsumed = await messagesOn(topics.alerts);
  if (facts < mix.events.length) note(`${passLabel}workflow stored ${facts} of ${mix.events.length} portal facts; ${deadLetters} message(s) on the dead-letter topic (npm run dlq -- list tells why)`);
  say(`workflow: ${subjectCount} subjects at their final revision (${facts} portal facts) ${secs(tStored - t0)} s after the first request = ${res.workflow.endToEndEventsPerSecond} events/s end to end, ${res.workflow.subjectsWrittenPerSecond} subjects/s; ${res.workflow.stateSnapshots} state snapshots published so far (one per subject write) for ${facts} portal facts and ${res.workflow.alertsConsumed} alerts`);

  // reporting (when run): every subject counted, watched from here on in the background while
  // sla is waited for, so its own instant is kept whichever finishes first.
  const counting = SERVICES.includes('reporting') ? reportingCaughtUp(subjectCount, t0) : null;

  // sla: one document per deadline entry of every stored subject (more when keys were removed).
  const [{ n: entries } = { n: 0 }] = await dossiers.aggregate([{ $group: { _id: null, n: { $sum: { $size: '$deadlines' } } } }]).toArray();
  let tracked = 0;
  lastChange = { value: -1, at: Date.now() };
  caughtUpAt = null;
  let tTracked = null;
  stopProgress = progress(async () => `sla: ${tracked}/${entries} deadline entries tracked, consumer lag ${await lag(`${ns}-sla`, topics.dossierState)}`);
  try {
    // Every snapshot consumed (the state topic's lag is 0) and a document for every entry.
    await until('sla to track every deadline entry', async () => {
      tracked = await deadlines.estimatedDocumentCount();
      if (tracked !== lastChange.value) lastChange = { value: tracked, at: Date.now() };
      caughtUpAt = (await lag(`${ns}-sla`, topics.dossierState)) > 0 ? null : (caughtUpAt ?? Date.now());
      if (caughtUpAt === null) return false;
      if (tracked >= entries) return (tTracked = Date.now());
      return Date.now() - lastChange.at > 15_000 && (tTracked = Math.max(lastChange.at, caughtUpAt));
    }, 1000);
  } finally {
    stopProgress();
  }
  res.sla = { deadlineEntries: tracked, secondsFromFirstRequest: secs(tTracked - t0), eventsPerSecond: rate(facts, tTracked - t0), delayedJobs: await slaJobs() };
  say(`sla: ${tracked} deadline entries tracked (${res.sla.delayedJobs} timers in Redis) ${secs(tTracked - t0)} s after the first request = ${res.sla.eventsPerSecond} events/s end to end`);
  res.sla.entryWrites = await slaEntryWrites();
  say(`sla: deadline-entry snapshots by what the store did: ${Object.entries(res.sla.entryWrites).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (counting) {
    const tCounted = await counting;
    const counted = await db.collection(COLLECTIONS.reportingContributions).estimatedDocumentCount();
    res.reporting = { subjectsCounted: counted, secondsFromFirstRequest: secs(tCounted - t0), secondsAfterWorkflow: secs(Math.max(0, tCounted - tStored)), eventsPerSecond: rate(facts, tCounted - t0) };
    say(`reporting: ${counted} subjects counted in the delay counters ${secs(tCounted - t0)} s after the first request (${res.reporting.secondsAfterWorkflow} s after workflow stored the last) = ${res.reporting.eventsPerSecond} events/s end to end`);
  }

  if (!withCeilings) return;
  if (ceilingsOf) ratios(res, ceilingsOf);
  else await ceilings(res, mix.events, dossiers);
}

/** sla's `sla_deadline_entry_writes_total` by outcome, summed over its instances (its /metrics). */
async function slaEntryWrites() {
  const out = {};
  for (const svc of services.values()) {
    if (svc.name !== 'sla') continue;
    const text = await (await fetch(`${svc.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    for (const m of text.matchAll(/^sla_deadline_entry_writes_total\{[^}]*outcome="([a-z]+)"[^}]*\} (\d+)/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

/**
 * When reporting has counted every stored subject: its group has committed every state snapshot
 * and each subject has its contribution (the counted revision is the stored one: reporting reads
 * the subject back rather than the snapshot). The instant it was first seen, polled every second.
 */
async function reportingCaughtUp(subjects, t0) {
  const contributions = db.collection(COLLECTIONS.reportingContributions);
  let counted = 0;
  const stop = progress(async () => `reporting: ${counted}/${subjects} subjects counted, consumer lag ${await lag(`${ns}-reporting`, topics.dossierState)}`);
  try {
    let at = null;
    await until('reporting to count every subject', async () => {
      counted = await contributions.estimatedDocumentCount();
      if (counted < subjects || (await lag(`${ns}-reporting`, topics.dossierState)) > 0) return false;
      return (at = Date.now());
    }, 1000);
    return at ?? t0;
  } finally {
    stop();
  }
}

async function ceilings(res, events, dossiers) {
  // Kafka: the same messages, on a fresh topic shaped like the pipeline's.
  const [meta] = (await admin.fetchTopicMetadata({ topics: [topics.dossierEvents] })).topics;
  const partitions = meta.partitions.length;
  const replicas = meta.partitions[0]?.replicas.length ?? 1;
  const rawTopic = `${ns}.bench.raw-ceiling`;
  await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: partitions, replicationFactor: replicas }], waitForLeaders: true });
  const records = events.map((e) => cloudEventRecord(e.data.dossierCode ?? e.data.petitionCode, e));
  say(`raw Kafka ceiling: producing ${records.length} messages to a fresh topic of ${partitions} partitions × ${replicas} replicas (batches of ${BATCH}, ${CONCURRENCY} in flight, acks = all, idempotent) …`);
  let produced = 0;
  const tp = Date.now();
  const stopP = progress(async () => `raw produce: ${produced}/${records.length}`);
  try {
    await produceAll(rawTopic, records, (n) => (produced += n));
  } finally {
    stopP();
  }
  const produceMs = Date.now() - tp;
  const consumer = kafka.consumer({ groupId: `${ns}-raw-ceiling`, allowAutoTopicCreation: false });
  cleanups.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic: rawTopic, fromBeginning: true });
  let consumed = 0;
  let tDone = 0;
  const tc = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      if (consumed >= records.length && !tDone) tDone = Date.now();
    },
  });
  await until('the raw consumer to read every message', () => tDone > 0, 20);
  await consumer.disconnect();
  res.rawKafka = {
    partitions,
    replicas,
    messages: records.length,
    produceMsgPerSecond: rate(records.length, produceMs),
    // From consumer.run to the last message: the group join is included.
    consumeMsgPerSecond: rate(records.length, tDone - tc),
  };
  say(`raw Kafka: produce ${res.rawKafka.produceMsgPerSecond} msg/s, consume ${res.rawKafka.consumeMsgPerSecond} msg/s (from joining the group to the last message)`);

  // MongoDB: the stored subject documents, upserted again into a scratch collection.
  const docs = await dossiers.find({}).toArray();
  const scratch = db.collection('bench_raw_ceiling');
  say(`raw MongoDB ceiling: bulk upsert of the ${docs.length} stored subject documents into a scratch collection (batches of ${BATCH}, ${CONCURRENCY} in flight) …`);
  const tm = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < docs.length) {
      const batch = docs.slice(next, (next += BATCH));
      await scratch.bulkWrite(batch.map(({ _id, ...fields }) => ({ updateOne: { filter: { _id }, update: { $set: fields }, upsert: true } })), { ordered: false });
    }
  }));
  const mongoMs = Date.now() - tm;
  await scratch.drop().catch(() => undefined);
  res.rawMongo = { documents: docs.length, docsPerSecond: rate(docs.length, mongoMs) };
  say(`raw MongoDB: ${res.rawMongo.docsPerSecond} docs/s`);

  ratios(res, res);
}

/** The ratios of `res` to the ceilings measured in `from` (itself, or the first scale-out pass). */
function ratios(res, from) {
  if (from !== res) Object.assign(res, { rawKafka: from.rawKafka, rawMongo: from.rawMongo, ceilingsMeasuredIn: 'the 1-instance pass' });
  const kafkaCeiling = Math.min(res.rawKafka.produceMsgPerSecond, res.rawKafka.consumeMsgPerSecond);
  const slowest = Math.min(kafkaCeiling, res.rawMongo.docsPerSecond);
  res.slowestCeilingPerSecond = slowest;
  res.slowestCeiling = slowest === res.rawMongo.docsPerSecond ? 'MongoDB bulk upsert (docs/s)' : 'Kafka produce/consume (msg/s)';
  res.ratioSubjectsToSlowestCeiling = Number((res.workflow.subjectsWrittenPerSecond / slowest).toFixed(3));
  res.ratioEventsToSlowestCeiling = Number((res.workflow.endToEndEventsPerSecond / slowest).toFixed(3));
}

// ---------------------------------------------------------------------------------------------
// Background: open deadlines due far in the future, published as workflow's state snapshots
// ---------------------------------------------------------------------------------------------

const AGENCIES = ['G01.001.000', 'G01.002.000', 'G01.101.000', 'G01.102.000'];
const PROCEDURES = ['0.000101', '2.000815', '1.001193', '1.001612'];

/** A snapshot of a dossier received and being processed, with its appointment at `dueAt`. */
function snapshot(code, i, dueAt, { warn = true } = {}) {
  const agencyCode = AGENCIES[i % AGENCIES.length];
  const now = new Date();
  const receivedAt = new Date(now.getTime() - (1 + (i % 5)) * 86_400_000).toISOString();
  const event = {
    specversion: '1.0',
    id: `state:${code}:r2`,
    source: 'urn:tthc:workflow',
    type: DOSSIER_STATE_CHANGED_V1,
    time: now.toISOString(),
    subject: code,
    data: {
      dossierCode: code,
      agencyCode,
      procedureCode: PROCEDURES[i % PROCEDURES.length],
      phase: 'open',
      statusCode: 4,
      receivedAt,
      dueAt: dueAt.toISOString(),
      deadlineVersion: 1,
      closedAt: null,
      revision: 2,
      subject: 'dossier',
      deadlines: [
        { key: 'dossier', kind: 'dossier', dueAt: dueAt.toISOString(), version: 1, status: 'open', agencyCode, label: 'Ngày hẹn trả kết quả', legalBasis: 'ND 118/2025/NĐ-CP (ngày hẹn trả)', warn, escalate: true },
      ],
      paused: false,
      endAt: null,
      timeliness: null,
    },
  };
  return cloudEventRecord(code, event);
}

async function loadBackground() {
  const res = { openDeadlines: OPEN_DEADLINES, path: 'state snapshots published straight to the state topic sla consumes (workflow is not involved)' };
  summary.results.background = res;
  const deadlines = db.collection(COLLECTIONS.deadlines);
  // The polling baseline's index, built while the collection is small: built over the loaded
  // background it held the stand-in for tens of seconds right before the latency window.
  await deadlines.createIndex(POLL_INDEX.keys, { name: POLL_INDEX.name });
  const before = await deadlines.estimatedDocumentCount();
  say(`background: ${OPEN_DEADLINES} open dossiers, each with one open deadline (the appointment, due 10–40 days ahead: warning, due and three escalation timers), ${res.path} …`);
  const t0 = Date.now();
  const day = 86_400_000;
  let produced = 0;
  let tracked = before;
  const stop = progress(async () => `background: produced ${produced}/${OPEN_DEADLINES}, sla tracked ${tracked - before}, ${await slaJobs()} timers in Redis`);
  try {
    // Generated batch by batch, so a million snapshots never sit in memory at once.
    const chunk = 50_000;
    for (let from = 0; from < OPEN_DEADLINES; from += chunk) {
      const records = [];
      for (let i = from; i < Math.min(OPEN_DEADLINES, from + chunk); i += 1) {
        const dueAt = new Date(Math.round((t0 + 10 * day + ((i * 7919) % OPEN_DEADLINES) * ((30 * day) / Math.max(1, OPEN_DEADLINES))) / 60_000) * 60_000);
        records.push(snapshot(`BG-${String(i).padStart(7, '0')}`, i, dueAt));
      }
      await produceAll(topics.dossierState, records, (n) => (produced += n));
    }
    res.producedPerSecond = rate(OPEN_DEADLINES, Date.now() - t0);
    say(`background: ${OPEN_DEADLINES} snapshots produced in ${secs(Date.now() - t0)} s = ${res.producedPerSecond}/s`);
    await until('sla to track the background', async () => {
      tracked = await deadlines.estimatedDocumentCount();
      return tracked - before >= OPEN_DEADLINES && (await lag(`${ns}-sla`, topics.dossierState)) === 0;
    }, 1000);
  } finally {
    stop();
  }
  res.secondsUntilTracked = secs(Date.now() - t0);
  res.trackedPerSecond = rate(OPEN_DEADLINES, Date.now() - t0);
  res.timersInRedis = await slaJobs();
  say(`background: sla tracked ${OPEN_DEADLINES} deadlines in ${res.secondsUntilTracked} s = ${res.trackedPerSecond} deadlines/s; ${res.timersInRedis} timers in Redis`);
}

// ---------------------------------------------------------------------------------------------
// Phase 3: memory
// ---------------------------------------------------------------------------------------------

async function memory(redisBefore) {
  const res = {};
  summary.results.memory = res;
  const deadlines = db.collection(COLLECTIONS.deadlines);
  const dossiers = db.collection(COLLECTIONS.dossiers);
  const openDeadlines = await deadlines.countDocuments(activeDeadlineFilter);
  const openWorkflowSubjects = await dossiers.countDocuments({ phase: 'open' });
  // The background dossiers exist only as sla's deadlines (workflow never saw them).
  const openDossiers = openWorkflowSubjects + OPEN_DEADLINES;
  const after = await usedMemory();
  const keys = await runKeyMemory();
  res.redis = {
    usedMemoryBefore: redisBefore,
    usedMemoryAfter: after,
    usedMemoryDelta: after - redisBefore,
    runKeys: keys.keys,
    runKeyBytes: keys.bytes,
    runKeyBytesSampled: keys.sampled,
    timers: await slaJobs(),
    openDeadlines,
    openDossiers,
    bytesPerOpenDeadline: openDeadlines ? Math.round((after - redisBefore) / openDeadlines) : null,
    bytesPerOpenDossier: openDossiers ? Math.round((after - redisBefore) / openDossiers) : null,
    runKeyBytesPerOpenDeadline: openDeadlines ? Math.round(keys.bytes / openDeadlines) : null,
    runKeyBytesPerOpenDossier: openDossiers ? Math.round(keys.bytes / openDossiers) : null,
  };
  say(`Redis used_memory ${mib(redisBefore)} before, ${mib(after)} after (+${mib(after - redisBefore)}; a shared Redis: other users count in it) = ${res.redis.bytesPerOpenDeadline} B per open deadline (${openDeadlines}), ${res.redis.bytesPerOpenDossier} B per open dossier (${openDossiers})`);
  say(`Redis keys of this run: ${keys.keys} keys, MEMORY USAGE ${mib(keys.bytes)}${keys.sampled ? ' (estimated from 5 000 keys)' : ''} = ${res.redis.runKeyBytesPerOpenDeadline} B per open deadline, ${res.redis.runKeyBytesPerOpenDossier} B per open dossier; ${res.redis.timers} timers`);

  res.mongo = {};
  for (const [name, label] of [[COLLECTIONS.dossiers, 'subject'], [COLLECTIONS.deadlines, 'deadline entry']]) {
    const count = await db.collection(name).estimatedDocumentCount();
    if (!count) continue;
    let figure;
    try {
      const stats = await db.command({ collStats: name });
      figure = { documents: count, avgBytes: Math.round(stats.avgObjSize ?? stats.size / stats.count), storageBytes: stats.storageSize ?? null, indexBytes: stats.totalIndexSize ?? null, method: 'collStats (avgObjSize: BSON size, before compression)' };
    } catch (err) {
      const sample = await db.collection(name).aggregate([{ $sample: { size: 1000 } }]).toArray().catch(() => db.collection(name).find({}).limit(1000).toArray());
      figure = { documents: count, avgBytes: Math.round(sample.reduce((s, d) => s + BSON.calculateObjectSize(d), 0) / Math.max(1, sample.length)), method: `BSON calculateObjectSize over ${sample.length} documents (collStats: ${err.message})` };
    }
    res.mongo[name] = figure;
    say(`MongoDB ${name}: ${figure.avgBytes} B per ${label} (${figure.documents} documents; ${figure.method}${figure.storageBytes ? `; storage ${mib(figure.storageBytes)}` : ''})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 4: breach latency with the background loaded, beside a polling baseline
// ---------------------------------------------------------------------------------------------

async function latency() {
  const res = {};
  summary.results.latency = res;
  const deadlines = db.collection(COLLECTIONS.deadlines);
  const alerts = db.collection(COLLECTIONS.alerts);
  const total = NEAR_DEADLINES + SAME_SECOND;
  if (total === 0) return;
  // Far enough ahead for sla to track them all first, judged from the background's pace.
  const pace = summary.results.background?.trackedPerSecond || 500;
  const leadS = Math.max(30, Math.ceil((total / pace) * 2) + 15);
  const windowStart = Math.ceil((Date.now() + leadS * 1000) / 1000) * 1000;
  const sameSecond = windowStart + 30_000;
  const dues = [];
  for (let i = 0; i < NEAR_DEADLINES; i += 1) dues.push(windowStart + Math.floor((i * 60_000) / Math.max(1, NEAR_DEADLINES)));
  for (let i = 0; i < SAME_SECOND; i += 1) dues.push(sameSecond);
  res.window = { from: new Date(windowStart).toISOString(), to: new Date(windowStart + 60_000).toISOString(), sameSecond: new Date(sameSecond).toISOString(), leadSeconds: leadS };
  // The polling baseline's index (already there when the background was loaded).
  await deadlines.createIndex(POLL_INDEX.keys, { name: POLL_INDEX.name });
  say(`latency: ${NEAR_DEADLINES} deadlines due over one minute from ${res.window.from} and ${SAME_SECOND} due at ${res.window.sameSecond}, on top of the background (published to the state topic; no warning stage: a real one fired a working day before) …`);
  const nearCode = (i) => (i < NEAR_DEADLINES ? `NEAR-M-${String(i).padStart(6, '0')}` : `NEAR-S-${String(i).padStart(6, '0')}`);
  const records = dues.map((d, i) => snapshot(nearCode(i), i, new Date(d), { warn: false }));
  const tp = Date.now();
  await produceAll(topics.dossierState, records);
  // This run's near-term codes sort between these two; nothing else does.
  const near = { $gte: 'NEAR-', $lt: 'NEAR.' };
  await until('sla to track the near-term deadlines', async () => (await deadlines.countDocuments({ subjectCode: near })) >= total, 500, windowStart + 120_000 - Date.now());
  const trackedAt = Date.now();
  res.trackedSecondsAfterPublish = secs(trackedAt - tp);
  res.trackedBeforeFirstDue = trackedAt <= windowStart;
  if (!res.trackedBeforeFirstDue) note(`sla tracked the near-term deadlines ${secs(trackedAt - windowStart)} s after the first was due: their lateness includes that`);
  say(`latency: sla tracked them ${res.trackedSecondsAfterPublish} s after publishing (${secs(windowStart - trackedAt)} s before the first due instant); polling every ${POLL_EVERY_MS / 1000} s alongside …`);

  // Polling baseline: an indexed due-date query every 5 s, each deadline seen by the first poll after it fell due.
  const polled = [];
  let polling = true;
  const poller = (async () => {
    let last = new Date(windowStart - 1);
    while (polling) {
      const now = new Date();
      // Not awaited until the end: a failed poll must be told, not crash the run and leave the
      // services running; the next poll covers its window.
      try {
        const due = await deadlines.find({ status: 'open', dueAt: { $gt: last, $lte: now } }, { projection: { dueAt: 1, subjectCode: 1 } }).toArray();
        const seenAt = Date.now();
        for (const d of due) if (d.subjectCode.startsWith('NEAR-')) polled.push({ same: d.subjectCode.startsWith('NEAR-S-'), lateness: seenAt - d.dueAt.getTime() });
        last = now;
      } catch (err) {
        note(`a poll of the baseline failed (${err.message}); the next one covers its window`);
      }
      await sleep(Math.max(0, POLL_EVERY_MS - (Date.now() - now.getTime())));
    }
  })();
  cleanups.push(async () => {
    polling = false;
  });
  let raised = 0;
  const stop = progress(async () => `latency: ${raised}/${total} overdue alerts raised, ${polled.length} deadlines seen by polling`);
  try {
    await until('the overdue alerts', async () => {
      raised = await alerts.countDocuments({ kind: 'overdue', dossierCode: near });
      return raised >= total && polled.length >= total;
    }, 1000, windowStart + 60_000 + 300_000 - Date.now());
  } finally {
    stop();
    polling = false;
    await poller;
  }
  const stored = await alerts.find({ kind: 'overdue', dossierCode: near }, { projection: { dossierCode: 1, dueAt: 1, raisedAt: 1, publishedAt: 1 } }).toArray();
  const figures = (list) => {
    const sorted = list.sort((a, b) => a - b);
    return { count: sorted.length, p50Ms: pct(sorted, 50), p99Ms: pct(sorted, 99), maxMs: sorted[sorted.length - 1] ?? null };
  };
  const pick = (list, same, f) => list.filter((a) => same === null || a.same === same).map(f);
  const alertRows = stored.map((a) => ({ same: a.dossierCode.startsWith('NEAR-S-'), raised: a.raisedAt.getTime() - a.dueAt.getTime(), published: a.publishedAt ? a.publishedAt.getTime() - a.dueAt.getTime() : null }));
  res.alerts = {
    all: figures(pick(alertRows, null, (a) => a.raised)),
    spreadOverMinute: figures(pick(alertRows, false, (a) => a.raised)),
    sameSecond: figures(pick(alertRows, true, (a) => a.raised)),
    publishedAll: figures(alertRows.filter((a) => a.published !== null).map((a) => a.published)),
  };
  res.polling = {
    everySeconds: POLL_EVERY_MS / 1000,
    all: figures(pick(polled, null, (a) => a.lateness)),
    spreadOverMinute: figures(pick(polled, false, (a) => a.lateness)),
    sameSecond: figures(pick(polled, true, (a) => a.lateness)),
  };
  for (const [label, key] of [['all', 'all'], ['spread over the minute', 'spreadOverMinute'], ['same second', 'sameSecond']]) {
    const a = res.alerts[key];
    const p = res.polling[key];
    say(`lateness after the due instant (${label}): sla alerts p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms, max ${a.maxMs} ms (${a.count}) · polling every 5 s p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms (${p.count})`);
  }
  say(`alerts acknowledged by Kafka (publishedAt): p50 ${res.alerts.publishedAll.p50Ms} ms, p99 ${res.alerts.publishedAll.p99Ms} ms after the due instant`);
  if (LOG_DIR) {
    // Per alert, to see when the late ones fell due (a pause of one process shows as a cluster).
    const csv = stored
      .map((a) => `${a.dossierCode},${a.dueAt.toISOString()},${a.raisedAt.getTime() - a.dueAt.getTime()},${a.publishedAt ? a.publishedAt.getTime() - a.dueAt.getTime() : ''}`)
      .sort((x, y) => x.split(',')[1].localeCompare(y.split(',')[1]));
    writeFileSync(join(LOG_DIR, 'latency-alerts.csv'), `code,dueAt,raisedMs,publishedMs\n${csv.join('\n')}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 5: recovery after kill -9 of sla and the loss of this run's Redis keys
// ---------------------------------------------------------------------------------------------

async function recovery() {
  const res = {};
  summary.results.recovery = res;
  // Every instance of sla is killed and restarted.
  const slas = instancesOf('sla');
  const several = slas.length > 1 ? ` (all ${slas.length} instances)` : '';
  // Near-term deadlines of their own, due 15–25 minutes ahead (after the measurement ends, so
  // none fires during it): the timers that matter most after a loss.
  const nearCount = Math.max(1, Math.round(NEAR_DEADLINES / 10));
  const from = Date.now() + 15 * 60_000;
  const records = Array.from({ length: nearCount }, (_, i) => snapshot(`RECO-${String(i).padStart(6, '0')}`, i, new Date(from + Math.floor((i * 10 * 60_000) / nearCount)), { warn: false }));
  await produceAll(topics.dossierState, records);
  // Tracked once their due timers are in Redis (nothing else of this run falls due 15–25 minutes from now).
  await until('sla to schedule the near-term deadlines of the recovery', async () => (await nearJobs(from + 10 * 60_000)) - (await nearJobs(from - 1)) >= nearCount, 500);
  say(`recovery: ${nearCount} deadlines due 15–25 minutes from now tracked, their timers in Redis`);
  // Let timers that are firing settle, so the count before is the steady one.
  await sleep(2000);
  const timersBefore = await slaJobs();
  // The timers themselves, so that any that do not come back can be told apart below.
  const jobsBefore = await heldTimers();
  // Timers due within the next hour (BullMQ scores delayed jobs timestamp × 4096): the due
  // timers of the near-term deadlines above, and whatever else falls due in that hour.
  const horizon = Date.now() + 3600_000;
  const nearBefore = await nearJobs(horizon);
  const openDeadlines = await db.collection(COLLECTIONS.deadlines).countDocuments(activeDeadlineFilter);
  res.timersBefore = timersBefore;
  res.openDeadlines = openDeadlines;
  say(`recovery: ${timersBefore} timers in Redis for ${openDeadlines} open deadlines; kill -9 sla${several}, then remove this run's Redis keys (SCAN MATCH ${ns}:* + UNLINK) …`);
  await Promise.all(slas.map((s) => killService(s, 'SIGKILL')));
  let removed = 0;
  await runKeys(async (keys) => {
    removed += keys.length;
    await redis.unlink(...keys);
  });
  res.keysRemoved = removed;
  const left = await slaJobs();
  say(`recovery: ${removed} keys removed (${left} timers left); restarting sla${several} …`);
  const t0 = Date.now();
  for (const s of slas) await startService('sla', s.instance);
  // From the spawn: when /readyz first answers 200, when the timers of before are all back (all,
  // and those due within the next hour), and when readiness no longer reports a reconciliation
  // under way (sla's "degraded" state has other reasons too, e.g. alerts waiting in the outbox).
  let timers = 0;
  let nearTimers = 0;
  let status = '';
  let reasons = {};
  let changed = { timers: -1, at: Date.now() };
  let tReadyz = null;
  let tTimers = null;
  let tNear = null;
  // A timer of before that fired during the measurement is gone from Redis with its work done;
  // so is one of a deadline that moved on. Consistent means each is back or explained so, with
  // no pending stage left without its timer (see whyNotBack). Looked at once a second: it reads
  // every held job.
  let tConsistent = null;
  let pendingWithout = null;
  let lookedAt = 0;
  const stop = progress(async () => `recovery: ${timers}/${timersBefore} timers back (${nearTimers}/${nearBefore} due within the hour${pendingWithout === null ? '' : `; pending stages without a timer: ${pendingWithout}`}), readiness ${status}${Object.keys(reasons).length ? ` (${Object.values(reasons).join('; ')})` : ''}`);
  try {
    await until('the timers to be back', async () => {
      const [n, near, ...readies] = await Promise.all([slaJobs(), nearJobs(horizon), ...slas.map((s) => readiness(s))]);
      timers = n;
      nearTimers = near;
      // Several instances: ready when all are; their statuses side by side, their reasons merged.
      const ready = { ok: readies.every((r) => r.ok), status: readies.map((r) => r.status).join('/') };
      status = ready.status;
      reasons = Object.assign({}, ...readies.map((r) => r.body?.degraded ?? {}));
      if (ready.ok && tReadyz === null) tReadyz = Date.now();
      if (timers !== changed.timers) changed = { timers, at: Date.now() };
      if (tTimers === null && timers >= timersBefore) tTimers = Date.now();
      if (tNear === null && nearTimers >= nearBefore) tNear = Date.now();
      if (tConsistent === null && Date.now() - lookedAt >= 1000) {
        lookedAt = Date.now();
        pendingWithout = tTimers !== null ? 0 : ((await whyNotBack(jobsBefore))['still pending'] ?? 0);
        if (pendingWithout === 0) tConsistent = lookedAt;
      }
      // Done when the repair is over and every timer of before is back or accounted for.
      return ready.ok && !reasons.reconciliation && tConsistent !== null;
    }, 250);
  } finally {
    stop();
  }
  if (reasons.outbox) note(`recovery: sla readiness still "degraded" for its outbox at the end: ${reasons.outbox}`);
  res.nearTimersBefore = nearBefore;
  res.secondsUntilNearTimersBack = tNear === null ? null : secs(tNear - t0);
  res.secondsUntilReadyz = secs(tReadyz - t0);
  if (tTimers === null) {
    note(`recovery: ${timers} of the ${timersBefore} timers of before came back (the count settled ${secs(changed.at - t0)} s after the restart)`);
    res.timersNotBack = await whyNotBack(jobsBefore);
    const lost = res.timersNotBack['still pending'] ?? 0;
    const why = Object.entries(res.timersNotBack).map(([reason, n]) => `${n} ${reason}`).join(', ');
    (lost > 0 ? note : say)(`recovery: the timers of before that did not come back, by their deadline as stored now: ${why || 'none (fired meanwhile)'}${lost > 0 ? ' — a pending stage without its timer is an alert that will not be raised' : ''}`);
  }
  res.secondsUntilTimersBack = secs((tTimers ?? changed.at) - t0);
  res.secondsUntilConsistent = secs(tConsistent - t0);
  res.secondsUntilReady = secs(Date.now() - t0);
  res.timersAfter = timers;
  say(`recovery: ${timers} timers back ${res.secondsUntilTimersBack} s after the restart (the ${nearBefore} due within the hour: ${res.secondsUntilNearTimersBack} s); every timer of before back or accounted for after ${res.secondsUntilConsistent} s; /readyz 200 after ${res.secondsUntilReadyz} s (sla serves HTTP once its consumer has started); reconciliation over after ${res.secondsUntilReady} s (goal ≤ ${GOALS.recoverySeconds} s)`);
}

// ---------------------------------------------------------------------------------------------
// Scale-out: the throughput phase with 1 instance of workflow and sla, then with SCALE_TO
// ---------------------------------------------------------------------------------------------

/** The pass before: its processes stopped, its topics, groups, keys and database removed, a fresh namespace. */
async function nextPass(name) {
  summary.serviceLogLines = { ...summary.serviceLogLines, ...Object.fromEntries([...services.values()].map((s) => [`${label(s)} (${name})`, s.problems])) };
  await stopAll();
  await removeNamespace(namespaces[namespaces.length - 1]);
  newNamespace();
  // kafkajs asks the broker for the metadata of every topic a producer ever sent to; once one
  // of them is deleted, each later send fails with "This server does not host this
  // topic-partition" (the phases after a scale-out did). A new producer knows none of them.
  await producer.disconnect().catch(() => undefined);
  producer = newProducer();
  await producer.connect();
}

/** The warm-up pass (BENCH_WARMUP): the same topology and mix, not counted, then a fresh namespace. */
async function warmUp() {
  say(`warm-up pass: ${WARMUP} events through the same topology in namespace ${ns} (not counted) …`);
  passLabel = 'warm-up: ';
  const res = (summary.results.warmUp = { counted: false });
  // As many instances as the first measured pass runs: the topology it warms is that one.
  await startAll(SCALE_OUT ? 1 : INSTANCES);
  await throughput(res, { events: WARMUP, ceilings: false });
  passLabel = '';
  await nextPass('warm-up');
}

async function scaleOut() {
  const res = { partitions: PARTITIONS, cores: summary.machine.cores, instances: [1, SCALE_TO], passes: [] };
  summary.results.scaleOut = res;
  for (const count of [1, SCALE_TO]) {
    if (broken) throw broken;
    if (res.passes.length) await nextPass(`pass ${res.passes.length}`);
    say(`scale-out pass ${res.passes.length + 1}: ${count} instance${count > 1 ? 's' : ''} of ${SCALED.join(' and ')}, namespace ${ns}, ${PARTITIONS} partitions per topic`);
    passLabel = `scale-out pass ${res.passes.length + 1}: `;
    const pass = { instances: count, namespace: ns };
    res.passes.push(pass);
    await startAll(count);
    await throughput(pass, { ceilingsOf: res.passes.length > 1 ? res.passes[0] : null });
  }
  passLabel = '';
  const [x, y] = res.passes.map((p) => p.workflow.endToEndEventsPerSecond);
  // Per pass, in the order of `instances`.
  res.endToEndEventsPerSecond = [x, y];
  res.slaEventsPerSecond = res.passes.map((p) => p.sla.eventsPerSecond);
  res.speedUp = x > 0 ? Number((y / x).toFixed(2)) : null;
  res.line = `scale-out: 1 instance ${x} events/s end to end, ${SCALE_TO} instances ${y} events/s → speed-up ${res.speedUp} (machine: ${res.cores} cores; ${PARTITIONS} partitions; sla tracked: ${res.passes[0].sla.eventsPerSecond} → ${res.passes[1].sla.eventsPerSecond} events/s)`;
  say(res.line);
  if (res.speedUp !== null && res.speedUp < 1) note(`scale-out: ${SCALE_TO} instances were slower than 1 on this ${res.cores}-core machine (the instances, intake, the bench and the infrastructure share the cores)`);
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------

let exitCode = 0;
try {
  say(`machine: ${summary.machine.cpu} × ${summary.machine.cores} cores, ${summary.machine.ramGiB} GiB RAM, Node ${process.version}, ${summary.machine.os}`);
  say(`infrastructure: ${infra.source} (Kafka ${infra.kafkaBrokers}, MongoDB ${mongoUrl.host}, Redis ${summary.infrastructure.redis}); run namespace ${ns}`);
  say(`phases: ${[...PHASES].join(', ')}; events ${EVENTS}, open deadlines ${OPEN_DEADLINES}, near-term ${NEAR_DEADLINES} + ${SAME_SECOND} in one second`);
  await Promise.all([admin.connect(), mongo.connect(), producer.connect()]);
  const redisBefore = await usedMemory();
  if (WARMUP > 0) await warmUp();
  if (SCALE_OUT) await scaleOut();
  else {
    await startAll(INSTANCES);
    if (PHASES.has('throughput')) await throughput((summary.results.throughput = {}));
  }
  if (needsBackground) await loadBackground();
  if (PHASES.has('memory')) await memory(redisBefore);
  if (PHASES.has('latency')) await latency();
  if (PHASES.has('recovery')) await recovery();
} catch (err) {
  exitCode = interrupted ? 130 : 1;
  summary.error = err.message;
  console.error(`[bench-topology] failed: ${err.stack ?? err.message}`);
  for (const s of services.values()) if (s.lines.length) console.error(`[bench-topology] last lines of ${label(s)}:\n${s.lines.slice(-10).join('\n')}`);
} finally {
  summary.serviceLogLines = { ...summary.serviceLogLines, ...Object.fromEntries([...services.values()].map((s) => [label(s), s.problems])) };
  summary.finishedAt = new Date().toISOString();
  printSummary();
  try {
    mkdirSync(join(root, '.data'), { recursive: true });
    writeFileSync(join(root, '.data/bench-topology.json'), `${JSON.stringify(summary, null, 2)}\n`);
    say('summary saved to .data/bench-topology.json');
  } catch (err) {
    console.error(`[bench-topology] cannot save the summary: ${err.message}`);
  }
  await cleanup().catch((err) => console.error(`[bench-topology] cleanup: ${err.message}`));
}
process.exit(exitCode);

function printSummary() {
  const r = summary.results;
  const m = summary.machine;
  const lines = [`machine: ${m.cpu} × ${m.cores} cores, ${m.ramGiB} GiB, Node ${m.node}; infrastructure ${summary.infrastructure.source}`];
  const throughputLines = (t, heading) => {
    lines.push(heading);
    lines.push(`  intake accepted            ${t.intake.eventsPerSecond} events/s`);
    lines.push(`  end to end (workflow)      ${t.workflow.endToEndEventsPerSecond} events/s   goal ${GOALS.endToEndEventsPerSecond}`);
    lines.push(`  subjects written           ${t.workflow.subjectsWrittenPerSecond} subjects/s`);
    if (t.sla) lines.push(`  end to end (sla tracked)   ${t.sla.eventsPerSecond} events/s`);
    if (t.reporting) lines.push(`  end to end (reporting)     ${t.reporting.eventsPerSecond} events/s (counted ${t.reporting.secondsAfterWorkflow} s after workflow stored the last)`);
    if (t.rawKafka) lines.push(`  raw Kafka                  produce ${t.rawKafka.produceMsgPerSecond} msg/s, consume ${t.rawKafka.consumeMsgPerSecond} msg/s (${t.rawKafka.partitions} partitions)`);
    if (t.rawMongo) lines.push(`  raw MongoDB bulk upsert    ${t.rawMongo.docsPerSecond} docs/s`);
    if (t.slowestCeilingPerSecond) lines.push(`  subjects/s ÷ slowest ceiling (${t.slowestCeiling}) = ${t.ratioSubjectsToSlowestCeiling}   goal ≥ ${GOALS.ratioToSlowestCeiling} (events/s ÷ it: ${t.ratioEventsToSlowestCeiling})`);
  };
  if (r.warmUp?.workflow) {
    const w = r.warmUp;
    lines.push(`warm-up pass, not counted (${w.mix.events} events, fresh service processes after it): workflow ${w.workflow.endToEndEventsPerSecond} events/s end to end${w.sla ? `, sla tracked ${w.sla.eventsPerSecond} events/s` : ''}`);
  }
  if (r.throughput?.workflow) {
    const t = r.throughput;
    const several = INSTANCES > 1 ? `, ${INSTANCES} instances of ${SCALED.join(' and ')}, ${PARTITIONS} partitions` : '';
    throughputLines(t, `throughput (${t.mix.events} events, ${t.mix.subjects} subjects, services as separate processes${several}):`);
  }
  for (const [i, t] of (r.scaleOut?.passes ?? []).entries()) {
    if (!t.workflow) continue;
    const ceilings = t.ceilingsMeasuredIn ? `; ceilings of ${t.ceilingsMeasuredIn}` : '';
    throughputLines(t, `throughput, scale-out pass ${i + 1}: ${t.instances} instance${t.instances > 1 ? 's' : ''} of ${SCALED.join(' and ')} (${t.mix.events} events, ${t.mix.subjects} subjects, ${r.scaleOut.partitions} partitions${ceilings}):`);
  }
  if (r.scaleOut?.line) lines.push(r.scaleOut.line);
  if (r.background?.trackedPerSecond) lines.push(`background: ${r.background.openDeadlines} open deadlines tracked at ${r.background.trackedPerSecond}/s (${r.background.path})`);
  if (r.memory?.redis) {
    const x = r.memory.redis;
    lines.push(`memory: Redis used_memory +${mib(x.usedMemoryDelta)} = ${x.bytesPerOpenDeadline} B/open deadline, ${x.bytesPerOpenDossier} B/open dossier; this run's keys ${mib(x.runKeyBytes)} = ${x.runKeyBytesPerOpenDeadline} B/open deadline`);
    for (const [name, f] of Object.entries(r.memory.mongo ?? {})) lines.push(`        MongoDB ${name}: ${f.avgBytes} B/document (${f.method.split(' (')[0]})`);
  }
  if (r.latency?.alerts) {
    const a = r.latency.alerts;
    const p = r.latency.polling;
    lines.push(`latency with the background: alerts p50 ${a.all.p50Ms} ms, p99 ${a.all.p99Ms} ms (same second: p50 ${a.sameSecond.p50Ms}, p99 ${a.sameSecond.p99Ms}); polling every 5 s p50 ${p.all.p50Ms} ms, p99 ${p.all.p99Ms} ms`);
  }
  if (r.recovery?.secondsUntilReady !== undefined) lines.push(`recovery (kill -9 sla + Redis keys lost): timers back in ${r.recovery.secondsUntilTimersBack} s (due within the hour: ${r.recovery.secondsUntilNearTimersBack} s), all consistent in ${r.recovery.secondsUntilConsistent} s, /readyz 200 in ${r.recovery.secondsUntilReadyz} s, reconciliation over in ${r.recovery.secondsUntilReady} s   goal ≤ ${GOALS.recoverySeconds} s`);
  for (const n of summary.notes) lines.push(`note: ${n}`);
  if (summary.error) lines.push(`FAILED: ${summary.error.split('\n')[0]}`);
  console.log(`\n[bench-topology] summary\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}
