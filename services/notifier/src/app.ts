import express from 'express';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { CalendarRegistry, readJsonFile } from '@tthc/calendar';
import { CONSUMER_GROUPS, JOB_NAMES, QUEUES, topicsFor } from '@tthc/contracts';
import { connectMongo, consumerCheck, type ConsumerRunner, createAuditLog, createKafkaRuntime, createLogger, createMetrics, createServiceConsumer, createServiceHttp, dependencyChecks, kafkaTopicSettings, type Logger, parseApiKeys, rateLimitPerKey, registerQueueMetrics, requireApiKey, requireRole, type RunningServer, serveHttp } from '@tthc/platform';
import type { NotifierConfig } from './config';
import { systemClock, type Clock } from './domain/notification';
import type { NotifyDeps } from './domain/notify-alert.use-case';
import { createAlertRecordRepository } from './data-access/alert-record.repository';
import { createDeliveryRepository } from './data-access/delivery.repository';
import { createSmtpEmailSender } from './data-access/email.sender';
import { createDigestRunRepository } from './data-access/digest-run.repository';
import { createBullmqDeliveryScheduler, createBullmqEscalationScheduler, createDigestSchedule, DIGEST_SCHEDULER_ID, noSchedules } from './data-access/job-schedulers.bullmq';
import { createOpenDossierReader } from './data-access/open-dossier.reader';
import { createSubscriptionRepository } from './data-access/subscription.repository';
import { createWebhookSender } from './data-access/webhook.sender';
import { alertAckRouter } from './entry-points/http/alert-ack.routes';
import { openApiDocument } from './entry-points/http/openapi';
import { readinessRouter } from './entry-points/http/readiness.routes';
import { subscriptionRouter } from './entry-points/http/subscription.routes';
import { notifierDeliveryJobs, notifierMaintenanceJobs } from './entry-points/jobs/catalog';
import { deliverMessageProcessor } from './entry-points/jobs/deliver-message.job';
import { maintenanceProcessor } from './entry-points/jobs/maintenance.job';
import { jobReconciler } from './entry-points/jobs/reconcile-jobs.job';
import { alertHandler } from './entry-points/kafka/alert.consumer';

export { DIGEST_SCHEDULER_ID };

export function createApp(config: NotifierConfig, deps: { logger?: Logger; clock?: Clock } = {}) {
  const logger = deps.logger ?? createLogger({ service: 'notifier', level: config.LOG_LEVEL });
  const clock = deps.clock ?? systemClock;
  const metrics = createMetrics('notifier');
  const apiKeys = parseApiKeys(config.API_KEYS);
  const calendars = new CalendarRegistry();
  if (config.AGENCY_PROFILES_FILE) calendars.loadProfiles(readJsonFile(config.AGENCY_PROFILES_FILE));
  const calendarOf = (id: string) => calendars.get(id) ?? calendars.national;
  const deliveryOptions = {
    ...notifierDeliveryJobs[JOB_NAMES.deliverMessage].options,
    attempts: config.DELIVERY_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.DELIVERY_BACKOFF_MS },
  };

  const { kafka, producer, ...kafkaRuntime } = createKafkaRuntime({ clientId: 'tthc-notifier', brokers: config.KAFKA_BROKERS, logger, ...kafkaTopicSettings(config) });
  // Producer-side connection fails fast; the workers' must wait out Redis restarts.
  const queueRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  for (const r of [queueRedis, workerRedis]) r.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const deliveryQueue = new Queue(QUEUES.notifierDeliveries, { connection: queueRedis, prefix: config.QUEUE_PREFIX, defaultJobOptions: deliveryOptions });
  const maintenanceQueue = new Queue(QUEUES.notifierMaintenance, { connection: queueRedis, prefix: config.QUEUE_PREFIX, defaultJobOptions: notifierMaintenanceJobs[JOB_NAMES.checkEscalations].options });
  for (const q of [deliveryQueue, maintenanceQueue]) q.on('error', (err) => logger.error({ err }, 'queue error'));
  const email = createSmtpEmailSender({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, user: config.SMTP_USER, pass: config.SMTP_PASS, from: config.MAIL_FROM, maxConnections: config.DELIVERY_CONCURRENCY });
  const topics = topicsFor(config.KAFKA_TOPIC_NAMESPACE);
  const webhook = createWebhookSender({ clock, timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS });

  const digestSchedule = createDigestSchedule(maintenanceQueue, { at: config.DIGEST_AT, timezone: calendars.national.timezone, jobOptions: notifierMaintenanceJobs[JOB_NAMES.sendDigests].options });

  let conn: Connection | null = null;
  let runner: ConsumerRunner | null = null;
  let server: RunningServer | null = null;
  let reconciler: ReturnType<typeof jobReconciler> | null = null;
  const workers: Worker[] = [];
  let stopQueueMetrics: (() => void) | null = null;

  return {
    logger,
    metrics,
    deliveryQueue,
    maintenanceQueue,
    /** One reconciliation now (the interval does the same); waits for a run already going. */
    async reconcile(reason = 'manual') {
      if (!reconciler) throw new Error('notifier is not started');
      return reconciler.run(reason);
    },
    async start() {
      if (config.usingDevKey) logger.warn('API_KEYS is not set: using the development key "dev-key" for every agency');
      if (config.usingDevAckSecret) logger.warn('ACK_SECRET is not set: acknowledgement links are signed with a development secret');
      if (config.WEBHOOK_ALLOW_PRIVATE_NETWORKS) logger.warn('WEBHOOK_ALLOW_PRIVATE_NETWORKS=true: webhooks may reach loopback and private networks');
      await Promise.all([deliveryQueue.waitUntilReady(), maintenanceQueue.waitUntilReady()]);
      conn = await connectMongo(config.MONGO_URL, logger, { watchdogSeconds: config.MONGO_WATCHDOG_SECONDS, metrics });
      const subscriptions = createSubscriptionRepository(conn);
      const deliveries = createDeliveryRepository(conn);
      const alertRecords = createAlertRecordRepository(conn);
      const digestRuns = createDigestRunRepository(conn);
      const audit = createAuditLog(conn);
      await Promise.all([subscriptions.init(), deliveries.init(), alertRecords.init(), digestRuns.init(), audit.init()]);
      await kafkaRuntime.connect([topics.alerts, topics.deadLetter]);

      const deliveryScheduler = createBullmqDeliveryScheduler(deliveryQueue, clock);
      const dossiers = createOpenDossierReader(conn);
      const notifyDeps: NotifyDeps = {
        subscriptions,
        deliveries,
        alertRecords,
        deliveryScheduler,
        escalationScheduler: createBullmqEscalationScheduler(maintenanceQueue, clock),
        calendars: calendarOf,
        dossiers,
        clock,
        policy: { urgentLevel: config.URGENT_LEVEL, ackWindow: config.ackWindow, nationalCalendarId: calendars.national.id },
      };

      const deliveryWorker = new Worker(
        QUEUES.notifierDeliveries,
        deliverMessageProcessor({
          deliveries,
          subscriptions,
          alertRecords,
          email,
          webhook,
          clock,
          links: { dashboardUrl: config.DASHBOARD_URL, publicUrl: config.PUBLIC_URL, ackSecret: config.ACK_SECRET, ackLinkTtlMs: config.ackLinkTtlMs },
          sendLeaseMs: config.SEND_LEASE_SECONDS * 1000,
          logger,
          metrics,
        }),
        { connection: workerRedis, prefix: config.QUEUE_PREFIX, concurrency: config.DELIVERY_CONCURRENCY },
      );
      const maintenanceWorker = new Worker(
        QUEUES.notifierMaintenance,
        maintenanceProcessor({ ...notifyDeps, dossiers, digestRuns, nationalCalendarId: calendars.national.id, logger, metrics }),
        { connection: workerRedis, prefix: config.QUEUE_PREFIX, concurrency: 4 },
      );
      for (const w of [deliveryWorker, maintenanceWorker]) {
        w.on('error', (err) => logger.error({ err }, 'worker error'));
        workers.push(w);
      }

      const jobs = jobReconciler({
        deliveries,
        alertRecords,
        deliveryScheduler,
        escalationScheduler: notifyDeps.escalationScheduler,
        schedules: config.DIGEST_ENABLED ? digestSchedule : noSchedules,
        digest: config.DIGEST_ENABLED ? { runs: digestRuns, ensureRun: digestSchedule.ensureRun, at: config.DIGEST_AT, calendar: calendars.national } : null,
        clock,
        sendLeaseMs: config.SEND_LEASE_SECONDS * 1000,
        logger,
        metrics,
        pageSize: config.RECONCILE_PAGE_SIZE,
        everyMs: config.RECONCILE_EVERY_SECONDS * 1000,
      });
      reconciler = jobs;
      if (config.DIGEST_ENABLED) await digestSchedule.ensure();
      // Whatever Redis lost while this process was away is put back while it already serves;
      // readiness says `degraded` until the run is through.
      jobs.run('start').catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'reconciliation at start failed; the interval retries'));
      jobs.start();

      const checks = dependencyChecks({ mongo: conn, redis: queueRedis, kafka: kafkaRuntime });
      // While MongoDB, Redis or Kafka is away the consumer pauses (nothing is dead-lettered,
      // nothing past the alert committed); `waitFor` says when to try again.
      runner = createServiceConsumer(
        { kafka, producer, deadLetterTopic: topics.deadLetter, concurrency: config.KAFKA_CONSUMER_CONCURRENCY, fetchBytesPerPartition: config.KAFKA_FETCH_BYTES_PER_PARTITION, logger, metrics },
        { groupId: config.CONSUMER_GROUP ?? CONSUMER_GROUPS.notifier, topics: [topics.alerts], waitFor: [checks.mongo, checks.redis, checks.kafka], handle: alertHandler({ ...notifyDeps, logger, metrics }) },
      );
      await runner.start();
      // Redis memory and the oldest waiting delivery: a backlog shows before anyone misses an e-mail.
      stopQueueMetrics = registerQueueMetrics({ metrics, redis: queueRedis, queues: [deliveryQueue, maintenanceQueue], logger });

      const readiness = { ...checks, consumer: consumerCheck(runner, 'alert consumption paused until MongoDB, Redis and Kafka answer again') };
      const http = createServiceHttp({ service: 'notifier', logger, metrics, readiness, openApi: openApiDocument });
      // The platform's /readyz knows only up or down; this one, matched first, also reports a
      // reconciliation in progress as `degraded` (still 200).
      const root = express();
      root.disable('x-powered-by');
      root.set('trust proxy', false);
      root.use(readinessRouter({ checks: readiness, reconcile: jobs.state }));
      root.use(http);
      // Shared by every instance through the queue Redis, so a key's budget does not grow with replicas.
      const rateLimit = rateLimitPerKey({ redis: queueRedis, prefix: config.QUEUE_PREFIX, settings: { perMinute: config.RATE_LIMIT_PER_MINUTE, burst: config.RATE_LIMIT_BURST }, logger, metrics });
      http.use(alertAckRouter({ alertRecords, subscriptions, apiKeys, ackSecret: config.ACK_SECRET, audit, rateLimit, clock }));
      // Bodies are parsed only for authenticated, rate-limited callers with a role that may write.
      http.use('/v1/subscriptions', requireApiKey(apiKeys), rateLimit, requireRole('agency-manager', 'reform-office'), express.json({ limit: '64kb' }));
      http.use(
        subscriptionRouter({
          subscriptions,
          audit,
          knownCalendar: (id) => calendars.get(id) !== undefined,
          defaultCalendarId: calendars.national.id,
          maxPerKey: config.MAX_SUBSCRIPTIONS_PER_KEY,
          allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
          now: () => clock.now(),
        }),
      );
      server = await serveHttp(root, { service: 'notifier', logger, port: config.PORT, host: config.HOST });
      return server;
    },
    async stop() {
      stopQueueMetrics?.();
      await reconciler?.stop();
      await server?.close();
      await runner?.stop();
      for (const w of workers.splice(0)) await w.close();
      await deliveryQueue.close();
      await maintenanceQueue.close();
      await kafkaRuntime.disconnect();
      email.close();
      webhook.close();
      await conn?.close();
      queueRedis.disconnect();
      workerRedis.disconnect();
    },
  };
}
