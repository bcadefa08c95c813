import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { AppError, PoisonMessageError } from '../errors';
import type { Metrics } from '../metrics';
import { publishDeadLetter } from './dead-letter';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  /** Producer used for dead letters; shared with the service's own publishing. */
  producer: Producer;
  logger: Logger;
  metrics: Metrics;
  handle(msg: ConsumedMessage): Promise<void>;
  /**
   * How many message keys (dossiers) are handled at once within a fetched batch. Messages of
   * one key stay strictly in order; different keys do not wait for each other's round trips.
   * @defaultValue 1
   */
  concurrency?: number;
}

export interface ConsumerRunner {
  consumer: Consumer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * At-least-once consumption with a dead-letter topic. A poison message (one that can never
 * be applied) is written whole to the dead-letter topic and its offset committed, so it never
 * blocks the partition; any other error is retried by kafkajs, so a store outage delays
 * processing but loses nothing.
 */
export function createConsumerRunner(opts: ConsumerRunnerOptions): ConsumerRunner {
  const consumer = opts.kafka.consumer({ groupId: opts.groupId, sessionTimeout: 30_000, heartbeatInterval: 3000, allowAutoTopicCreation: false });
  const log = opts.logger.child({ component: 'consumer', groupId: opts.groupId });
  const processed = opts.metrics.counter('kafka_messages_processed_total', 'Kafka messages handled', ['topic', 'outcome']);

  async function deadLetter(msg: ConsumedMessage, err: AppError): Promise<void> {
    await publishDeadLetter(opts.producer, opts.deadLetterTopic, {
      originalTopic: msg.topic,
      partition: msg.partition,
      offset: msg.message.offset,
      key: msg.message.key?.toString('utf8') ?? null,
      value: msg.message.value?.toString('utf8') ?? null,
      consumerGroup: opts.groupId,
      reason: err.message,
      errorCode: err.code,
    });
  }

  async function handleOne(msg: ConsumedMessage): Promise<void> {
    const { topic, partition, message } = msg;
    try {
      await opts.handle(msg);
      processed.inc({ topic, outcome: 'applied' });
    } catch (err) {
      if (err instanceof PoisonMessageError || (err instanceof AppError && !err.retriable)) {
        log.warn({ topic, partition, offset: message.offset, code: err.code, reason: err.message }, 'message dead-lettered');
        await deadLetter(msg, err);
        processed.inc({ topic, outcome: 'dead-lettered' });
        return;
      }
      processed.inc({ topic, outcome: 'retried' });
      log.error({ err, topic, partition, offset: message.offset }, 'message failed, will retry');
      throw err;
    }
  }

  const concurrency = Math.max(1, opts.concurrency ?? 1);
  let running = false;
  return {
    consumer,
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: opts.topics, fromBeginning: true });
      running = true;
      await consumer.run({
        autoCommit: true,
        // A failed batch is retried whole; handlers are idempotent, so re-applying the part
        // that already succeeded is harmless, and nothing after the failure is skipped.
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const byKey = new Map<string, KafkaMessage[]>();
          for (const message of batch.messages) {
            const key = message.key?.toString('utf8') ?? '';
            const list = byKey.get(key);
            if (list) list.push(message);
            else byKey.set(key, [message]);
          }
          const groups = [...byKey.values()];
          let next = 0;
          const lane = async () => {
            while (next < groups.length && isRunning() && !isStale()) {
              const group = groups[next++]!;
              for (const message of group) await handleOne({ topic: batch.topic, partition: batch.partition, message });
            }
          };
          await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, lane));
          if (!isRunning() || isStale()) return;
          resolveOffset(batch.lastOffset());
          await heartbeat();
        },
      });
    },
    async stop() {
      if (!running) return;
      running = false;
      await consumer.disconnect();
    },
  };
}

/** Parses a message value as JSON, or declares it poison. */
export function parseJsonValue(message: KafkaMessage): unknown {
  const raw = message.value?.toString('utf8');
  if (!raw) throw new PoisonMessageError('empty-message', 'message has no value');
  try {
    return JSON.parse(raw);
  } catch {
    throw new PoisonMessageError('malformed-json', 'message value is not valid JSON');
  }
}
