// Reporting alone: N subjects loaded straight into MongoDB (a year of a province), the
// counters filled from them at the first start, then each report asked over HTTP, answered from
// the counters and, by a second instance on the same database, counted per request from the
// subjects. Prints p50/p95 per report and key, the fill rate and the machine; asserts nothing.
import { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);
const mongoose = require('mongoose');
const { Kafka, logLevel } = require('kafkajs');
const { resolveEndpoints } = require(join(root, 'packages/testkit/dist/infra'));
const { topicsFor } = require(join(root, 'packages/contracts/dist'));
const { defaultCalendar } = require(join(root, 'packages/calendar/dist'));
const { createApp } = require(join(root, 'services/reporting/dist/app.js'));
const { loadConfig } = require(join(root, 'services/reporting/dist/config.js'));
const { subjectModel } = require(join(root, 'services/workflow/dist/data-access/subject.repository.js'));

const N = Number(process.env.BENCH_REPORTING_SUBJECTS ?? 100_000);
const RUNS = Number(process.env.BENCH_REPORTING_RUNS ?? 30);
const SCAN_RUNS = Number(process.env.BENCH_REPORTING_SCAN_RUNS ?? 5);
const log = (m) => console.log(`[bench:reporting] ${m}`);
const infra = await resolveEndpoints({ profile: 'test', log: () => undefined });
const ns = `rpbench-${Date.now().toString(36)}`;
const mongoUrl = new URL(infra.mongoUrl);
mongoUrl.pathname = `/${ns}`;
const topics = topicsFor(ns);
const kafka = new Kafka({ clientId: ns, brokers: infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
const calendar = defaultCalendar();

const DAY = 86_400_000;
const NOW = Date.now();
const AGENCIES = [...Array.from({ length: 30 }, (_, i) => `G01.${String(i + 1).padStart(3, '0')}.000`), ...Array.from({ length: 90 }, (_, i) => `G01.${String(i + 101).padStart(3, '0')}.000`)];
const KEYS = 'bench-province:G01.*:reform-office;bench-agency:G01.001.000:agency-manager';

/** A pseudo-random stream, so two runs load the same subjects. */
function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32);
}

/** One subject of the last year, as workflow stores it (a short history, the flat state). */
function subject(i, rnd) {
  const petition = rnd() < 0.1;
  const receivedAt = NOW - Math.floor(rnd() * 365 * DAY);
  const dueAt = receivedAt + (5 + Math.floor(rnd() * 25)) * DAY;
  const end = receivedAt + Math.floor(rnd() * 40 * DAY);
  const closed = rnd() < 0.85 && end < NOW;
  const endAt = closed ? new Date(end) : null;
  const code = `BENCH-${String(i).padStart(8, '0')}`;
  const received = new Date(receivedAt).toISOString();
  return {
    _id: code,
    code,
    subject: petition ? 'petition' : 'dossier',
    revision: 3,
    agencyCode: AGENCIES[Math.floor(rnd() * rnd() * AGENCIES.length)],
    procedureCode: petition ? null : `1.00${100 + Math.floor(rnd() * 80)}`,
    phase: closed ? 'closed' : 'open',
    statusCode: closed ? 10 : 4,
    receivedAt: new Date(receivedAt),
    dueAt: new Date(dueAt),
    closedAt: endAt,
    endAt,
    timeliness: closed ? (end > dueAt ? 'late' : calendar.localDate(end) < calendar.localDate(dueAt) ? 'early' : 'on-time') : null,
    paused: false,
    overdue: !closed && dueAt < NOW,
    atRisk: !closed && dueAt >= NOW && rnd() < 0.2,
    state: { apologies: rnd() < 0.05 ? [{ issuedAt: new Date(receivedAt + 2 * DAY).toISOString() }] : [], steps: [], lateAgencies: [] },
    history: [
      { id: `${code}-1`, source: 'urn:portal:bench', type: 'vn.tthc.dossier.received', time: received, occurredAt: received, data: { dossierCode: code, receivedAt: received, channel: 'online' } },
      { id: `${code}-2`, source: 'urn:portal:bench', type: 'vn.tthc.dossier.processing', time: received, occurredAt: received, data: { dossierCode: code, stepNo: 1 } },
    ],
    updatedAt: new Date(),
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function measure(url, path, key, runs) {
  const times = [];
  let status = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    await res.arrayBuffer();
    times.push(performance.now() - t0);
    status = res.status;
  }
  times.sort((a, b) => a - b);
  return { status, p50: percentile(times, 50), p95: percentile(times, 95) };
}

const env = {
  NODE_ENV: 'test', LOG_LEVEL: 'silent', KAFKA_BROKERS: infra.kafkaBrokers, KAFKA_TOPIC_NAMESPACE: ns, MONGO_URL: mongoUrl.toString(), REDIS_URL: infra.redisUrl,
  REDIS_KEY_PREFIX: ns, PORT: '0', API_KEYS: KEYS, RATE_LIMIT_PER_MINUTE: '0',
};
const counting = createApp(loadConfig({ ...env, CONSUMER_GROUP: `${ns}-counters` }));
const scanning = createApp(loadConfig({ ...env, CONSUMER_GROUP: `${ns}-scan` }), { countPerRequest: true });
const db = await mongoose.createConnection(mongoUrl.toString()).asPromise();
try {
  log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average ${os.loadavg()[0].toFixed(2)}`);
  // The indexes workflow creates at start on the collection it writes: the lists and the
  // satisfaction reads use them, as they do beside a running workflow.
  await subjectModel(db).createIndexes();
  const rnd = random(17);
  const l0 = Date.now();
  for (let i = 0; i < N; i += 1000) {
    await db.collection('dossiers').insertMany(Array.from({ length: Math.min(1000, N - i) }, (_, j) => subject(i + j, rnd)), { ordered: false });
  }
  log(`${N} subjects loaded into MongoDB in ${((Date.now() - l0) / 1000).toFixed(1)} s`);
  const f0 = Date.now();
  const { url: countersUrl } = await counting.start(); // fills the counters from the stored subjects
  const fillSeconds = (Date.now() - f0) / 1000;
  log(`counters filled from ${N} subjects at the first start in ${fillSeconds.toFixed(1)} s = ${Math.round(N / fillSeconds)} subjects/s`);
  const { url: scanUrl } = await scanning.start();
  const thisMonth = calendar.localDate(NOW).slice(0, 7);
  const [y, m] = thisMonth.split('-').map(Number);
  const lastMonth = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const reports = [
    `/v1/metrics/late-cases?period=${thisMonth}`,
    `/v1/metrics/late-cases?period=${y}`,
    '/v1/metrics/trend?months=12',
    '/v1/index/subscores',
    `/v1/reports/monthly?period=${lastMonth}`,
    `/v1/reports/monthly?period=${lastMonth}&format=xlsx`,
  ];
  log(`p50 / p95 in ms, ${RUNS} requests from the counters and ${SCAN_RUNS} counted per request, one at a time`);
  log('report | key | counters p50 / p95 | per-request count p50 / p95');
  for (const path of reports) {
    for (const key of ['bench-province', 'bench-agency']) {
      const c = await measure(countersUrl, path, key, RUNS);
      const s = await measure(scanUrl, path, key, SCAN_RUNS);
      log(`${path} | ${key} | ${c.p50.toFixed(0)} / ${c.p95.toFixed(0)} (${c.status}) | ${s.p50.toFixed(0)} / ${s.p95.toFixed(0)} (${s.status})`);
    }
  }
  // The open list, 20th page of 50 overdue subjects: by number (the store skips 950 rows) and by
  // the cursor the 19th page's answer links to (it reads on from the sort key).
  log('open list, page 20 of 50 | key | by page p50 / p95 | by cursor p50 / p95');
  for (const key of ['bench-province', 'bench-agency']) {
    const page19 = await fetch(`${countersUrl}/v1/dossiers?overdue=true&pageSize=50&page=19`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json());
    const byPage = await measure(countersUrl, '/v1/dossiers?overdue=true&pageSize=50&page=20', key, RUNS);
    const byCursor = page19.next ? await measure(countersUrl, page19.next, key, RUNS) : null;
    log(`/v1/dossiers?overdue=true&pageSize=50 | ${key} | ${byPage.p50.toFixed(0)} / ${byPage.p95.toFixed(0)} (${byPage.status}) | ${byCursor ? `${byCursor.p50.toFixed(0)} / ${byCursor.p95.toFixed(0)} (${byCursor.status})` : 'fewer than 20 pages'}`);
  }
} finally {
  await scanning.stop().catch(() => undefined);
  await counting.stop().catch(() => undefined);
  await db.dropDatabase().catch(() => undefined);
  await db.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics).filter((t) => typeof t === 'string') }).catch(() => undefined);
  await admin.disconnect();
  await infra.stop();
}
