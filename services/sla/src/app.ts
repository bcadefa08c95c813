import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { CalendarRegistry, defaultCalendar, loadCalendarFile, readJsonFile } from '@tthc/calendar';
import { CONSUMER_GROUPS, JOB_NAMES, QUEUES, topicsFor, type CheckDeadlineJobV1 } from '@tthc/contracts';
import { AgencyDirectory, SAMPLE_AGENCY_DIRECTORY_PATH } from '@tthc/metrics';
import {
  connectMongo,
  createConsumerRunner,
  createKafkaRuntime,
  createLogger,
  createMetrics,
  createServiceHttp,
  serveHttp,
  pingMongo,
  type ConsumerRunner,
  type Logger,
  type RunningServer,
} from '@tthc/platform';
import type { SlaConfig } from './config';
import { systemClock, type Clock } from './domain/deadline';
import type { ReconcileResult } from './domain/reconcile-timers.use-case';
import { createTimerPlanner } from './domain/timer-plan';
import { createAlertRepository } from './data-access/alert.repository';
import { createKafkaAlertPublisher } from './data-access/alert-publisher.kafka';
import { createDeadlineRepository } from './data-access/deadline.repository';
import { createBullmqTimerScheduler } from './data-access/timer-scheduler.bullmq';
import { createCalendarVersionSource } from './data-access/calendar-versions.mongo';
import { followCalendars } from './domain/follow-calendars.use-case';
import { slaJobCatalog } from './entry-points/jobs/catalog';
import { checkDeadlineProcessor } from './entry-points/jobs/check-deadline.job';
import { createDelayCountsJob } from './entry-points/jobs/delay-counts.job';
import { maintenanceProcessor, type MaintenanceHandler } from './entry-points/jobs/maintenance.job';
import { timerReconciler } from './entry-points/jobs/reconcile-timers.job';
import { dossierStateHandler } from './entry-points/kafka/dossier-state.consumer';

/** Id of the repeatable reconciliation in BullMQ; upserting it again changes nothing. */
const RECONCILE_SCHEDULER_ID = 'sla-reconcile-timers';

function loadCalendars(config: SlaConfig): CalendarRegistry {
  const registry = new CalendarRegistry(config.CALENDAR_FILE ? loadCalendarFile(config.CALENDAR_FILE) : defaultCalendar());
  if (config.CALENDAR_PROFILES_FILE) registry.loadProfiles(readJsonFile(config.CALENDAR_PROFILES_FILE));
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
  });
  const metrics = createMetrics('sla');
  const { kafka, producer, ...kafkaRuntime } = createKafkaRuntime({ clientId: 'tthc-sla', brokers: config.KAFKA_BROKERS, logger });
  // Producer-side connection fails fast; the workers' must wait out Redis restarts.
  const queueRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const maintenanceRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  for (const r of [queueRedis, workerRedis, maintenanceRedis]) r.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const queue = new Queue<CheckDeadlineJobV1>(QUEUES.slaDeadlines, {
    connection: queueRedis,
    prefix: config.QUEUE_PREFIX,
    defaultJobOptions: slaJobCatalog[JOB_NAMES.checkDeadline].options,
  });
  const maintenance = new Queue(QUEUES.slaMaintenance, { connection: queueRedis, prefix: config.QUEUE_PREFIX });
  for (const q of [queue, maintenance]) q.on('error', (err) => logger.error({ err }, 'queue error'));
  const timers = createBullmqTimerScheduler(queue, clock);
  const topics = topicsFor(config.KAFKA_TOPIC_NAMESPACE);
  /**
   * Handlers of the maintenance queue by job name. Other repeatable jobs register here before
   * `start()` and schedule themselves with `maintenance.upsertJobScheduler`.
   */
  const maintenanceHandlers: Record<string, MaintenanceHandler> = {};
  let reconciler: ReturnType<typeof timerReconciler> | null = null;
  let delayCounts: ReturnType<typeof createDelayCountsJob> | null = null;
  let worker: Worker | null = null;
  let maintenanceWorker: Worker | null = null;
  let conn: Connection | null = null;
  let runner: ConsumerRunner | null = null;
  let server: RunningServer | null = null;
  let schedulerWatch: NodeJS.Timeout | null = null;
  let calendarPoll: NodeJS.Timeout | null = null;

  return {
    logger,
    queue,
    /** The calendars timers are planned with (updated when a new version is applied). */
    calendars,
    maintenance,
    maintenanceHandlers,
    metrics,
    planner,
    /** One reconciliation run now (the scheduled job does the same). */
    async reconcile(reason = 'manual'): Promise<ReconcileResult> {
      if (!reconciler) throw new Error('sla is not started');
      return reconciler.run(reason);
    },
    async start() {
      await Promise.all([queue.waitUntilReady(), maintenance.waitUntilReady()]);
      conn = await connectMongo(config.MONGO_URL, logger);
      const deadlines = createDeadlineRepository(conn);
      const alerts = createAlertRepository(conn);
      await Promise.all([deadlines.init(), alerts.init()]);
      // Calendar versions applied after this process started (npm run calendar:apply).
      const calendarSource = createCalendarVersionSource(conn);
      const syncCalendars = async () => {
        const installed = await followCalendars(calendars, calendarSource);
        if (installed.length) logger.info({ installed }, 'calendar versions installed');
      };
      await syncCalendars();
      calendarPoll = setInterval(() => void syncCalendars().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'calendar poll failed')), config.CALENDAR_POLL_SECONDS * 1000);
      calendarPoll.unref();
      await kafkaRuntime.connect([topics.dossierState, topics.alerts, topics.deadLetter, topics.delayCounts]);

      const publisher = createKafkaAlertPublisher(producer, topics.alerts);
      worker = new Worker(QUEUES.slaDeadlines, checkDeadlineProcessor({ deadlines, alerts, publisher, clock, planner, logger, metrics }), {
        connection: workerRedis,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
      });
      worker.on('error', (err) => logger.error({ err }, 'worker error'));
      worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'deadline check failed'));

      reconciler = timerReconciler({ deadlines, timers, planner, logger, metrics, pageSize: config.RECONCILE_PAGE_SIZE });
      maintenanceHandlers[JOB_NAMES.reconcileTimers] = reconciler.handle;
      maintenanceWorker = new Worker(QUEUES.slaMaintenance, maintenanceProcessor(maintenanceHandlers, logger) as (job: Job) => Promise<unknown>, {
        connection: maintenanceRedis,
        prefix: config.QUEUE_PREFIX,
        concurrency: 1,
      });
      maintenanceWorker.on('error', (err) => logger.error({ err }, 'maintenance worker error'));
      const reconcileOptions = slaJobCatalog[JOB_NAMES.reconcileTimers].options;
      const everyMs = config.RECONCILE_EVERY_SECONDS * 1000;
      const scheduleReconciliation = () =>
        maintenance.upsertJobScheduler(RECONCILE_SCHEDULER_ID, { every: everyMs }, { name: JOB_NAMES.reconcileTimers, data: { reason: 'schedule' }, opts: reconcileOptions });
      await scheduleReconciliation();
      // Timers lost while the service was down are recreated before anything else is awaited.
      await maintenance.add(JOB_NAMES.reconcileTimers, { reason: 'start' }, reconcileOptions);
      // The schedule itself lives in Redis: if Redis loses its data the schedule goes with the
      // timers, and only this process can put it back.
      schedulerWatch = setInterval(() => {
        void (async () => {
          if (await maintenance.getJobScheduler(RECONCILE_SCHEDULER_ID)) return;
          await scheduleReconciliation();
          logger.warn('timer reconciliation schedule was missing from Redis; scheduled again');
        })().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'cannot check the reconciliation schedule'));
      }, everyMs);
      schedulerWatch.unref();

      delayCounts = createDelayCountsJob({
        queue: maintenance,
        conn,
        producer,
        topic: topics.delayCounts,
        calendar: calendars.national,
        // The labelled sample directory stands in until AGENCY_DIRECTORY_FILE is set.
        directory: AgencyDirectory.fromFile(config.AGENCY_DIRECTORY_FILE ?? SAMPLE_AGENCY_DIRECTORY_PATH),
        clock,
        logger,
        metrics,
        everySeconds: config.DELAY_COUNTS_EVERY_SECONDS,
      });
      maintenanceHandlers[JOB_NAMES.publishDelayCounts] = delayCounts.handle;
      await delayCounts.start();

      runner = createConsumerRunner({
        kafka,
        groupId: config.CONSUMER_GROUP ?? CONSUMER_GROUPS.sla,
        topics: [topics.dossierState],
        deadLetterTopic: topics.deadLetter,
        concurrency: config.KAFKA_CONSUMER_CONCURRENCY,
        producer,
        logger,
        metrics,
        handle: dossierStateHandler({ deadlines, timers, planner }),
      });
      await runner.start();

      const http = createServiceHttp({
        service: 'sla',
        logger,
        metrics,
        readiness: {
          mongo: () => pingMongo(conn!),
          redis: async () => {
            await queueRedis.ping();
          },
          kafka: kafkaRuntime.check,
        },
      });
      server = await serveHttp(http, { service: 'sla', logger, port: config.PORT, host: config.HOST });
      return server;
    },
    async stop() {
      if (schedulerWatch) clearInterval(schedulerWatch);
      if (calendarPoll) clearInterval(calendarPoll);
      await server?.close();
      await runner?.stop();
      await delayCounts?.stop();
      await maintenanceWorker?.close();
      await worker?.close();
      await maintenance.close();
      await queue.close();
      await kafkaRuntime.disconnect();
      await conn?.close();
      for (const r of [queueRedis, workerRedis, maintenanceRedis]) r.disconnect();
    },
  };
}
