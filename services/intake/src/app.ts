import { Redis } from 'ioredis';
import { topicsFor } from '@tthc/contracts';
import {
  createKafkaRuntime,
  createLogger,
  createMetrics,
  createServiceHttp,
  serveHttp,
  parseApiKeys,
  rateLimitPerKey,
  requireApiKey,
  type Logger,
  type RunningServer,
  kafkaTopicSettings,
} from '@tthc/platform';
import type { IntakeConfig } from './config';
import { CLAIM_LEASE_MS, createRedisIdempotencyStore } from './data-access/idempotency.redis';
import { createKafkaEventPublisher } from './data-access/event-publisher.kafka';
import { eventsRouter } from './entry-points/http/events.route';
import { openApiDocument } from './entry-points/http/openapi';
import { portalDossiersRouter } from './entry-points/http/portal-dossiers.route';

export interface IntakeApp {
  start(): Promise<RunningServer>;
  stop(): Promise<void>;
  logger: Logger;
}

export function createApp(config: IntakeConfig, deps: { logger?: Logger } = {}): IntakeApp {
  const logger = deps.logger ?? createLogger({ service: 'intake', level: config.LOG_LEVEL });
  const metrics = createMetrics('intake');
  const apiKeys = parseApiKeys(config.API_KEYS);
  // Short timeouts and few retries: a portal waiting on Kafka should get a fast 503.
  const { producer, ...kafkaRuntime } = createKafkaRuntime({ clientId: 'tthc-intake', brokers: config.KAFKA_BROKERS, logger, ...kafkaTopicSettings(config), requestTimeoutMs: 5000, producerRetries: 2 });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const topics = topicsFor(config.KAFKA_TOPIC_NAMESPACE);
  const marksLost = metrics.counter('intake_duplicate_marks_lost_total', 'Events acknowledged by Kafka whose duplicate marks could not be stored in Redis');
  let server: RunningServer | null = null;

  return {
    logger,
    async start() {
      if (config.usingDevKey) logger.warn('API_KEYS is not set: using the development keys "dev-portal-key" (posts for every agency) and "dev-key" (reform office, cannot post)');
      await redis.connect();
      await kafkaRuntime.connect([topics.dossierEvents, topics.dutyEvents]);

      const http = createServiceHttp({
        service: 'intake',
        logger,
        metrics,
        openApi: openApiDocument,
        readiness: {
          kafka: kafkaRuntime.check,
          redis: async () => {
            await redis.ping();
          },
        },
      });
      http.use(requireApiKey(apiKeys));
      http.use(rateLimitPerKey({ redis, prefix: config.REDIS_KEY_PREFIX, settings: { perMinute: config.RATE_LIMIT_PER_MINUTE, burst: config.RATE_LIMIT_BURST }, logger, metrics }));
      const accept = {
        store: createRedisIdempotencyStore(redis, config.DEDUP_TTL_SECONDS, config.REDIS_KEY_PREFIX),
        publisher: createKafkaEventPublisher(producer, topics, config.KAFKA_SEND_TIMEOUT_MS, config.KAFKA_COMPRESSION),
        logger,
        metrics,
        codeAgencyCheck: config.CODE_AGENCY_CHECK,
        onMarksLost: (err: unknown, events: number) => {
          marksLost.inc(events);
          logger.warn({ err, events, claimLeaseMs: CLAIM_LEASE_MS }, `events accepted, but their duplicate marks were not stored: a resend within the claim lease (${CLAIM_LEASE_MS / 1000} s) is answered 503, later it is published again`);
        },
      };
      http.use(eventsRouter(accept));
      http.use(portalDossiersRouter({ ...accept, portalTimeZone: config.PORTAL_TIME_ZONE }));
      server = await serveHttp(http, { service: 'intake', logger, port: config.PORT, host: config.HOST });
      return server;
    },
    async stop() {
      await server?.close();
      await kafkaRuntime.disconnect();
      redis.disconnect();
    },
  };
}
