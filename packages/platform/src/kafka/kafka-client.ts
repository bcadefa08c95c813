import { Kafka, Partitioners, logLevel, type Admin, type Producer, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaConfig {
  clientId: string;
  brokers: string[];
  logger: Logger;
  /** How long a request waits for the broker; kept short so HTTP callers get a fast 503. */
  requestTimeoutMs?: number;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(cfg: KafkaConfig): Kafka {
  const log = cfg.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    connectionTimeout: 3000,
    requestTimeout: cfg.requestTimeoutMs ?? 10_000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[levels[level] ?? 'info'](rest, message);
      },
  });
}

/** acks=all and an idempotent key-preserving partitioner: one dossier, one partition, in order. */
export function createProducer(kafka: Kafka, opts: { retries?: number } = {}): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { initialRetryTime: 200, retries: opts.retries ?? 5, maxRetryTime: 3000 },
  });
}

/** Creates the topics that do not exist yet and waits until each partition has a leader. */
export async function ensureTopics(admin: Admin, topics: string[], numPartitions = 3): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })) });
  } catch (err) {
    // Another service may have created the same topic a moment ago.
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
}
