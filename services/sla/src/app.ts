import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { CONSUMER_GROUPS, QUEUES, topicsFor, type CheckDeadlineJobV1 } from '@tthc/contracts';
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
import { createAlertRepository } from './data-access/alert.repository';
import { createKafkaAlertPublisher } from './data-access/alert-publisher.kafka';
import { createDeadlineRepository } from './data-access/deadline.repository';
import { createBullmqTimerScheduler } from './data-access/timer-scheduler.bullmq';
import { slaJobCatalog } from './entry-points/jobs/catalog';
import { checkDeadlineProcessor } from './entry-points/jobs/check-deadline.job';
import { dossierStateHandler } from './entry-points/kafka/dossier-state.consumer';

export function createApp(config: SlaConfig, deps: { logger?: Logger; clock?: Clock } = {}) {
  const logger = deps.logger ?? createLogger({ service: 'sla', level: config.LOG_LEVEL });
  const clock = deps.clock ?? systemClock;
  const metrics = createMetrics('sla');
  const { kafka, producer, ...kafkaRuntime } = createKafkaRuntime({ clientId: 'tthc-sla', brokers: config.KAFKA_BROKERS, logger });
  // Producer-side connection fails fast; the worker's must wait out Redis restarts.
  const queueRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  for (const r of [queueRedis, workerRedis]) r.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const queue = new Queue<CheckDeadlineJobV1>(QUEUES.slaDeadlines, {
    connection: queueRedis,
    prefix: config.QUEUE_PREFIX,
    defaultJobOptions: slaJobCatalog['sla.check-deadline.v1'].options,
  });
  queue.on('error', (err) => logger.error({ err }, 'queue error'));
  const topics = topicsFor(config.KAFKA_TOPIC_NAMESPACE);
  let worker: Worker | null = null;
  let conn: Connection | null = null;
  let runner: ConsumerRunner | null = null;
  let server: RunningServer | null = null;

  return {
    logger,
    queue,
    async start() {
      await queue.waitUntilReady();
      conn = await connectMongo(config.MONGO_URL, logger);
      const deadlines = createDeadlineRepository(conn);
      const alerts = createAlertRepository(conn);
      await Promise.all([deadlines.init(), alerts.init()]);
      await kafkaRuntime.connect([topics.dossierState, topics.alerts, topics.deadLetter]);

      worker = new Worker(QUEUES.slaDeadlines, checkDeadlineProcessor({ deadlines, alerts, publisher: createKafkaAlertPublisher(producer, topics.alerts), clock, logger, metrics }), {
        connection: workerRedis,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
      });
      worker.on('error', (err) => logger.error({ err }, 'worker error'));
      worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'deadline check failed'));

      runner = createConsumerRunner({
        kafka,
        groupId: config.CONSUMER_GROUP ?? CONSUMER_GROUPS.sla,
        topics: [topics.dossierState],
        deadLetterTopic: topics.deadLetter,
        concurrency: config.KAFKA_CONSUMER_CONCURRENCY,
        producer,
        logger,
        metrics,
        handle: dossierStateHandler({ deadlines, timers: createBullmqTimerScheduler(queue, clock) }),
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
      await server?.close();
      await runner?.stop();
      await worker?.close();
      await queue.close();
      await kafkaRuntime.disconnect();
      await conn?.close();
      queueRedis.disconnect();
      workerRedis.disconnect();
    },
  };
}
