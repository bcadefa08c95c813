import { CONSUMER_GROUPS, topicsFor } from '@tthc/contracts';
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
import type { Connection } from 'mongoose';
import type { WorkflowConfig } from './config';
import { createDossierRepository } from './data-access/dossier.repository';
import { createKafkaStatePublisher } from './data-access/state-publisher.kafka';
import { dossierEventsHandler } from './entry-points/kafka/dossier-events.consumer';

export function createApp(config: WorkflowConfig, deps: { logger?: Logger } = {}) {
  const logger = deps.logger ?? createLogger({ service: 'workflow', level: config.LOG_LEVEL });
  const metrics = createMetrics('workflow');
  const { kafka, producer, ...kafkaRuntime } = createKafkaRuntime({ clientId: 'tthc-workflow', brokers: config.KAFKA_BROKERS, logger });
  const topics = topicsFor(config.KAFKA_TOPIC_NAMESPACE);
  let conn: Connection | null = null;
  let runner: ConsumerRunner | null = null;
  let server: RunningServer | null = null;

  return {
    logger,
    async start() {
      conn = await connectMongo(config.MONGO_URL, logger);
      const repo = createDossierRepository(conn);
      await repo.init();
      await kafkaRuntime.connect([topics.dossierEvents, topics.dossierState, topics.alerts, topics.deadLetter]);
      runner = createConsumerRunner({
        kafka,
        groupId: config.CONSUMER_GROUP ?? CONSUMER_GROUPS.workflow,
        topics: [topics.dossierEvents, topics.alerts],
        deadLetterTopic: topics.deadLetter,
        concurrency: config.KAFKA_CONSUMER_CONCURRENCY,
        producer,
        logger,
        metrics,
        handle: dossierEventsHandler({ repo, publisher: createKafkaStatePublisher(producer, topics.dossierState), logger, alertsTopic: topics.alerts }),
      });
      await runner.start();
      const http = createServiceHttp({
        service: 'workflow',
        logger,
        metrics,
        readiness: {
          mongo: () => pingMongo(conn!),
          kafka: kafkaRuntime.check,
        },
      });
      server = await serveHttp(http, { service: 'workflow', logger, port: config.PORT, host: config.HOST });
      return server;
    },
    async stop() {
      await server?.close();
      await runner?.stop();
      await kafkaRuntime.disconnect();
      await conn?.close();
    },
  };
}
