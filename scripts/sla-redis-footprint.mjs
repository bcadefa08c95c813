// Redis bytes per open deadline held by sla's timers (issue #14). Tracks N open deadlines (warning,
// due and three escalation levels each) with due instants spread evenly over the next DAYS days,
// through sla's own tracking use case, MongoDB repository and BullMQ scheduler, then runs the
// horizon loader once and sums `MEMORY USAGE` over this run's Redis keys (not INFO used_memory:
// the test Redis is shared, so other runs' keys would count). Prints figures; asserts nothing.
//   node scripts/sla-redis-footprint.mjs            N=20000 DAYS=30 HORIZON=21600 (seconds)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const mongoose = require('mongoose');
const { Queue } = require('bullmq');
const { Redis } = require('ioredis');
const { defaultCalendar } = require('@tthc/calendar');
const { resolveEndpoints } = require(join(root, 'packages/testkit/dist/infra'));
const dist = (p) => require(join(root, 'services/sla/dist', p));
const { createDeadlineRepository } = dist('data-access/deadline.repository.js');
const { createBullmqTimerScheduler } = dist('data-access/timer-scheduler.bullmq.js');
const { createTimerPlanner } = dist('domain/timer-plan.js');
const { parseDuration, parseDurationList } = dist('domain/duration.js');
const { trackSnapshot } = dist('domain/track-deadline.use-case.js');
const { reconcileTimers } = dist('domain/reconcile-timers.use-case.js');
const { systemClock } = dist('domain/deadline.js');

const N = Number(process.env.N ?? 20_000);
const DAYS = Number(process.env.DAYS ?? 30);
const HORIZON = Number(process.env.HORIZON ?? 21_600);
const CONCURRENCY = 50;

const infra = await resolveEndpoints({ profile: 'test', workload: 'bench', log: () => undefined });
const ns = `footprint-${Date.now().toString(36)}`;
const mongoUrl = new URL(infra.mongoUrl);
mongoUrl.pathname = `/${ns}`;
const conn = await mongoose.createConnection(mongoUrl.toString()).asPromise();
const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue('sla-deadlines', { connection: redis, prefix: ns, defaultJobOptions: { removeOnComplete: true, removeOnFail: { age: 604_800, count: 10_000 } } });
await queue.waitUntilReady();
const deadlines = createDeadlineRepository(conn);
await deadlines.init();
const timers = createBullmqTimerScheduler(queue, systemClock);
const planner = createTimerPlanner(() => defaultCalendar(), { warningLead: parseDuration('1wd'), escalationSteps: parseDurationList('1wd,3wd,5wd'), lateArrivalSettleSeconds: 5 });
const horizon = { clock: systemClock, seconds: HORIZON };

async function ourBytes() {
  let bytes = 0;
  let keys = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${ns}:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of found) {
      bytes += Number(await redis.memory('USAGE', k, 'SAMPLES', '0')) || 0;
      keys += 1;
    }
  } while (cursor !== '0');
  return { bytes, keys };
}

const now = Date.now();
const started = Date.now();
let done = 0;
async function worker(offset) {
  for (let i = offset; i < N; i += CONCURRENCY) {
    // Due instants evenly spread over the window, first one an hour ahead.
    const dueAt = new Date(now + 3600_000 + Math.floor((i / N) * DAYS * 86_400_000));
    const code = `G01.001.000-FP-${String(i).padStart(7, '0')}`;
    const entry = {
      subjectCode: code, key: 'dossier', subject: 'dossier', kind: 'dossier', agencyCode: 'G01.001.000', responsibleAgencyCode: 'G01.001.000',
      procedureCode: '1.001234', label: null, legalBasis: 'ND 118/2025', dueAt, version: 1, since: new Date(now), status: 'open', phase: 'open',
      warn: true, escalate: true, revision: 1, raised: [], siblings: ['dossier'],
    };
    await trackSnapshot({ subjectCode: code, revision: 1, deadlines: [entry] }, { deadlines, timers, planner, horizon });
    done += 1;
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i)));
const tracked = (Date.now() - started) / 1000;
const loaded = await reconcileTimers({ deadlines, timers, planner, horizon }, { pageSize: 500 });
const { bytes, keys } = await ourBytes();
const counts = await queue.getJobCounts('delayed', 'waiting');
console.log(`[footprint] ${done} open deadlines (5 stages each) due over ${DAYS} days, horizon ${HORIZON} s; tracked in ${tracked.toFixed(0)} s`);
console.log(`[footprint] loader: ${loaded.deadlines} deadlines in the window, ${loaded.recreated.length} timers recreated`);
console.log(`[footprint] redis: ${counts.delayed} delayed + ${counts.waiting} waiting jobs, ${keys} keys, ${bytes} bytes => ${(bytes / done).toFixed(1)} bytes per open deadline${counts.delayed ? `, ${(bytes / counts.delayed).toFixed(0)} bytes per held job` : ''}`);

await queue.obliterate({ force: true }).catch(() => undefined);
await queue.close();
redis.disconnect();
await conn.dropDatabase();
await conn.close();
