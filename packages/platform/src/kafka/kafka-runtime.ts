import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { brokerAdmins, createKafka, createProducer, ensureTopics, type TopicSettings } from './kafka-client';

export interface KafkaRuntime {
  kafka: Kafka;
  producer: Producer;
  admin: Admin;
  /** Connects, creates the missing topics (and grows the small ones) and connects the producer. */
  connect(topics: string[]): Promise<void>;
  /** Readiness: throws when the cluster does not answer. */
  check(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface KafkaRuntimeConfig extends TopicSettings {
  clientId: string;
  brokers: string[];
  logger: Logger;
  requestTimeoutMs?: number;
  producerRetries?: number;
}

/**
 * The Kafka clients every event-driven service holds, with one start and one stop order. Topic
 * settings left out take ensureTopics' defaults (6 partitions, replication 3, min.insync.replicas 2,
 * both capped at the live brokers); services pass KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR and
 * KAFKA_MIN_INSYNC_REPLICAS here.
 */
export function createKafkaRuntime(cfg: KafkaRuntimeConfig): KafkaRuntime {
  const kafka = createKafka(cfg);
  const producer = createProducer(kafka, cfg.producerRetries === undefined ? {} : { retries: cfg.producerRetries });
  const admin = kafka.admin();
  const topicSettings: TopicSettings = { partitions: cfg.partitions, replicationFactor: cfg.replicationFactor, minInsyncReplicas: cfg.minInsyncReplicas };
  return {
    kafka,
    producer,
    admin,
    async connect(topics) {
      await admin.connect();
      await ensureTopics(admin, topics, { ...topicSettings, logger: cfg.logger, adminFor: brokerAdmins(cfg) });
      await producer.connect();
    },
    async check() {
      await admin.describeCluster();
    },
    async disconnect() {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}

/** The topic settings of a service's validated configuration (KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS). */
export function kafkaTopicSettings(config: { KAFKA_PARTITIONS: number; KAFKA_REPLICATION_FACTOR: number; KAFKA_MIN_INSYNC_REPLICAS: number }): TopicSettings {
  return { partitions: config.KAFKA_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR, minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS };
}
