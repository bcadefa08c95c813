import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { createKafka, createProducer, ensureTopics } from './kafka-client';

export interface KafkaRuntime {
  kafka: Kafka;
  producer: Producer;
  admin: Admin;
  /** Connects, creates the missing topics and connects the producer. */
  connect(topics: string[]): Promise<void>;
  /** Readiness: throws when the cluster does not answer. */
  check(): Promise<void>;
  disconnect(): Promise<void>;
}

/** The Kafka clients every event-driven service holds, with one start and one stop order. */
export function createKafkaRuntime(cfg: { clientId: string; brokers: string[]; logger: Logger; requestTimeoutMs?: number; producerRetries?: number }): KafkaRuntime {
  const kafka = createKafka(cfg);
  const producer = createProducer(kafka, cfg.producerRetries === undefined ? {} : { retries: cfg.producerRetries });
  const admin = kafka.admin();
  return {
    kafka,
    producer,
    admin,
    async connect(topics) {
      await admin.connect();
      await ensureTopics(admin, topics);
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
