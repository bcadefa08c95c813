import { z } from 'zod';
import { CONSUMER_GROUPS } from '@tthc/contracts';
import { consumerServiceEnv, envVars, parseEnv, serviceEnv } from '@tthc/platform';
import { parseDuration, parseDurationList } from './domain/duration';

const DURATION_HELP = 'must be <n>wd (working days), <n>wh (working hours) or <n>s (plain seconds, tests and demos only)';

const duration = z.string().transform((text, ctx) => {
  const d = parseDuration(text);
  if (!d) ctx.addIssue({ code: 'custom', message: DURATION_HELP });
  return d ?? z.NEVER;
});

const durationList = z.string().transform((text, ctx) => {
  const list = parseDurationList(text);
  if (!list) ctx.addIssue({ code: 'custom', message: `must be a comma-separated list; each ${DURATION_HELP}` });
  return list ?? z.NEVER;
});

const schema = z.object({
  NODE_ENV: envVars.nodeEnv,
  ...serviceEnv(8083),
  ...consumerServiceEnv,
  // Snapshots are tracked in batches (one query, one bulk write, one addBulk for the lanes'
  // subjects; see deadline.repository.ts): more lanes and partitions at once, fewer round trips.
  KAFKA_CONSUMER_CONCURRENCY: envVars.consumerConcurrency.default(512),
  KAFKA_PARTITIONS_CONCURRENTLY: envVars.partitionsConcurrently.default(6),
  // Deadline checks wait on MongoDB and Kafka, not on the CPU, so many run at once. BullMQ's
  // worker fetches its first jobs one round trip at a time (≈ 0.3 ms each here) before it runs
  // any, so a crowd falling due together first waits on that sequence; several workers fetch
  // side by side and share WORKER_CONCURRENCY. The same second's 1 000 alerts (bench latency
  // phase, 20 000 open deadlines): p99 474 and 442 ms with 1 worker of 500 lanes, 322 ms with
  // 1 of 1 000, 291 ms with 8 sharing 500, 259 ms with 4 sharing 1 000, 212 ms with 8 sharing
  // 1 000; fewer lanes were later still (1 036 ms with 1 of 50).
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(1000),
  WORKER_FETCHERS: z.coerce.number().int().min(1).max(32).default(8),
  // Lai Châu QĐ 88/2025 and Đồng Tháp QĐ 138/2025: the apology and new appointment are due
  // "chậm nhất 01 ngày trước ngày hết hạn"; one working day is our reading, hence configurable.
  SLA_WARNING_LEAD: duration.default(parseDuration('1wd')!),
  // No legal source fixes escalation levels; these are the reform office's working assumption.
  SLA_ESCALATION_STEPS: durationList.default(parseDurationList('1wd,3wd,5wd')!),
  // A deadline already past when sla first hears of it (a back-dated reception pushed together
  // with its resolution) waits this long before its alert, so the closing fact in the same push
  // can arrive first and no false alarm reaches a manager. An operating choice, not law.
  SLA_LATE_ARRIVAL_SETTLE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
  // A timer that fires while the facts behind sla are still queued (workflow or sla behind their
  // topics after an outage or a burst) waits until everything accepted by then has been applied,
  // since the fact that closes the deadline on time may be among them: a false overdue alert to a
  // manager, and a delay counted against the agency, otherwise. It waits at most this long, then
  // raises anyway (an outage delays alerts, never loses them); 0 turns the wait off.
  SLA_BACKLOG_HOLD_MAX_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
  // How far behind the portals' facts sla may be and still alert without waiting: the normal
  // lag of a caught-up pipeline, and the commit interval of its consumers, stay within it.
  SLA_BACKLOG_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  // A held firing is brought forward by the instance holding it as soon as the watermark lets it
  // go; this is how soon it looks again on its own (after a restart, or held by another
  // instance). Each look is a round trip of its job through Redis.
  SLA_BACKLOG_RECHECK_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
  // A deadline first heard of past its due instant, while its agency's facts are still arriving
  // from before that instant (a portal handing over its history oldest first), waits until they
  // pass it, as the fact that met it on time may be further down the stream; progress that stands
  // still this long ends the wait. An operating choice; 0 turns that wait off.
  SLA_BACKFILL_QUIET_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  // workflow's consumer group, whose position on the dossier facts sla compares with the topic's
  // end; a group with no committed position there (workflow not deployed) is not waited for.
  SLA_UPSTREAM_CONSUMER_GROUP: z.string().min(1).default(CONSUMER_GROUPS.workflow),
  // How often open deadlines in MongoDB are compared with the timers in Redis; it bounds how
  // late an alert can be after Redis lost its data.
  RECONCILE_EVERY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // Redis holds a deadline's timer only once its next stage fires within this many seconds;
  // the reconciliation run loads the deadlines the horizon reaches. Six hours keeps Redis
  // near the day's load (≈ 1 % of a month of open deadlines) while a missed run or two, or a
  // Redis that needs minutes to come back, cannot make an alert late.
  TIMER_HORIZON_SECONDS: z.coerce.number().int().min(2).max(366 * 86_400).default(21_600),
  RECONCILE_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(5000),
  // A timer firing retries only while MongoDB is away (storing the alert is all it waits for);
  // after the last attempt reconciliation runs it again. Shortened by tests.
  DEADLINE_CHECK_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  DEADLINE_CHECK_BACKOFF_MS: z.coerce.number().int().min(1).max(600_000).default(1000),
  // The relay publishes stored alerts until Kafka acknowledges them. After a failure it waits
  // OUTBOX_RETRY_MIN_MS, doubling up to OUTBOX_RETRY_MAX_MS: the cap bounds how late alerts come
  // once Kafka is back.
  OUTBOX_RETRY_MIN_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  OUTBOX_RETRY_MAX_MS: z.coerce.number().int().min(10).max(600_000).default(30_000),
  // How long an instance's claim on unpublished alerts keeps other instances off them; a
  // crashed instance's alerts wait at most this long for another one.
  OUTBOX_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  // A relay pass runs at least this often even when nothing woke it (other instances' expired
  // claims, the outbox gauges).
  OUTBOX_SWEEP_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  // Alerts per relay pass (one claim, one produce request, one acknowledgement write). Each pass
  // also looks the unpublished alerts up once, which the MongoDB stand-in answers by reading every
  // alert: bigger passes keep a crowd of alerts from waiting on that.
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  // Readiness reports `degraded` while an unpublished alert is older than this.
  OUTBOX_DEGRADED_AFTER_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // National calendar file (docs/calendar.md); the shipped packages/calendar/data/vn-civil-service.json when unset.
  CALENDAR_FILE: envVars.jsonFile.optional(),
  AGENCY_PROFILES_FILE: envVars.agencyProfilesFile,
  // How often calendar versions stored by `npm run calendar:apply` are looked for (as workflow does).
  CALENDAR_POLL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  // How often delay counts of the running month are recomputed and published (a run also
  // follows each local month boundary).
  DELAY_COUNTS_EVERY_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
  // The running quarter and year read every subject of the year; a run recomputes them too when
  // their rows are this old.
  DELAY_COUNTS_QUARTER_YEAR_EVERY_SECONDS: z.coerce.number().int().min(5).max(86_400).default(3_600),
  // Agencies' levels and successors of pre-July-2025 district units (@tthc/metrics format);
  // the labelled sample directory when unset.
  AGENCY_DIRECTORY_FILE: envVars.jsonFile.optional(),
  // Periodic duties (@tthc/catalog duties format); the shipped sample (the leaders' dialogue
  // every 6 months) when unset. Their current periods are opened at start and this often.
  DUTIES_FILE: envVars.jsonFile.optional(),
  DUTY_PERIODS_EVERY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
});

export type SlaConfig = z.infer<typeof schema>;

const checked = schema
  .refine((c) => c.OUTBOX_RETRY_MAX_MS >= c.OUTBOX_RETRY_MIN_MS, {
    path: ['OUTBOX_RETRY_MAX_MS'],
    message: 'must be at least OUTBOX_RETRY_MIN_MS',
  })
  // A deadline enters the horizon up to one period before a run sees it, so with a period
  // close to the horizon it would be loaded after its instant. Twice the period leaves a
  // missed run's worth of margin.
  .refine((c) => c.TIMER_HORIZON_SECONDS >= 2 * c.RECONCILE_EVERY_SECONDS, {
    path: ['TIMER_HORIZON_SECONDS'],
    message: 'must be at least twice RECONCILE_EVERY_SECONDS (the loader must reach a deadline well before it fires)',
  });

export function loadConfig(env: Record<string, string | undefined> = process.env): SlaConfig {
  return parseEnv(checked, env, 'sla');
}
