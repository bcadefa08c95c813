// Reporting alone: N subjects loaded straight into MongoDB (a year of a province), with the
// alerts sla would have stored for the late ones, and the counters filled from them at a first
// start. Then each report, list, export and other read of the API is asked over
// HTTP of a reporting process of its own, as `npm start` runs it, which answers from the
// counters; the dashboard, served by that same process, is opened in headless Chromium per key
// and its first complete paint timed; last, the reports are asked of an instance in the bench's
// process that counts per request from the subjects. Prints p50/p95 per report and key, the
// paint's p50/p95/max and its cold p50/max, the fill rate and the machine; asserts nothing.
// Each served figure is timed after a few untimed requests (the first one's time printed), and
// beside it what the MongoDB stand-in's collector did meanwhile, when the project started it.
/* global document */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
const { startProcessStack } = require(join(root, 'packages/testkit/dist/process-stack'));
const { serviceNodeArgs } = require(join(root, 'packages/testkit/dist/service-node-args'));
const { topicsFor } = require(join(root, 'packages/contracts/dist'));
const { defaultCalendar } = require(join(root, 'packages/calendar/dist'));
const { createApp } = require(join(root, 'services/reporting/dist/app.js'));
const { loadConfig } = require(join(root, 'services/reporting/dist/config.js'));
const { subjectModel } = require(join(root, 'services/workflow/dist/data-access/subject.repository.js'));
const { createAlertRepository } = require(join(root, 'services/sla/dist/data-access/alert.repository.js'));
const { DASHBOARD_CONTEXT, firstCompletePaint, recordKeyFormFrame } = require(join(root, 'tests/browser/support/first-complete-paint.cjs'));
const { describePauses, standInPauses } = await import(join(root, 'scripts/lib/stand-in-pauses.mjs'));

const N = Number(process.env.BENCH_REPORTING_SUBJECTS ?? 100_000);
const RUNS = Number(process.env.BENCH_REPORTING_RUNS ?? 30);
const SCAN_RUNS = Number(process.env.BENCH_REPORTING_SCAN_RUNS ?? 5);
const PAINT_RUNS = Number(process.env.BENCH_REPORTING_PAINT_RUNS ?? 5);
// One cold paint is one sample of a noisy figure: it is taken again in this many fresh contexts.
const COLD_RUNS = Math.max(1, Number(process.env.BENCH_REPORTING_COLD_RUNS ?? 5));
// Untimed requests before each served figure, as a service that has been running has answered
// them before; the first request's time is printed all the same.
const WARMUP = Math.max(0, Number(process.env.BENCH_REPORTING_WARMUP ?? 3));
const log = (m) => console.log(`[bench:reporting] ${m}`);
const infra = await resolveEndpoints({ profile: 'test', workload: 'bench', log: () => undefined });
// The stand-in's collector pauses in each timed window, when the project started the stand-in.
const pauses = process.env.MONGO_URL ? null : standInPauses(root, 'test');
const pausesSince = (from) => (pauses ? ` | stand-in paused: ${describePauses(pauses.window(from, Date.now()))}` : '');
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

/**
 * The alerts sla stored for a subject, as the alert list (`/v1/alerts`) reads them: for one late
 * subject in five an overdue alert, and for some of those the warning a working day before and a
 * first escalation. About 0.2 alerts per subject: the loaded subjects are late far more often
 * than a province's (over half of them), and an alert for each would hold more of the stand-in's
 * heap than a million subjects leave free.
 */
function alertsOf(s, rnd) {
  const late = s.overdue || s.timeliness === 'late';
  if (!late || rnd() >= 0.2) return [];
  const due = s.dueAt.getTime();
  const one = (kind, level, raisedAt, type = kind === 'warning' ? 'deadline.warning' : kind === 'escalation' ? 'deadline.escalated' : s.subject === 'petition' ? 'petition.unhandled' : 'dossier.overdue') => ({
    _id: `${kind}-${level}-${s.code}-dossier-1`,
    type,
    eventType: `vn.tthc.${type}`,
    kind,
    level,
    subject: s.subject,
    dossierCode: s.code,
    deadlineKey: 'dossier',
    deadlineKind: 'dossier',
    agencyCode: s.agencyCode,
    responsibleAgencyCode: s.agencyCode,
    procedureCode: s.procedureCode,
    label: 'Ngày hẹn trả kết quả',
    dueAt: s.dueAt,
    deadlineVersion: 1,
    raisedAt: new Date(raisedAt),
    workingMinutesLate: kind === 'warning' ? 0 : Math.max(0, Math.round((raisedAt - due) / 60_000)),
    reason: 'Quá hạn xử lý theo ngày hẹn trả kết quả',
    legalBasis: 'ND 118/2025/NĐ-CP',
    publishedAt: new Date(raisedAt + 50),
    relayOwner: null,
    relayLeaseUntil: null,
  });
  const out = [one('overdue', 0, due + 20)];
  if (rnd() < 0.5) out.push(one('warning', 0, due - DAY));
  if (rnd() < 0.3 && due + 2 * DAY < NOW) out.push(one('escalation', 1, due + 2 * DAY));
  return out;
}

/**
 * The Chromium the browser tests drive (CHROMIUM_PATH, else the first one on PATH), found by
 * their installer with apt-get switched off: a bench never installs anything.
 */
function findChromium() {
  const run = spawnSync('bash', [join(root, 'scripts/install-browser.sh')], { encoding: 'utf8', env: { ...process.env, DEBIAN_TOOLS_NO_APT: '1' }, timeout: 60_000 });
  const executable = (run.stdout ?? '').trim().split('\n').pop() ?? '';
  if (run.status === 0 && executable) return { executable };
  return { reason: run.error?.message ?? (run.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `exit status ${run.status}` };
}

// USER_HZ, the unit of /proc's CPU times: 100 on every Linux the project runs on.
const CLOCK_TICKS = 100;

/**
 * CPU ms used so far by every Chromium process on the machine (Linux: /proc; null where it cannot
 * be read). By program name: Debian's `chromium` is a script that starts /usr/lib/chromium/chromium.
 */
function chromiumCpuMs() {
  try {
    let ms = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const program = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
        if (!/chrom/i.test(program.slice(program.lastIndexOf('/') + 1))) continue;
        // utime and stime, fields 14 and 15, after the command name in parentheses.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        ms += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
      } catch {
        // The process ended meanwhile.
      }
    }
    return ms;
  } catch {
    return null;
  }
}

/**
 * Waits until a new window of the browser has settled: headless Chromium opens each fresh
 * context in a window of its own and builds that window's own interface in a renderer of its
 * own (the address bar's suggestion popup, a WebUI), 1.2–1.4 s of CPU in the 0.9 s after
 * `newPage` on the bench machine. A user opens the dashboard in a browser already running, so
 * that work is not theirs to wait for; left in, it took one of the two cores from the page and
 * the server during the cold paint. Settled is a 200 ms window with the browser's processes
 * below a fifth of a core, at most 5 s; without /proc, 2 s.
 */
async function windowSettled() {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  let last = chromiumCpuMs();
  if (last === null) return sleep(2_000);
  for (const until = Date.now() + 5_000; Date.now() < until; ) {
    await sleep(200);
    const now = chromiumCpuMs() ?? last;
    if (now - last < 40) return;
    last = now;
  }
}

/**
 * The dashboard's first complete paint for one key, `runs` times, in a fresh browser context
 * (empty cache, no key kept). The first run is cold: the key is typed into the form and sent
 * with Enter, as a user does and as the browser test does, and the time the automation spent
 * typing (the form's first frame to the submit) is taken out of it. The others are fresh
 * navigations with the key kept in the tab's session, as when a user reopens the page.
 */
async function paint(browser, url, key, runs) {
  const context = await browser.newContext(DASHBOARD_CONTEXT);
  const errors = [];
  try {
    const page = await context.newPage();
    await windowSettled();
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    const times = [];
    await context.addInitScript(recordKeyFormFrame);
    await page.goto(`${url}/dashboard/`);
    await page.waitForSelector('#api-key', { state: 'visible' });
    const formShownAt = await page.evaluate(() => {
      document.addEventListener('submit', () => (globalThis.benchKeySentAt = performance.now()), { capture: true, once: true });
      return performance.now();
    });
    // Watched from before the key is sent, so no frame of the first load goes unchecked.
    const painted = firstCompletePaint(page);
    painted.catch(() => undefined);
    await page.fill('#api-key', key);
    await page.press('#api-key', 'Enter');
    const coldAt = await painted;
    const { keySentAt, formFrameAt } = await page.evaluate(() => ({ keySentAt: globalThis.benchKeySentAt, formFrameAt: globalThis.keyFormFrameAt }));
    // The wait a user has: until the form's first frame, then from the key sent to the complete
    // paint. Taken from the automation's view of the form instead (as runs J–O were), the cold
    // paint also holds the time the driver took to notice the form, printed beside it.
    times.push(coldAt - (keySentAt - (formFrameAt ?? formShownAt)));
    const asNoticed = coldAt - (keySentAt - formShownAt);
    for (let i = 1; i < runs; i++) {
      await page.goto(`${url}/dashboard/`);
      times.push(await firstCompletePaint(page));
    }
    if (await page.isVisible('#error')) errors.push(`the dashboard shows an error: ${(await page.textContent('#error'))?.trim()}`);
    const sorted = [...times].sort((a, b) => a - b);
    return { cold: times[0], coldAsNoticed: asNoticed, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1], errors };
  } finally {
    await context.close().catch(() => undefined);
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * `runs` requests one at a time, after `warmup` untimed ones: p50 / p95 of the timed ones, and
 * the time of the very first request, which is printed beside them. A route a process has not
 * answered yet compiles on its first requests (the first 10 000-row export of a fresh process took
 * 590–640 ms, the next few 260–330, then 170–240), and with 20 runs the p95 is the second
 * slowest: one cold request and one collector pause decided it.
 */
async function measure(url, path, key, runs, warmup = 0) {
  const times = [];
  let status = 0;
  let first = null;
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    first ??= ms;
    if (i >= warmup) times.push(ms);
    status = res.status;
  }
  times.sort((a, b) => a - b);
  return { status, p50: percentile(times, 50), p95: percentile(times, 95), first };
}

/** "p50 / p95 (status; first request)", in ms. */
const figures = (m) => `${m.p50.toFixed(0)} / ${m.p95.toFixed(0)} (${m.status}; first ${m.first.toFixed(0)})`;

const env = {
  NODE_ENV: 'test', LOG_LEVEL: 'silent', KAFKA_BROKERS: infra.kafkaBrokers, KAFKA_TOPIC_NAMESPACE: ns, MONGO_URL: mongoUrl.toString(), REDIS_URL: infra.redisUrl,
  REDIS_KEY_PREFIX: ns, PORT: '0', API_KEYS: KEYS, RATE_LIMIT_PER_MINUTE: '0',
};
const counting = createApp(loadConfig({ ...env, CONSUMER_GROUP: `${ns}-counters` }));
const scanning = createApp(loadConfig({ ...env, CONSUMER_GROUP: `${ns}-scan` }), { countPerRequest: true });
const db = await mongoose.createConnection(mongoUrl.toString()).asPromise();
let served;
try {
  log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average ${os.loadavg()[0].toFixed(2)}`);
  if (pauses) log(`the MongoDB stand-in runs with ${pauses.jvmOptions()}; its collector's pauses in each timed window are read from ${pauses.logFile}`);
  // The indexes workflow creates at start on the collection it writes: the lists and the
  // satisfaction reads use them, as they do beside a running workflow.
  await subjectModel(db).createIndexes();
  // And those sla creates on the alerts it stores, which the alert list reads.
  await createAlertRepository(db).init();
  const rnd = random(17);
  const alertRnd = random(29);
  const l0 = Date.now();
  let alerts = 0;
  const agencyCase = { code: null };
  for (let i = 0; i < N; i += 1000) {
    const subjects = Array.from({ length: Math.min(1000, N - i) }, (_, j) => subject(i + j, rnd));
    const raised = subjects.flatMap((s) => alertsOf(s, alertRnd));
    agencyCase.code ??= subjects.find((s) => s.agencyCode === 'G01.001.000' && s.subject === 'dossier')?.code ?? null;
    await db.collection('dossiers').insertMany(subjects, { ordered: false });
    if (raised.length) await db.collection('alerts').insertMany(raised, { ordered: false });
    alerts += raised.length;
  }
  log(`${N} subjects and ${alerts} of their alerts loaded into MongoDB in ${((Date.now() - l0) / 1000).toFixed(1)} s${pausesSince(l0)}`);
  const f0 = Date.now();
  await counting.start(); // fills the counters from the stored subjects
  const fillSeconds = (Date.now() - f0) / 1000;
  log(`counters filled from ${N} subjects at the first start in ${fillSeconds.toFixed(1)} s = ${Math.round(N / fillSeconds)} subjects/s${pausesSince(f0)}`);
  const { url: scanUrl } = await scanning.start();
  // What the reform office asks is answered, as `npm start` runs it, by a reporting process of
  // its own (with the Node options the service declares) on the bench's database, the counters
  // already filled so that it starts at once: served from the bench's own process, the server
  // would share its event loop with the client that times it, and with Chromium's driver.
  served = await startProcessStack({
    services: ['reporting'],
    namespace: ns,
    infra: { kafkaBrokers: infra.kafkaBrokers, mongoUrl: infra.mongoUrl, redisUrl: infra.redisUrl },
    env: { LOG_LEVEL: 'silent', API_KEYS: KEYS, RATE_LIMIT_PER_MINUTE: '0' },
    serviceEnv: { reporting: { CONSUMER_GROUP: `${ns}-served` } },
  });
  const servedUrl = served.url('reporting');
  log(`counters answered by reporting pid ${served.get('reporting').pid} (node ${serviceNodeArgs(root, 'reporting').join(' ') || 'without options'}), the per-request count by the bench's own process`);
  const thisMonth = calendar.localDate(NOW).slice(0, 7);
  const [y, m] = thisMonth.split('-').map(Number);
  const lastMonth = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const reports = [
    `/v1/metrics/late-cases?period=${thisMonth}`,
    `/v1/metrics/late-cases?period=${y}`,
    '/v1/metrics/trend?months=12',
    '/v1/index/subscores',
    // The reports' own exports: every group at once (page size "all"), through the writers the
    // open-list exports use.
    `/v1/metrics/late-cases?period=${thisMonth}&groupBy=procedure&format=xlsx`,
    '/v1/index/subscores?format=csv',
    // One procedure of a province: every agency's counters read, only that procedure's taken.
    `/v1/metrics/late-cases?period=${thisMonth}&procedure=1.00150`,
    '/v1/metrics/trend?months=12&procedure=1.00150',
    '/v1/index/subscores?procedure=1.00150',
    `/v1/reports/monthly?period=${lastMonth}`,
    `/v1/reports/monthly?period=${lastMonth}&format=xlsx`,
    // Drawn with the Vietnamese font embedded: its cost grows with the agencies, not the subjects.
    `/v1/reports/monthly?period=${lastMonth}&format=pdf`,
  ];
  // Every figure of the goal is taken before the per-request counts: each of those reads a
  // million subjects, and the stand-in's collector then cleans up after it for minutes, with
  // pauses of 100 to 600 ms, which landed in whichever figure was timed next.
  const fromCounters = [];
  for (const path of reports) {
    for (const key of ['bench-province', 'bench-agency']) {
      const from = Date.now();
      fromCounters.push({ path, key, c: await measure(servedUrl, path, key, RUNS, WARMUP), paused: pausesSince(from) });
    }
  }
  log(`p50 / p95 in ms of ${RUNS} requests, one at a time, after ${WARMUP} untimed ones whose first is printed as "first" (here and in every figure below); from the counters (the per-request count of the same reports at the end)`);
  log('report | key | counters p50 / p95');
  for (const { path, key, c, paused } of fromCounters) log(`${path} | ${key} | ${figures(c)}${paused}`);
  // The open lists the dashboard shows (overdue; at risk by the end of the running month), 20th
  // page of 50: by number (the store skips 950 rows) and by the cursor the 19th page's answer
  // links to (it reads on from the sort key); the first page is what the dashboard asks first.
  const running = new Date(NOW).toISOString().slice(0, 7);
  log('open list, pages of 50 | key | page 1 p50 / p95 | page 20 p50 / p95 | page 20 by cursor p50 / p95');
  for (const list of ['overdue=true', `atRisk=true&period=${running}`]) {
    for (const key of ['bench-province', 'bench-agency']) {
      const path = `/v1/dossiers?${list}&pageSize=50`;
      const page19 = await fetch(`${servedUrl}${path}&page=19`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json());
      const from = Date.now();
      const first = await measure(servedUrl, `${path}&page=1`, key, RUNS, WARMUP);
      const byPage = await measure(servedUrl, `${path}&page=20`, key, RUNS, WARMUP);
      const byCursor = page19.next ? await measure(servedUrl, page19.next, key, RUNS, WARMUP) : null;
      log(`${path} | ${key} | ${figures(first)} | ${figures(byPage)} | ${byCursor ? figures(byCursor) : `fewer than 20 pages (${page19.total} in all)`}${pausesSince(from)}`);
    }
  }
  // The open lists' exports: every row from the first, at most 10 000 (a longer list is cut and
  // says so in a header), in both formats.
  log('open list export | key | rows | csv p50 / p95 | xlsx p50 / p95');
  for (const list of ['overdue=true', `atRisk=true&period=${running}`]) {
    for (const key of ['bench-province', 'bench-agency']) {
      const path = `/v1/dossiers?${list}`;
      const csv = await fetch(`${servedUrl}${path}&format=csv`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.text());
      const rows = csv.split('\n').filter((line) => line.trim() !== '').length - 1;
      const from = Date.now();
      const asCsv = await measure(servedUrl, `${path}&format=csv`, key, RUNS, WARMUP);
      const asXlsx = await measure(servedUrl, `${path}&format=xlsx`, key, RUNS, WARMUP);
      log(`${path} | ${key} | ${rows} | ${figures(asCsv)} | ${figures(asXlsx)}${pausesSince(from)}`);
    }
  }
  // The other reads of the API, served alike: the alert list (newest first, by type, since a
  // date), a case record with its history, the satisfaction shares and the small lists.
  const monthAgo = new Date(NOW - 30 * DAY).toISOString();
  const others = [
    '/v1/alerts?limit=100',
    '/v1/alerts?type=dossier.overdue&limit=100',
    `/v1/alerts?since=${encodeURIComponent(monthAgo)}&limit=1000`,
    ...(agencyCase.code ? [`/v1/dossiers/${agencyCase.code}`] : []),
    `/v1/surveys/satisfaction?period=${lastMonth}`,
    '/v1/duties',
    '/v1/procedures',
    '/v1/calendar-audits',
    '/v1/audit-log',
  ];
  log('other reads | key | p50 / p95');
  for (const path of others) {
    for (const key of ['bench-province', 'bench-agency']) {
      const from = Date.now();
      const m = await measure(servedUrl, path, key, RUNS, WARMUP);
      log(`${path} | ${key} | ${figures(m)}${pausesSince(from)}`);
    }
  }
  // The dashboard, served from the counters by a reporting process of its own.
  const chromium = PAINT_RUNS > 0 ? findChromium() : { reason: 'BENCH_REPORTING_PAINT_RUNS is 0' };
  if (!chromium.executable) {
    log(`dashboard first complete paint: not measured, no Chromium: ${chromium.reason}`);
  } else {
    const { chromium: playwright } = require('playwright-core');
    // Chromium refuses to run its sandbox as root, which is how CI containers run.
    const args = ['--disable-dev-shm-usage', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
    let browser;
    try {
      browser = await playwright.launch({ executablePath: chromium.executable, args, headless: true });
      log(`Chromium ${browser.version()} (${chromium.executable}), headless, ${DASHBOARD_CONTEXT.viewport.width}×${DASHBOARD_CONTEXT.viewport.height}; dashboard served by reporting pid ${served.get('reporting').pid}`);
      log(`dashboard first complete paint, navigation start to the first frame with every section's data, ${PAINT_RUNS} runs per key, the first cold (fresh context, its window settled, key typed); the service warmed first by one untimed page load per key, as a service that has been running is`);
      log(`page | key | p50 / p95 / max in ms | cold, p50 / max of ${COLD_RUNS} fresh contexts: the form's first frame, then key sent to complete paint`);
      // A freshly started process compiles its routes on their first requests; the reform office
      // meets a service that has answered before.
      for (const key of ['bench-province', 'bench-agency']) await paint(browser, servedUrl, key, 1).catch(() => undefined);
      for (const key of ['bench-province', 'bench-agency']) {
        const from = Date.now();
        try {
          const p = await paint(browser, servedUrl, key, PAINT_RUNS);
          const colds = [p.cold];
          const noticed = [p.coldAsNoticed];
          for (let i = 1; i < COLD_RUNS; i++) {
            const again = await paint(browser, servedUrl, key, 1);
            colds.push(again.cold);
            noticed.push(again.coldAsNoticed);
            p.errors.push(...again.errors);
          }
          const p50AndMax = (xs) => {
            const sorted = [...xs].sort((a, b) => a - b);
            return `${percentile(sorted, 50).toFixed(0)} / ${sorted[sorted.length - 1].toFixed(0)}`;
          };
          const cold = `${p50AndMax(colds)} (from the driver's notice of the form: ${p50AndMax(noticed)})`;
          log(`/dashboard/ | ${key} | ${p.p50.toFixed(0)} / ${p.p95.toFixed(0)} / ${p.max.toFixed(0)} | ${cold}${p.errors.length ? ` | page errors: ${p.errors.join('; ')}` : ''}${pausesSince(from)}`);
        } catch (err) {
          log(`/dashboard/ | ${key} | not measured: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
      }
    } catch (err) {
      log(`dashboard first complete paint: not measured, Chromium or the reporting process did not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    } finally {
      await browser?.close().catch(() => undefined);
    }
  }
  // The baseline: the same reports counted per request from the subjects.
  log(`the same reports counted per request, ${SCAN_RUNS} at a time, after every figure above`);
  log('report | key | counters p50 / p95 | per-request count p50 / p95');
  for (const { path, key, c } of fromCounters) {
    const s = await measure(scanUrl, path, key, SCAN_RUNS);
    log(`${path} | ${key} | ${c.p50.toFixed(0)} / ${c.p95.toFixed(0)} (${c.status}) | ${s.p50.toFixed(0)} / ${s.p95.toFixed(0)} (${s.status})`);
  }
} finally {
  await served?.stop();
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
