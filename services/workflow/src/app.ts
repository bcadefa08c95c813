import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { CalendarRegistry, loadCalendarFile, readJsonFile } from '@tthc/calendar';
import { CONSUMER_GROUPS, JOB_NAMES, QUEUES, topicsFor } from '@tthc/contracts';
import { connectMongo, consumerCheck, type ConsumerRunner, createKafkaRuntime, createLogger, createMetrics, createServiceConsumer, createServiceHttp, dependencyChecks, kafkaTopicSettings, type Logger, parseApiKeys, registerQueueMetrics, restoreJobScheduler, type RunningServer, serveHttp, watchSchedules } from '@tthc/platform';
import { rulesOf, type WorkflowConfig } from './config';
import { createCalendarAuditStore, createCalendarStore } from './data-access/calendar.store';
import { createFactDeadLetters } from './data-access/dead-letter.kafka';
import { createProcedureLookup } from './data-access/procedure-lookup.mongo';
import { createKafkaStatePublisher } from './data-access/state-publisher.kafka';
import { createSubjectRepository } from './data-access/subject.repository';
import type { CalendarPin, SubjectDeriver } from './domain/apply-fact.use-case';
import { deriveSubject, type Derivations } from './domain/derive-subject';
import { recomputeOpenSubjects } from './domain/recompute-calendar.use-case';
import type { DeriveContext, RulesConfig } from './domain/subject';
import { SUBJECT_DERIVATIONS } from './domain/subject-derivations';
import { syncCalendars } from './domain/sync-calendars.use-case';
import { createCalendarChangeGate } from './entry-points/calendar-change.gate';
import { mountCalendarReloadRoute } from './entry-points/http/calendar-reload.route';
import { workflowMaintenanceJobs } from './entry-points/jobs/catalog';
import { expireUnknownProcessor } from './entry-points/jobs/expire-unknown.job';
import { subjectEventsHandler } from './entry-points/kafka/subject-events.consumer';

export interface WorkflowDeps {
  logger?: Logger;
  /** Pure derivations; tests of the wiring may pass their own. */
  derivations?: Derivations;
  rules?: RulesConfig;
}

export function createApp(config: WorkflowConfig, deps: WorkflowDeps = {}) {
  const logger = deps.logger ?? createLogger({ service: 'workflow', level: config.LOG_LEVEL });
  const metrics = createMetrics('workflow');
  const { kafka, producer, ...kafkaRuntime } = createKafkaRuntime({ clientId: 'tthc-workflow', brokers: config.KAFKA_BROKERS, logger, ...kafkaTopicSettings(config) });
  const topics = topicsFor(config.KAFKA_TOPIC_NAMESPACE);
  const groupId = config.CONSUMER_GROUP ?? CONSUMER_GROUPS.workflow;

  // Loaded at construction so a bad calendar file stops the service before it connects anywhere.
  const registry = new CalendarRegistry(loadCalendarFile(config.CALENDAR_FILE));
  if (config.AGENCY_PROFILES_FILE) registry.loadProfiles(readJsonFile(config.AGENCY_PROFILES_FILE));
  const ctx: DeriveContext = { calendarFor: (agencyCode) => registry.forAgency(agencyCode), rules: deps.rules ?? rulesOf(config) };
  const derivations = deps.derivations ?? SUBJECT_DERIVATIONS;
  const pinnedContext = (pins: readonly CalendarPin[]): DeriveContext => ({
    ...ctx,
    calendarFor: (agencyCode) => {
      const current = registry.forAgency(agencyCode);
      const pin = pins.find((p) => p.calendarId === current.id);
      // A version this process never loaded falls back to the current one (see calendar preload).
      return (pin && registry.getVersion(current.id, pin.version)) || current;
    },
  });
  const derive: SubjectDeriver = (kind, code, history, bumps, pins) => deriveSubject(kind, code, history, pins?.length ? pinnedContext(pins) : ctx, derivations, bumps);
  const calendarPins = (): CalendarPin[] => registry.ids().map((calendarId) => ({ calendarId, version: registry.get(calendarId)!.version }));

  // Producer-side connection fails fast; the worker's must wait out Redis restarts.
  const queueRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  for (const r of [queueRedis, workerRedis]) r.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const maintenance = new Queue(QUEUES.workflowMaintenance, { connection: queueRedis, prefix: config.QUEUE_PREFIX });
  maintenance.on('error', (err) => logger.error({ err }, 'queue error'));

  let conn: Connection | null = null;
  let runner: ConsumerRunner | null = null;
  let stopQueueMetrics: (() => void) | null = null;
  let server: RunningServer | null = null;
  let worker: Worker | null = null;
  let poller: NodeJS.Timeout | null = null;
  let stopSchedulerWatch: (() => void) | null = null;
  const gate = createCalendarChangeGate();
  let reloadCalendars: () => Promise<unknown> = async () => ({ applied: [], installed: [] });

  return {
    logger,
    registry,
    /** Applies stored calendar versions now (what the poller and the admin route call). */
    reloadCalendars: () => reloadCalendars(),
    async start() {
      await maintenance.waitUntilReady();
      conn = await connectMongo(config.MONGO_URL, logger, { watchdogSeconds: config.MONGO_WATCHDOG_SECONDS, metrics });
      const repo = createSubjectRepository(conn);
      const calendars = createCalendarStore(conn);
      const audits = createCalendarAuditStore(conn);
      await Promise.all([repo.init(), calendars.init(), audits.init()]);
      await kafkaRuntime.connect([topics.dossierEvents, topics.dossierState, topics.alerts, topics.deadLetter]);
      const publisher = createKafkaStatePublisher(producer, topics.dossierState);

      // One sync at a time (the poller and the admin route share the gate), and no fact is
      // applied while a new calendar is installed and the open subjects are recomputed.
      reloadCalendars = async () => {
        // Most polls find nothing new; those never hold facts back.
        const latest = await calendars.latest();
        if (latest.every((v) => registry.get(v.calendarId)?.version === v.version)) return { applied: [], installed: [] };
        const result = await gate.exclusive(() =>
          syncCalendars({ versions: calendars, registry, audits, recompute: (change) => recomputeOpenSubjects(change, { subjects: repo, derive, publisher, audits }) }),
        );
        for (const audit of result.applied) logger.info({ calendarId: audit.calendarId, version: audit.toVersion, affected: audit.affected.length }, 'calendar version applied');
        return result;
      };
      // Earlier stored versions are remembered, so closed subjects frozen under one of them are
      // re-derived with it; the latest of each id is installed by the sync below.
      const stored = await calendars.all();
      const latestIds = new Set(stored.map((v, i) => (stored.slice(i + 1).some((w) => w.calendarId === v.calendarId) ? null : v.id)));
      for (const version of stored) if (!latestIds.has(version.id)) registry.update(version.calendar);
      // Installs the stored versions before any fact is derived.
      await reloadCalendars();

      const deadLetters = createFactDeadLetters(producer, { topic: topics.deadLetter, dossierEventsTopic: topics.dossierEvents, alertsTopic: topics.alerts, consumerGroup: groupId });
      const { handle, handleLane } = subjectEventsHandler({
        repo,
        publisher,
        catalog: createProcedureLookup(conn),
        derive,
        calendarPins,
        deadLetters,
        codeAgencyCheck: config.CODE_AGENCY_CHECK,
        logger,
        metrics,
        alertsTopic: topics.alerts,
        gate,
      });
      const checks = dependencyChecks({ mongo: conn, redis: queueRedis, kafka: kafkaRuntime });
      // While MongoDB or Kafka is away the consumer pauses instead of dead-lettering good
      // facts; `waitFor` says when to try again.
      runner = createServiceConsumer(
        { kafka, producer, deadLetterTopic: topics.deadLetter, concurrency: config.KAFKA_CONSUMER_CONCURRENCY, partitionsConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY, fetchBytesPerPartition: config.KAFKA_FETCH_BYTES_PER_PARTITION, logger, metrics },
        { groupId, topics: [topics.dossierEvents, topics.alerts], waitFor: [checks.mongo, checks.kafka], handle, handleLane },
      );
      await runner.start();
      stopQueueMetrics = registerQueueMetrics({ metrics, redis: queueRedis, queues: [maintenance], logger });

      worker = new Worker(
        QUEUES.workflowMaintenance,
        expireUnknownProcessor({
          store: repo,
          deadLetters,
          graceSeconds: config.UNKNOWN_DOSSIER_GRACE_SECONDS,
          logger,
          metrics,
        }),
        { connection: workerRedis, prefix: config.QUEUE_PREFIX, concurrency: 1 },
      );
      worker.on('error', (err) => logger.error({ err }, 'worker error'));
      worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, err: err.message }, 'maintenance job failed'));
      // Upserting the scheduler is idempotent, so every instance may do it at start, and again
      // whenever Redis has lost it (the sweep would otherwise stop until the next restart).
      const sweepEveryMs = config.UNKNOWN_SWEEP_SECONDS * 1000;
      const scheduleSweep = () =>
        maintenance.upsertJobScheduler(
          JOB_NAMES.expireUnknownDossiers,
          { every: sweepEveryMs },
          { name: JOB_NAMES.expireUnknownDossiers, data: { reason: 'schedule' }, opts: workflowMaintenanceJobs[JOB_NAMES.expireUnknownDossiers].options },
        );
      await scheduleSweep();
      stopSchedulerWatch = watchSchedules({
        everyMs: sweepEveryMs,
        restoreMissing: async () =>
          (await restoreJobScheduler(maintenance, JOB_NAMES.expireUnknownDossiers, scheduleSweep)) ? [JOB_NAMES.expireUnknownDossiers] : [],
        onRestored: (schedules) => logger.warn({ schedules }, 'job schedule was missing from Redis; scheduled again'),
        onError: (err) => logger.warn({ err: err.message }, 'cannot check the job schedule'),
      });

      poller = setInterval(() => {
        reloadCalendars().catch((err: unknown) => logger.error({ err }, 'calendar poll failed'));
      }, config.CALENDAR_POLL_SECONDS * 1000);
      poller.unref();

      if (config.usingDevKey) logger.warn('API_KEYS is not set: using the development key "dev-key" for every agency');
      const http = createServiceHttp({
        service: 'workflow',
        logger,
        metrics,
        readiness: { ...checks, consumer: consumerCheck(runner, 'paused until MongoDB and Kafka answer again') },
      });
      mountCalendarReloadRoute(http, { keys: parseApiKeys(config.API_KEYS), reload: () => reloadCalendars() });
      server = await serveHttp(http, { service: 'workflow', logger, port: config.PORT, host: config.HOST });
      return server;
    },
    async stop() {
      stopQueueMetrics?.();
      stopSchedulerWatch?.();
      if (poller) clearInterval(poller);
      await server?.close();
      await runner?.stop();
      await worker?.close();
      await maintenance.close();
      await kafkaRuntime.disconnect();
      await conn?.close();
      queueRedis.disconnect();
      workerRedis.disconnect();
    },
  };
}
