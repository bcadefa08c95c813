import type { Kafka, Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../http/service-http';
import type { Metrics } from '../metrics';
import { pingMongo } from '../mongo';
import { createConsumerRunner, type ConsumerRunner, type ConsumerRunnerOptions } from './consumer-runner';
import type { KafkaRuntime } from './kafka-runtime';

/**
 * The readiness checks of what an event-driven service depends on: its MongoDB, its queue Redis
 * and its Kafka cluster. Each throws while its dependency does not answer; the same checks tell a
 * paused consumer when to resume (`createServiceConsumer`'s `waitFor`).
 */
export function dependencyChecks(deps: { mongo: Connection; redis: { ping(): Promise<unknown> }; kafka: Pick<KafkaRuntime, 'check'> }) {
  return {
    mongo: () => pingMongo(deps.mongo),
    redis: async () => {
      await deps.redis.ping();
    },
    kafka: deps.kafka.check,
  } satisfies Record<string, ReadinessCheck>;
}

/**
 * Readiness of a consumer: fails with `reason` while it is paused for an unavailable dependency,
 * and with the crash while a consumer kafkajs gave up on is being started again.
 */
export function consumerCheck(runner: Pick<ConsumerRunner, 'isPaused'> & Partial<Pick<ConsumerRunner, 'crashed'>>, reason: string): ReadinessCheck {
  return async () => {
    if (runner.isPaused()) throw new Error(reason);
    const crash = runner.crashed?.() ?? null;
    if (crash !== null) throw new Error(`consumer stopped by a crash, being started again: ${crash}`);
  };
}

/** What every consumer of one service is built from: its Kafka clients, dead-letter topic, concurrency, logger and metrics. */
export interface ServiceConsumerContext {
  kafka: Kafka;
  /** Producer used for dead letters; shared with the service's own publishing. */
  producer: Producer;
  deadLetterTopic: string;
  concurrency: number;
  /** Partitions handled at the same time (KAFKA_PARTITIONS_CONCURRENTLY). @defaultValue 1 */
  partitionsConcurrently?: number;
  /** Bytes one fetch may bring per partition (KAFKA_FETCH_BYTES_PER_PARTITION). @defaultValue 8 MiB */
  fetchBytesPerPartition?: number;
  logger: Logger;
  metrics: Metrics;
}

export interface ServiceConsumerOptions extends Pick<ConsumerRunnerOptions, 'groupId' | 'topics' | 'handle' | 'handleLane' | 'onJoin'> {
  /** Checks that must all pass before a consumer paused for an unavailable dependency resumes. */
  waitFor: ReadinessCheck[];
}

/** A consumer runner of a service (see `createConsumerRunner`); while paused it probes `waitFor`. */
export function createServiceConsumer(context: ServiceConsumerContext, opts: ServiceConsumerOptions): ConsumerRunner {
  const { waitFor, ...subscription } = opts;
  return createConsumerRunner({
    ...context,
    ...subscription,
    dependenciesReady: async () => {
      await Promise.all(waitFor.map((check) => check()));
      return true;
    },
  });
}
