import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { CalendarRegistry, defaultCalendar, loadCalendarFile, readJsonFile } from '@tthc/calendar';
import { CONSUMER_GROUPS, JOB_NAMES, QUEUES, topicsFor, type CheckDeadlineJobV1 } from '@tthc/contracts';
import { loadDutiesFile, SAMPLE_DUTIES_PATH } from '@tthc/catalog';
import { AgencyDirectory, SAMPLE_AGENCY_DIRECTORY_PATH } from '@tthc/metrics';
import { connectMongo, consumerCheck, type ConsumerRunner, createKafkaRuntime, createLogger, createMetrics, createServiceConsumer, createServiceHttp, dependencyChecks, kafkaTopicSettings, type Logger, registerQueueMetrics, restoreJobScheduler, type RunningServer, serveHttp, watchSchedules } from '@tthc/platform';
import type { SlaConfig } from './config';
import { systemClock, type Clock, type TimerHorizon } from './domain/deadline';
import { createAlertRelay, type AlertRelay } from './domain/relay-alerts.use-case';
import type { ReconcileResult } from './domain/reconcile-timers.use-case';
import { createTimerPlanner } from './domain/timer-plan';
import { createBacklogHold } from './domain/backlog-hold';
import { createSourceProgress } from './domain/source-progress';
import { createPipelineWatermark, type PipelineWatermark } from './data-access/pipeline-watermark.kafka';
import { createAlertRepository } from './data-access/alert.repository';
import { createKafkaAlertPublisher } from './data-access/alert-publisher.kafka';
import { createDeadlineRepository } from './data-access/deadline.repository';
import { createBullmqTimerScheduler, createRedisLoadedHorizon } from './data-access/timer-scheduler.bullmq';
import { createCalendarVersionSource } from './data-access/calendar-versions.mongo';
import { createKafkaDelayCountsPublisher } from './data-access/delay-counts.publisher.kafka';
import { createDelayCountsRepository } from './data-access/delay-counts.repository';
import { followCalendars } from './domain/follow-calendars.use-case';
import { slaDeadlineJobs, slaMaintenanceJobs, type SlaMaintenanceHandlers } from './entry-points/jobs/catalog';
import { checkDeadlineProcessor, createParkedFirings } from './entry-points/jobs/check-deadline.job';
import { createDelayCountsJob, DELAY_COUNTS_SCHEDULER_ID } from './entry-points/jobs/delay-counts.job';
import { readinessHandler, takeOverReadiness } from './entry-points/http/readiness.http';
import { maintenanceProcessor } from './entry-points/jobs/maintenance.job';
import { timerReconciler } from './entry-points/jobs/reconcile-timers.job';
import { dossierStateHandler } from './entry-points/kafka/dossier-state.consumer';
import { dutyEventsHandler } from './entry-points/kafka/duty-events.consumer';
import { createDutyPeriodRepository } from './data-access/duty-period.repository';
import { openDutyPeriods, type DutyDeps } from './domain/duty-periods.use-case';

/** Id of the repeatable reconciliation in BullMQ; upserting it again changes nothing. */
const RECONCILE_SCHEDULER_ID = 'sla-reconcile-timers';

function loadCalendars(config: SlaConfig): CalendarRegistry {
  const registry = new CalendarRegistry(config.CALENDAR_FILE ? loadCalendarFile(config.CALENDAR_FILE) : defaultCalendar());
  if (config.AGENCY_PROFILES_FILE) registry.loadProfiles(readJsonFile(config.AGENCY_PROFILES_FILE));
  return registry;
}

export function createApp(config: SlaConfig, deps: { logger?: Logger; clock?: Clock; calendars?: CalendarRegistry } = {}) {
  const logger = deps.logger ?? createLogger({ service: 'sla', level: config.LOG_LEVEL });
  const clock = deps.clock ?? systemClock;
  const calendars = deps.calendars ?? loadCalendars(config);
  const planner = createTimerPlanner((agency) => calendars.forAgency(agency), {
    warningLead: config.SLA_WARNING_LEAD,
    escalationSteps: config.SLA_ESCALATION_STEPS,
    lateArrivalSettleSeconds: config.SLA_LATE_ARRIVAL_SETTLE_SECONDS,
  }, () => calendars.fingerprint());
  const horizon: TimerHorizon = { clock, seconds: config.TIMER_HORIZON_SECONDS };
  const metrics = createMetrics('sla');
  const { kafka, producer, ...kafkaRuntime } = createKafkaRuntime({ clientId: 'tthc-sla', brokers: config.KAFKA_BROKERS, logger, ...kafkaTopicSettings(config) });
  // Producer-side connection fails fast; the workers' must wait out Redis restarts.
  const queueRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const maintenanceRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  for (const r of [queueRedis, workerRedis, maintenanceRedis]) r.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const queue = new Queue<CheckDeadlineJobV1>(QUEUES.slaDeadlines, {
    connection: queueRedis,
    prefix: config.QUEUE_PREFIX,
    defaultJobOptions: {
      ...slaDeadlineJobs[JOB_NAMES.checkDeadline].options,
      attempts: config.DEADLINE_CHECK_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.DEADLINE_CHECK_BACKOFF_MS },
    },
  });
  const maintenance = new Queue(QUEUES.slaMaintenance, { connection: queueRedis, prefix: config.QUEUE_PREFIX });
  for (const q of [queue, maintenance]) q.on('error', (err) => logger.error({ err }, 'queue error'));
  const timers = createBullmqTimerScheduler(queue, clock);
  const topics = topicsFor(config.KAFKA_TOPIC_NAMESPACE);
  /** Names this app's claims on unpublished alerts; several may share a host, or a process in tests. */
  const relayOwner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  const outboxPending = metrics.gauge('sla_outbox_pending', 'Stored alerts not yet acknowledged by Kafka');
  const outboxOldest = metrics.gauge('sla_outbox_oldest_seconds', 'Age of the oldest stored alert not yet acknowledged by Kafka (0 when none)');
  const publishFailures = metrics.counter('sla_outbox_publish_failures_total', 'Relay passes that failed (Kafka did not acknowledge, or MongoDB did not answer); retried with backoff');
  const published = metrics.counter('sla_alerts_published_total', 'Alerts acknowledged by Kafka', ['kind']);
  const schedulesRestored = metrics.counter('sla_job_schedules_restored_total', 'Job schedules found missing from Redis and put back by the in-process watch', ['schedule']);
  const publishDelay = metrics.histogram('sla_alert_publish_delay_seconds', 'Time from an alert being stored to Kafka acknowledging it', [], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 120, 600]);
  /** Handlers of the maintenance queue by job name, one per job of `slaMaintenanceJobs`. */
  let maintenanceHandlers: SlaMaintenanceHandlers | null = null;
  let reconciler: ReturnType<typeof timerReconciler> | null = null;
  let delayCounts: ReturnType<typeof createDelayCountsJob> | null = null;
  let relay: AlertRelay | null = null;
  let workers: Worker[] = [];
  let maintenanceWorker: Worker | null = null;
  let conn: Connection | null = null;
  let runner: ConsumerRunner | null = null;
  let dutyRunner: ConsumerRunner | null = null;
  let dutyDeps: DutyDeps | null = null;
  let dutyPoll: NodeJS.Timeout | null = null;
  // Read now so a bad file stops the start with its field named.
  const duties = loadDutiesFile(config.DUTIES_FILE ?? SAMPLE_DUTIES_PATH);
  const directory = AgencyDirectory.fromFile(config.AGENCY_DIRECTORY_FILE ?? SAMPLE_AGENCY_DIRECTORY_PATH);
  let server: RunningServer | null = null;
  let stopSchedulerWatch: (() => void) | null = null;
  let calendarPoll: NodeJS.Timeout | null = null;
  let stopQueueMetrics: (() => Promise<void>) | null = null;
  let watermark: PipelineWatermark | null = null;
  // Fed by the snapshots this instance applies, read by the firings it holds.
  const sources = createSourceProgress({ quietSeconds: config.SLA_BACKFILL_QUIET_SECONDS }, systemClock);
  const slaGroup = config.CONSUMER_GROUP ?? CONSUMER_GROUPS.sla;
  const dutiesGroup = config.CONSUMER_GROUP ? `${config.CONSUMER_GROUP}-duties` : CONSUMER_GROUPS.slaDuties;

  /** Why readiness says `degraded`; empty when alerts flow as they should. */
  const degradation = () => {
    const reasons: Record<string, string> = {};
    const outbox = relay?.stats();
    if (outbox?.oldestRaisedAt) {
      const age = (systemClock.now().getTime() - outbox.oldestRaisedAt.getTime()) / 1000;
      if (age > config.OUTBOX_DEGRADED_AFTER_SECONDS) {
        reasons['outbox'] = `${outbox.pending} alert(s) stored but not published, the oldest for ${Math.round(age)} s${outbox.lastError ? `; last attempt failed: ${outbox.lastError}` : ''}`;
      }
    }
    const repairs = reconciler?.repairs() ?? [];
    if (repairs.length > 0) reasons['reconciliation'] = `timers being reconciled: ${repairs.join('; ')}`;
    return reasons;
  };

  return {
    logger,
    queue,
    /** The calendars timers are planned with (updated when a new version is applied). */
    calendars,
    maintenance,
    /** The maintenance worker's handler table, read per job (after `start()`). */
    get maintenanceHandlers() {
      if (!maintenanceHandlers) throw new Error('sla is not started');
      return maintenanceHandlers;
    },
    metrics,
    planner,
    /** One reconciliation run now (the scheduled job does the same). */
    async reconcile(reason = 'manual'): Promise<ReconcileResult> {
      if (!reconciler) throw new Error('sla is not started');
      return reconciler.run(reason);
    },
    /** Opens the current period of every duty for its agencies now (the schedule does the same). */
    async openDutyPeriods() {
      if (!dutyDeps) throw new Error('sla is not started');
      return openDutyPeriods(dutyDeps);
    },
    /** The alert relay's last figures (pending, oldest, failing) and its wake-up. */
    get outbox() {
      if (!relay) throw new Error('sla is not started');
      return relay;
    },
    /** What `/readyz` reports as degraded (empty when nothing is). */
    degradation,
    async start() {
      await Promise.all([queue.waitUntilReady(), maintenance.waitUntilReady()]);
      conn = await connectMongo(config.MONGO_URL, logger, { watchdogSeconds: config.MONGO_WATCHDOG_SECONDS, metrics });
      const deadlines = createDeadlineRepository(conn, metrics);
      const alerts = createAlertRepository(conn);
      await Promise.all([deadlines.init(), alerts.init()]);
      // Calendar versions applied after this process started (npm run calendar:apply).
      const calendarSource = createCalendarVersionSource(conn);
      // Warning and escalation instants move with the calendar, and the stored `nextFireAt`
      // with them, so an installed version owes a re-planning run until one succeeds. It runs
      // in-process, not queued: another instance may not have installed the version yet and
      // would plan with the old one. Versions installed before start are covered by the start run.
      let replanOwed = false;
      let syncing = false;
      const syncCalendars = async () => {
        if (syncing) return;
        syncing = true;
        try {
          const installed = await followCalendars(calendars, calendarSource);
          if (installed.length) {
            logger.info({ installed }, 'calendar versions installed');
            replanOwed = true;
          }
          if (replanOwed && reconciler) {
            await reconciler.run('calendar-changed');
            replanOwed = false;
          }
        } finally {
          syncing = false;
        }
      };
      await syncCalendars();
      calendarPoll = setInterval(() => void syncCalendars().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'calendar poll failed')), config.CALENDAR_POLL_SECONDS * 1000);
      calendarPoll.unref();
      await kafkaRuntime.connect([topics.dossierState, topics.alerts, topics.deadLetter, topics.delayCounts, topics.dutyEvents]);

      // Leases and publication times are wall-clock facts, whatever clock the deadlines run on.
      relay = createAlertRelay(
        {
          outbox: alerts,
          publisher: createKafkaAlertPublisher(producer, topics.alerts),
          clock: systemClock,
          hooks: {
            onPublished(batch, at) {
              for (const a of batch) {
                published.inc({ kind: a.kind });
                publishDelay.observe(Math.max(0, (at.getTime() - a.raisedAt.getTime()) / 1000));
              }
            },
            onFailure(err, retryInMs) {
              publishFailures.inc();
              logger.warn({ err: err.message, retryInMs }, 'alert relay failed; the alerts stay stored and are sent again');
            },
            onStats(stats) {
              outboxPending.set(stats.pending);
              outboxOldest.set(stats.oldestRaisedAt ? Math.max(0, (systemClock.now().getTime() - stats.oldestRaisedAt.getTime()) / 1000) : 0);
            },
          },
        },
        {
          owner: relayOwner,
          leaseMs: config.OUTBOX_LEASE_SECONDS * 1000,
          // An alert is about 1 KB: a batch stays a quarter of the broker's default 1 MB record
          // batch limit even on a one-partition topic, and 1 000 alerts due at once go in four.
          batchSize: config.OUTBOX_BATCH_SIZE,
          initialBackoffMs: config.OUTBOX_RETRY_MIN_MS,
          maxBackoffMs: config.OUTBOX_RETRY_MAX_MS,
          sweepMs: config.OUTBOX_SWEEP_SECONDS * 1000,
          statsEveryMs: 1000,
        },
      );
      // Its first pass sends what a previous run stored but did not get acknowledged.
      relay.start();

      const watermarkLag = metrics.gauge('sla_input_watermark_lag_seconds', 'How far behind now the facts applied to the deadlines are: everything the portals handed over before now minus this has reached sla');
      const heldGauge = metrics.gauge('sla_backlog_held_firings', 'Timer firings waiting in this instance for the facts queued before them to be applied');
      // The portals' facts reach sla through workflow (dossier facts, then its snapshots) or
      // directly (duty facts); a firing waits until both roads are past what was queued before it.
      const activeWatermark = createPipelineWatermark({
        // Few, short retries: whether the broker answers decides whether firings wait, so it is told within seconds.
        admin: kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 } }),
        stages: [
          [
            { groupId: config.SLA_UPSTREAM_CONSUMER_GROUP, topics: [topics.dossierEvents] },
            { groupId: dutiesGroup, topics: [topics.dutyEvents] },
          ],
          [{ groupId: slaGroup, topics: [topics.dossierState] }],
        ],
        everyMs: 250,
        logger,
        onRound(lag) {
          watermarkLag.set(lag ?? -1);
          heldGauge.set(backlog.waiting());
          void parked.wake(backlog.releasable, backlog.isWaiting);
        },
      });
      watermark = activeWatermark;
      const backlog = createBacklogHold(
        activeWatermark,
        { graceSeconds: config.SLA_BACKLOG_GRACE_SECONDS, maxHoldSeconds: config.SLA_BACKLOG_HOLD_MAX_SECONDS, retryMs: config.SLA_BACKLOG_RECHECK_SECONDS * 1000 },
        systemClock,
        sources,
      );
      const parked = createParkedFirings(logger);
      if (config.SLA_BACKLOG_HOLD_MAX_SECONDS > 0) activeWatermark.start();
      const processor = checkDeadlineProcessor({ deadlines, alerts, relay, clock, planner, timers, horizon, backlog, parked, logger, metrics });
      // Never more fetchers than lanes: each worker holds at least one, so more would exceed
      // WORKER_CONCURRENCY.
      const fetchers = Math.min(config.WORKER_FETCHERS, config.WORKER_CONCURRENCY);
      const perWorker = Math.ceil(config.WORKER_CONCURRENCY / fetchers);
      workers = Array.from({ length: fetchers }, () => {
        const w = new Worker(QUEUES.slaDeadlines, processor, { connection: workerRedis, prefix: config.QUEUE_PREFIX, concurrency: perWorker });
        w.on('error', (err) => logger.error({ err }, 'worker error'));
        w.on('failed', (job, err) => logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'deadline check failed'));
        return w;
      });

      const activeReconciler = timerReconciler({ deadlines, timers, planner, horizon, logger, metrics, pageSize: config.RECONCILE_PAGE_SIZE, loadedHorizon: createRedisLoadedHorizon(queue, queueRedis) });
      reconciler = activeReconciler;
      const activeDelayCounts = createDelayCountsJob({
        queue: maintenance,
        store: createDelayCountsRepository(conn),
        publisher: createKafkaDelayCountsPublisher(producer, topics.delayCounts),
        calendar: calendars.national,
        // The labelled sample directory stands in until AGENCY_DIRECTORY_FILE is set.
        directory,
        clock,
        logger,
        metrics,
        everySeconds: config.DELAY_COUNTS_EVERY_SECONDS,
        quarterYearEverySeconds: config.DELAY_COUNTS_QUARTER_YEAR_EVERY_SECONDS,
      });
      delayCounts = activeDelayCounts;
      const handlers: SlaMaintenanceHandlers = {
        [JOB_NAMES.reconcileTimers]: activeReconciler.handle,
        [JOB_NAMES.publishDelayCounts]: activeDelayCounts.handle,
      };
      maintenanceHandlers = handlers;
      maintenanceWorker = new Worker(QUEUES.slaMaintenance, maintenanceProcessor(handlers, logger), {
        connection: maintenanceRedis,
        prefix: config.QUEUE_PREFIX,
        concurrency: 1,
      });
      maintenanceWorker.on('error', (err) => logger.error({ err }, 'maintenance worker error'));
      const reconcileOptions = slaMaintenanceJobs[JOB_NAMES.reconcileTimers].options;
      const everyMs = config.RECONCILE_EVERY_SECONDS * 1000;
      const scheduleReconciliation = () =>
        maintenance.upsertJobScheduler(RECONCILE_SCHEDULER_ID, { every: everyMs }, { name: JOB_NAMES.reconcileTimers, data: { reason: 'schedule' }, opts: reconcileOptions });
      await scheduleReconciliation();
      // Timers lost while the service was down are recreated before anything else is awaited.
      await maintenance.add(JOB_NAMES.reconcileTimers, { reason: 'start' }, reconcileOptions);
      await activeDelayCounts.start();

      // The schedules live only in Redis: when Redis loses its data they go with the timers,
      // and nothing stored in Redis can bring them back. This in-process watch does, and runs
      // the reconciliation itself rather than waiting for the schedule's first firing. It looks
      // twice per period, so the repair starts within one period of the loss.
      stopSchedulerWatch = watchSchedules({
        everyMs,
        restoreMissing: async () => {
          const restored: string[] = [];
          if (await restoreJobScheduler(maintenance, RECONCILE_SCHEDULER_ID, scheduleReconciliation)) restored.push(RECONCILE_SCHEDULER_ID);
          if (await activeDelayCounts.ensureScheduled()) restored.push(DELAY_COUNTS_SCHEDULER_ID);
          return restored;
        },
        onRestored: async (schedules) => {
          for (const schedule of schedules) schedulesRestored.inc({ schedule });
          logger.warn({ schedules }, 'job schedules were missing from Redis; scheduled again, reconciling timers now');
          await activeReconciler.run('schedule-lost');
        },
        onError: (err) => logger.warn({ err: err.message }, 'cannot check the job schedules'),
      });

      stopQueueMetrics = registerQueueMetrics({ metrics, redis: queueRedis, queues: [queue, maintenance], logger });

      const checks = dependencyChecks({ mongo: conn, redis: queueRedis, kafka: kafkaRuntime });
      // A store or queue outage pauses consumption instead of dead-lettering the facts it could not track.
      runner = createServiceConsumer(
        { kafka, producer, deadLetterTopic: topics.deadLetter, concurrency: config.KAFKA_CONSUMER_CONCURRENCY, partitionsConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY, fetchBytesPerPartition: config.KAFKA_FETCH_BYTES_PER_PARTITION, logger, metrics },
        { groupId: slaGroup, topics: [topics.dossierState], waitFor: [checks.mongo, checks.redis, checks.kafka], ...dossierStateHandler({ deadlines, timers, planner, horizon, sources }) },
      );
      await runner.start();

      // Periodic duties: sla opens their periods from the duties file (no case carries them)
      // and follows each like any deadline; fulfilments arrive from intake on their own topic.
      const dutyPeriods = createDutyPeriodRepository(conn);
      await dutyPeriods.init();
      const activeDutyDeps: DutyDeps = {
        deadlines, timers, planner, horizon, clock, duties, store: dutyPeriods,
        agencies: directory.list().map((a) => ({ code: a.code, level: a.level })),
        calendarFor: (agency) => calendars.forAgency(agency),
      };
      dutyDeps = activeDutyDeps;
      await openDutyPeriods(activeDutyDeps);
      dutyPoll = setInterval(() => void openDutyPeriods(activeDutyDeps).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'cannot open duty periods')), config.DUTY_PERIODS_EVERY_SECONDS * 1000);
      dutyPoll.unref();
      dutyRunner = createServiceConsumer(
        { kafka, producer, deadLetterTopic: topics.deadLetter, concurrency: config.KAFKA_CONSUMER_CONCURRENCY, partitionsConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY, fetchBytesPerPartition: config.KAFKA_FETCH_BYTES_PER_PARTITION, logger, metrics },
        { groupId: dutiesGroup, topics: [topics.dutyEvents], waitFor: [checks.mongo, checks.redis, checks.kafka], ...dutyEventsHandler(activeDutyDeps) },
      );
      await dutyRunner.start();

      // One check for both consumers, so readiness keeps its shape: either one paused or crashed is not ready.
      const snapshotsReady = consumerCheck(runner, 'paused until MongoDB, Redis and Kafka answer again');
      const dutiesReady = consumerCheck(dutyRunner, 'duty events paused until MongoDB, Redis and Kafka answer again');
      const readiness = {
        consumer: async () => {
          await snapshotsReady();
          await dutiesReady();
        },
        ...checks,
      };
      const http = createServiceHttp({ service: 'sla', logger, metrics, readiness });
      server = await serveHttp(http, { service: 'sla', logger, port: config.PORT, host: config.HOST });
      takeOverReadiness(server.server, readinessHandler(readiness, degradation));
      return server;
    },
    async stop() {
      stopSchedulerWatch?.();
      if (calendarPoll) clearInterval(calendarPoll);
      if (dutyPoll) clearInterval(dutyPoll);
      await stopQueueMetrics?.();
      await server?.close();
      await runner?.stop();
      await dutyRunner?.stop();
      await delayCounts?.stop();
      await maintenanceWorker?.close();
      await Promise.all(workers.map((w) => w.close()));
      await watermark?.stop();
      // After the worker, so the alerts of its last firings are sent; what Kafka does not take
      // in time stays stored and goes out at the next start, here or on another instance.
      await relay?.stop();
      await maintenance.close();
      await queue.close();
      await kafkaRuntime.disconnect();
      await conn?.close();
      for (const r of [queueRedis, workerRedis, maintenanceRedis]) r.disconnect();
    },
  };
}
