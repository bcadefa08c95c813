#!/usr/bin/env node
// Fault drill against the running `npm start` stack, as an outsider would run one: for each fault,
// portal traffic is posted through intake's public API (the demo's portal simulator), the fault is
// injected a few seconds in, undone, and the drill waits until every event intake accepted is
// stored by workflow, the overdue list agrees with the late-case figures, reporting has no lag,
// every alert sla raised meanwhile reached the notifier, the subject's history and one delivery
// to the drill's subscribers, no open subject past its due instant lacks its overdue alert, and
// nothing was dead-lettered.
//
//   npm run drill -- [--faults kafka,redis,redis-wipe,workflow,sla,notifier,store-freeze]
//                    [--dossiers 1500] [--rate 300] [--down 20] [--settle 300] [--seed N]
//
// Each fault posts with its own simulator seed: the first from --seed on whose dossier codes
// (they end in the seed mod 100) no subject on the stack has yet, so a drill never posts facts
// for the subjects of an earlier run. Ctrl-C undoes the fault under way and removes the drill's
// subscriptions before it exits.
//
// Faults: kafka / redis = kill -9 of the local broker / Redis, started again after --down seconds
// (on its kept data); redis-wipe = Redis stopped, its files deleted, started empty (a fail-over to
// an empty replica); workflow / sla / notifier = kill -9 of the service (npm start restarts it);
// store-freeze = the MongoDB stand-in stopped with SIGSTOP for --down seconds.
// It needs the local dev infrastructure of `npm start` (infra/local/infra.sh, profile dev) and
// reads the store directly to count stored facts (MONGO_URL, default the dev profile's).
// Environment: INTAKE_URL, REPORTING_URL, NOTIFIER_URL, KAFKA_BROKERS, KAFKA_TOPIC_NAMESPACE,
// PORTAL_KEY (dev-portal-key), READ_KEY (dev-key; a reform-office key of scope *, which reads the
// figures and creates the drill's subscriptions).
// Exit code 0 when every fault ends with nothing lost and the figures agreeing, 1 otherwise.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
/* global AbortSignal */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const say = (m) => console.log(`[drill] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const FAULTS = ['kafka', 'redis', 'redis-wipe', 'workflow', 'sla', 'notifier', 'store-freeze'];
const { values: opts } = parseArgs({
  options: {
    faults: { type: 'string', default: FAULTS.join(',') },
    dossiers: { type: 'string', default: '1500' },
    rate: { type: 'string', default: '300' },
    down: { type: 'string', default: '20' },
    settle: { type: 'string', default: '300' },
    seed: { type: 'string', default: String(1000 + Math.floor(Date.now() / 1000) % 100_000) },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1).filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const faults = opts.faults.split(',').map((f) => f.trim()).filter(Boolean);
const unknown = faults.find((f) => !FAULTS.includes(f));
if (unknown) {
  console.error(`[drill] error: unknown fault "${unknown}"; expected some of ${FAULTS.join(', ')}`);
  process.exit(64);
}
const num = (name) => {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`[drill] error: --${name} must be a whole number (got "${opts[name]}")`);
    process.exit(64);
  }
  return n;
};
const [DOSSIERS, RATE, DOWN_S, SETTLE_S, SEED] = ['dossiers', 'rate', 'down', 'settle', 'seed'].map(num);
const INTAKE = process.env.INTAKE_URL ?? 'http://127.0.0.1:8080';
const REPORTING = process.env.REPORTING_URL ?? 'http://127.0.0.1:8081';
const NOTIFIER = process.env.NOTIFIER_URL ?? 'http://127.0.0.1:8084';
const READ_KEY = process.env.READ_KEY ?? 'dev-key';
// Past its due instant by more than this, an open subject must carry its overdue alert: the
// alert is raised at the due instant, and reaches the subject's record within seconds.
const OVERDUE_GRACE_MS = 60_000;
const infra = (...args) => execFileSync('bash', [join(root, 'infra/local/infra.sh'), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const devEnv = Object.fromEntries(infra('env', 'dev').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
const MONGO_URL = process.env.MONGO_URL ?? devEnv.MONGO_URL;

const { MongoClient } = require('mongodb');
const { alertEventTypes, topicsFor } = require(join(root, 'packages/contracts/dist'));
const { Kafka, logLevel } = require('kafkajs');
const alertTypes = new Set(alertEventTypes);
const mongo = await MongoClient.connect(MONGO_URL, { directConnection: true, serverSelectionTimeoutMS: 5000 });
const DEAD_LETTER_TOPIC = topicsFor(process.env.KAFKA_TOPIC_NAMESPACE).deadLetter;
const kafkaAdmin = new Kafka({ clientId: 'fault-drill', brokers: (process.env.KAFKA_BROKERS ?? devEnv.KAFKA_BROKERS).split(','), logLevel: logLevel.NOTHING }).admin();

/**
 * Messages on the dead-letter topic so far. A fault must only delay work: a good event that a
 * consumer dead-letters because Kafka, Redis or the store was away is an event lost to its subject.
 */
async function deadLettered() {
  await kafkaAdmin.connect();
  try {
    const offsets = await kafkaAdmin.fetchTopicOffsets(DEAD_LETTER_TOPIC);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await kafkaAdmin.disconnect();
  }
}

/**
 * One pass over the subjects: the portal facts workflow stored (every history entry that is not
 * an alert sla raised), the ids of the alerts recorded in their histories, and the open subjects
 * past their due instant without the overdue flag, which only an overdue alert sets.
 */
async function scanSubjects() {
  let facts = 0;
  let missedOverdue = 0;
  const alertsInHistory = new Set();
  const now = Date.now();
  const projection = { 'history.type': 1, 'history.data.alertId': 1, dueAt: 1, closedAt: 1, endAt: 1, paused: 1, overdue: 1 };
  for await (const d of mongo.db().collection('dossiers').find({}, { projection })) {
    for (const h of d.history ?? []) {
      if (!alertTypes.has(h.type)) facts += 1;
      else if (h.data?.alertId) alertsInHistory.add(h.data.alertId);
    }
    const due = d.dueAt ? new Date(d.dueAt).getTime() : null;
    if (due !== null && due < now - OVERDUE_GRACE_MS && !d.closedAt && !d.endAt && !d.paused && !d.overdue) missedOverdue += 1;
  }
  return { facts, alertsInHistory, missedOverdue };
}

async function alertIds() {
  const ids = new Set();
  for await (const a of mongo.db().collection('alerts').find({}, { projection: { _id: 1 } })) ids.add(a._id);
  return ids;
}

/**
 * What became of the alerts sla raised since `before` (ids of alerts that existed earlier): each
 * must be published (its outbox entry gone), known to the notifier (`alert_acks`), recorded in its
 * subject's history (`scan`, above), and delivered (a record in `deliveries`, whatever its state
 * but `dead`) to the drill's subscriber of the alert's first level.
 */
async function alertFigures(before, subscriberOfLevel, scan) {
  const db = mongo.db();
  const fresh = new Set([...(await alertIds())].filter((id) => !before.has(id)));
  const outbox = await db.collection('alert_outbox').countDocuments();
  const levelOf = new Map();
  for await (const r of db.collection('alert_acks').find({}, { projection: { _id: 1, baseLevel: 1 } })) if (fresh.has(r._id)) levelOf.set(r._id, r.baseLevel);
  const inHistory = [...fresh].filter((id) => scan.alertsInHistory.has(id)).length;
  const delivered = new Set();
  let dead = 0;
  const subscribers = [...subscriberOfLevel.values()];
  for await (const r of db.collection('deliveries').find({ subscriptionId: { $in: subscribers }, kind: 'alert' }, { projection: { alertId: 1, subscriptionId: 1, level: 1, status: 1 } })) {
    if (!fresh.has(r.alertId)) continue;
    if (r.status === 'dead') dead += 1;
    else if (subscriberOfLevel.get(levelOf.get(r.alertId)) === r.subscriptionId && r.level === levelOf.get(r.alertId)) delivered.add(r.alertId);
  }
  return { raised: fresh.size, outbox, toNotifier: levelOf.size, inHistory, delivered: delivered.size, dead, missedOverdue: scan.missedOverdue };
}

const alertsSettled = (a) => a.outbox === 0 && a.toNotifier === a.raised && a.inHistory === a.raised && a.delivered === a.raised && a.dead === 0 && a.missedOverdue === 0;

/**
 * One e-mail subscriber per recipient level, for every agency (`*`), so that every alert has one
 * expected delivery; the mail goes to npm start's catcher. Deleted again when the drill ends.
 */
async function subscribe() {
  const byLevel = new Map();
  for (const [level, role] of ['agency-manager', 'agency-head', 'reform-office'].entries()) {
    const res = await fetch(`${NOTIFIER}/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READ_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Fault drill (${role})`, role, agencyCode: '*', channel: { type: 'email', address: `drill-${role}@example.vn` }, digest: false }),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 201) throw new Error(`creating the drill's ${role} subscription: ${res.status} ${await res.text()}`);
    byLevel.set(level, (await res.json()).id);
  }
  return byLevel;
}

async function unsubscribe(byLevel) {
  const left = [];
  for (const id of byLevel.values()) {
    const res = await fetch(`${NOTIFIER}/v1/subscriptions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${READ_KEY}` }, signal: AbortSignal.timeout(10_000) }).catch(() => null);
    if (!res || (res.status !== 204 && res.status !== 404)) left.push(id);
  }
  // Left behind, they would keep receiving every alert of the stack's agencies.
  if (left.length > 0) say(`warning: the deletion of the drill's subscriptions ${left.join(', ')} was not confirmed; see GET ${NOTIFIER}/v1/subscriptions and delete what is left with DELETE …/v1/subscriptions/<id>`);
}

async function readJson(url) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${READ_KEY}` }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

/** The overdue list's length, the late-case figures' open overdue count and reporting's consumer lag. */
async function figures() {
  const [list, late, metrics] = await Promise.all([
    readJson(`${REPORTING}/v1/dossiers?overdue=true&pageSize=1`),
    readJson(`${REPORTING}/v1/metrics/late-cases`),
    fetch(`${REPORTING}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text()),
  ]);
  const lag = metrics.split('\n').filter((l) => l.startsWith('kafka_consumer_lag')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  return { overdueList: list.total, overdueCounted: (late.totals?.openOverdue ?? 0) + (late.totals?.petitionsOpenOverdue ?? 0), lag };
}

const pidOfService = (name) => {
  const out = execFileSync('pgrep', ['-f', join(root, 'services', name, 'dist/main.js')], { encoding: 'utf8' }).trim().split('\n')[0];
  if (!out) throw new Error(`no running ${name} service (is npm start running in ${root}?)`);
  return Number(out);
};
const mongoPid = () => Number(readFileSync(join(root, '.data/dev/mongo.pid'), 'utf8').trim());

/** Injects a fault; answers the function that undoes it (a no-op where npm start heals it). */
function inject(fault) {
  switch (fault) {
    case 'kafka':
    case 'redis':
      infra('kill', 'dev', fault);
      return () => infra('start', 'dev', fault);
    case 'redis-wipe':
      infra('stop', 'dev', 'redis');
      rmSync(join(root, '.data/dev/redis'), { recursive: true, force: true });
      infra('start', 'dev', 'redis');
      return () => undefined;
    case 'workflow':
    case 'sla':
    case 'notifier':
      process.kill(pidOfService(fault), 'SIGKILL');
      return () => undefined;
    case 'store-freeze': {
      const pid = mongoPid();
      process.kill(pid, 'SIGSTOP');
      return () => process.kill(pid, 'SIGCONT');
    }
    default:
      throw new Error(`unknown fault ${fault}`);
  }
}

function runDemo(seed) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts/simulate-portals.mjs'), '--dossiers', String(DOSSIERS), '--rate', String(RATE), '--batch', '100', '--seed', String(seed)], {
      cwd: root,
      env: { ...process.env, INTAKE_URL: INTAKE, API_KEY: process.env.PORTAL_KEY ?? 'dev-portal-key' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    for (const s of [child.stdout, child.stderr]) s.on('data', (d) => (out += d));
    child.on('close', () => {
      const m = /accepted (\d+), duplicate (\d+), errors (\d+)/.exec(out);
      resolve(m ? { accepted: Number(m[1]), duplicate: Number(m[2]), errors: Number(m[3]) } : { accepted: 0, duplicate: 0, errors: -1, output: out.slice(-500) });
    });
  });
}

try {
  await fetch(`${INTAKE}/readyz`, { signal: AbortSignal.timeout(5000) });
} catch {
  console.error(`[drill] error: intake is not reachable at ${INTAKE}; start the stack with npm start first`);
  process.exit(2);
}

/**
 * The simulator's codes end in the seed mod 100 and a number per agency and day. A seed whose
 * suffix some subject on the stack already carries could post facts for that subject, which
 * workflow refuses as impossible transitions and dead-letters: a drill's own traffic would fail it.
 */
async function seedsForFaults(count) {
  const taken = new Set();
  for await (const d of mongo.db().collection('dossiers').find({}, { projection: { _id: 1 } })) {
    const m = /-(\d{2})\d{4}$/.exec(String(d._id));
    if (m) taken.add(Number(m[1]));
  }
  const seeds = [];
  for (let seed = SEED; seeds.length < count && seed < SEED + 100; seed += 1) {
    if (taken.has(seed % 100)) continue;
    taken.add(seed % 100);
    seeds.push(seed);
  }
  if (seeds.length < count) {
    console.error(`[drill] error: the stack holds subjects of ${taken.size} of the simulator's 100 code suffixes; ${count} fault(s) need a free one each. Run it on a fresh store (stop npm start, remove .data/dev) or with fewer faults`);
    process.exit(2);
  }
  return seeds;
}

const seeds = await seedsForFaults(faults.length);
const subscribers = await subscribe();
let undoUnderWay = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    say(`${signal}: undoing the fault under way and removing the drill's subscriptions before exiting`);
    try {
      undoUnderWay?.();
    } catch (err) {
      say(`could not undo the fault: ${err.message}`);
    }
    unsubscribe(subscribers).finally(() => process.exit(130));
  });
}
say(`subscribed one e-mail recipient per level (${[...subscribers.values()].join(', ')}); removed when the drill ends`);
const rows = [];
let stoppedBy = null;
try {
  for (const [i, fault] of faults.entries()) {
    const base = (await scanSubjects()).facts;
    const alertsBefore = await alertIds();
    const deadLetteredBefore = await deadLettered();
    say(`${fault}: posting ${DOSSIERS} dossiers at ${RATE} events/s (seed ${seeds[i]}); the fault comes 8 s in${['kafka', 'redis', 'store-freeze'].includes(fault) ? ` and lasts ${DOWN_S} s` : ''}`);
    const demo = runDemo(seeds[i]);
    await sleep(8000);
    const t0 = Date.now();
    undoUnderWay = inject(fault);
    await sleep(DOWN_S * 1000);
    undoUnderWay();
    undoUnderWay = null;
    const posted = await demo;
    if (posted.errors < 0) say(`${fault}: the simulator's summary was not found:\n${posted.output}`);
    let last = null;
    let settledAt = null;
    // Measured at least once, even when --settle is shorter than the fault itself.
    let storeError = null;
    for (;;) {
      try {
        const scan = await scanSubjects();
        const stored = scan.facts - base;
        const f = await figures().catch((err) => ({ error: err.message }));
        const alerts = await alertFigures(alertsBefore, subscribers, scan);
        const dead = await deadLettered().then((n) => n - deadLetteredBefore, () => null);
        last = { stored, ...f, alerts, deadLettered: dead };
        storeError = null;
        if (stored >= posted.accepted && !f.error && f.overdueList === f.overdueCounted && f.lag === 0 && alertsSettled(alerts) && dead === 0) {
          settledAt = (Date.now() - t0) / 1000;
          break;
        }
      } catch (err) {
        // The store itself failing (the stand-in has lost pages of its file) is a finding of the
        // drill, not a reason to stop counting the faults before and after it.
        if (storeError === null) say(`${fault}: reading the store failed (${err.message.split('\n')[0].slice(0, 300)}); trying again until the settle time`);
        storeError = err.message.split('\n')[0].slice(0, 300);
      }
      if ((Date.now() - t0) / 1000 >= SETTLE_S) break;
      await sleep(5000);
    }
    if (storeError !== null) last = { ...last, storeError };
    // A simulator that stopped before its summary accepted an unknown number of events.
    const ok = settledAt !== null && posted.errors >= 0;
    rows.push({ fault, ...posted, ...last, settledAt, ok });
    const a = last?.alerts;
    if (last?.storeError) say(`${fault}: the store could not be read at the end: ${last.storeError}`);
    say(`${fault}: accepted ${posted.accepted} (errors ${posted.errors}), stored ${last?.stored}, overdue list ${last?.overdueList} / late cases ${last?.overdueCounted}, reporting lag ${last?.lag}; alerts raised ${a?.raised}, at the notifier ${a?.toNotifier}, in the history ${a?.inHistory}, delivered ${a?.delivered} (dead ${a?.dead}), unpublished ${a?.outbox}, open past due without the alert ${a?.missedOverdue}, dead-lettered ${last?.deadLettered} → ${ok ? `settled ${settledAt.toFixed(0)} s after the fault` : `NOT settled within ${SETTLE_S} s`}`);
  }
} catch (err) {
  // Before a fault's own measurement (its starting count of the store): what was measured so
  // far is still printed below.
  stoppedBy = err.message.split('\n')[0].slice(0, 300);
  say(`the drill stopped before it finished: ${stoppedBy}`);
} finally {
  await unsubscribe(subscribers);
  await mongo.close();
}

say('summary');
console.log('| fault | accepted | not accepted (errors) | stored | overdue list = late cases | alerts raised / at the notifier / in the history / delivered | dead deliveries | past due without the alert | dead-lettered | settled after the fault, s |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const a = r.alerts ?? {};
  console.log(`| ${r.fault} | ${r.accepted} | ${r.errors} | ${r.stored} | ${r.overdueList} = ${r.overdueCounted} | ${a.raised} / ${a.toNotifier} / ${a.inHistory} / ${a.delivered} | ${a.dead} | ${a.missedOverdue} | ${r.deadLettered} | ${r.ok ? r.settledAt.toFixed(0) : r.storeError ? `not settled (store: ${r.storeError})` : 'not settled'} |`);
}
if (stoppedBy !== null) say(`not every fault was drilled: ${stoppedBy}`);
process.exit(stoppedBy === null && rows.every((r) => r.ok) ? 0 : 1);
