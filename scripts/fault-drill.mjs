#!/usr/bin/env node
// Fault drill against the running `npm start` stack, as an outsider would run one: for each fault,
// portal traffic is posted through intake's public API (the demo's portal simulator), the fault is
// injected a few seconds in, undone, and the drill waits until every event intake accepted is
// stored by workflow, the overdue list agrees with the late-case figures and reporting has no lag.
//
//   npm run drill -- [--faults kafka,redis,redis-wipe,workflow,sla,store-freeze] [--dossiers 1500]
//                    [--rate 300] [--down 20] [--settle 300] [--seed N]
//
// Faults: kafka / redis = kill -9 of the local broker / Redis, started again after --down seconds
// (on its kept data); redis-wipe = Redis stopped, its files deleted, started empty (a fail-over to
// an empty replica); workflow / sla = kill -9 of the service (npm start restarts it);
// store-freeze = the MongoDB stand-in stopped with SIGSTOP for --down seconds.
// It needs the local dev infrastructure of `npm start` (infra/local/infra.sh, profile dev) and
// reads the store directly to count stored facts (MONGO_URL, default the dev profile's).
// Environment: INTAKE_URL, REPORTING_URL, PORTAL_KEY (dev-portal-key), READ_KEY (dev-key).
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

const FAULTS = ['kafka', 'redis', 'redis-wipe', 'workflow', 'sla', 'store-freeze'];
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
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 17).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
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
const READ_KEY = process.env.READ_KEY ?? 'dev-key';
const infra = (...args) => execFileSync('bash', [join(root, 'infra/local/infra.sh'), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const devEnv = Object.fromEntries(infra('env', 'dev').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
const MONGO_URL = process.env.MONGO_URL ?? devEnv.MONGO_URL;

const { MongoClient } = require('mongodb');
const { alertEventTypes } = require(join(root, 'packages/contracts/dist'));
const alertTypes = new Set(alertEventTypes);
const mongo = await MongoClient.connect(MONGO_URL, { directConnection: true, serverSelectionTimeoutMS: 5000 });

/** Portal facts stored by workflow: every history entry that is not an alert sla raised. */
async function storedFacts() {
  let facts = 0;
  for await (const d of mongo.db().collection('dossiers').find({}, { projection: { history: 1 } })) {
    for (const h of d.history ?? []) if (!alertTypes.has(h.type)) facts += 1;
  }
  return facts;
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

const rows = [];
for (const [i, fault] of faults.entries()) {
  const base = await storedFacts();
  say(`${fault}: posting ${DOSSIERS} dossiers at ${RATE} events/s (seed ${SEED + i}); the fault comes 8 s in${['kafka', 'redis', 'store-freeze'].includes(fault) ? ` and lasts ${DOWN_S} s` : ''}`);
  const demo = runDemo(SEED + i);
  await sleep(8000);
  const t0 = Date.now();
  const undo = inject(fault);
  await sleep(DOWN_S * 1000);
  undo();
  const posted = await demo;
  if (posted.errors < 0) say(`${fault}: the simulator's summary was not found:\n${posted.output}`);
  let last = null;
  let settledAt = null;
  while ((Date.now() - t0) / 1000 < SETTLE_S) {
    const stored = (await storedFacts()) - base;
    const f = await figures().catch((err) => ({ error: err.message }));
    last = { stored, ...f };
    if (stored >= posted.accepted && !f.error && f.overdueList === f.overdueCounted && f.lag === 0) {
      settledAt = (Date.now() - t0) / 1000;
      break;
    }
    await sleep(5000);
  }
  // A simulator that stopped before its summary accepted an unknown number of events.
  const ok = settledAt !== null && posted.errors >= 0;
  rows.push({ fault, ...posted, ...last, settledAt, ok });
  say(`${fault}: accepted ${posted.accepted} (errors ${posted.errors}), stored ${last?.stored}, overdue list ${last?.overdueList} / late cases ${last?.overdueCounted}, reporting lag ${last?.lag} → ${ok ? `settled ${settledAt.toFixed(0)} s after the fault` : `NOT settled within ${SETTLE_S} s`}`);
}
await mongo.close();

say('summary');
console.log('| fault | accepted | not accepted (errors) | stored | overdue list = late cases | settled after the fault, s |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.fault} | ${r.accepted} | ${r.errors} | ${r.stored} | ${r.overdueList} = ${r.overdueCounted} | ${r.ok ? r.settledAt.toFixed(0) : 'not settled'} |`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
