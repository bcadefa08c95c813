import { Kafka, logLevel, type KafkaMessage, type Producer } from 'kafkajs';
import { uniqueName } from './isolation';
import { waitFor } from './wait-for';

export interface CollectedMessage {
  topic: string;
  key: string | null;
  /** The value parsed as JSON; a value that is not JSON (a poison message) is kept as text. */
  value: { type?: string; data?: Record<string, unknown> } & Record<string, unknown>;
  /** The raw value, for decoders such as a CloudEvents Kafka binding. */
  raw: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
  /** The kafkajs message itself, for what the fields above leave out (such as its batch's producer id). */
  message: KafkaMessage;
}

/** A kafkajs client that logs nothing, for tests that read or write topics directly. */
export function probeKafka(brokers: string): Kafka {
  return new Kafka({ clientId: uniqueName('probe'), brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

/**
 * A producer for tests that count what arrives: idempotent, so a send retried after a leader change
 * (common right after topic creation) cannot write a record twice and make a count off by one.
 */
export function probeProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
}

export interface KafkaProbeOptions {
  /** The client to read with (one with its own retry policy, say); otherwise a quiet one on `brokers`. */
  kafka?: Kafka;
  brokers?: string;
  topics: string | string[];
  /** Defaults to true: a probe started after the code under test has written must still see it. */
  fromBeginning?: boolean;
  /** Defaults to a fresh group, so every probe reads every message. */
  groupId?: string;
}

export interface KafkaProbe {
  /** Every message collected so far, in arrival order. */
  readonly messages: CollectedMessage[];
  /** Resolves with what `found` returns once it is neither `undefined` nor `false`; fails after the timeout. */
  waitFor<T>(description: string, found: (messages: CollectedMessage[]) => T | undefined | false, opts?: { timeoutMs?: number }): Promise<T>;
  stop(): Promise<void>;
}

function collected(topic: string, partition: number, message: KafkaMessage): CollectedMessage {
  const text = message.value?.toString('utf8') ?? null;
  let value: unknown = text;
  try {
    value = text === null ? null : JSON.parse(text);
  } catch {
    // Kept as text: poison messages are collected too.
  }
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[name] = Array.isArray(v) ? String(v[0]) : String(v);
  return { topic, key: message.key?.toString('utf8') ?? null, value: value as CollectedMessage['value'], raw: message.value, headers, partition, offset: message.offset, message };
}

/** A consumer of its own group that collects every message of the topics as it arrives, for assertions. */
export async function startKafkaProbe(opts: KafkaProbeOptions): Promise<KafkaProbe> {
  if (!opts.kafka && !opts.brokers) throw new Error('startKafkaProbe needs kafka or brokers');
  const kafka = opts.kafka ?? probeKafka(opts.brokers!);
  const consumer = kafka.consumer({ groupId: opts.groupId ?? uniqueName('probe') });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: Array.isArray(opts.topics) ? opts.topics : [opts.topics], fromBeginning: opts.fromBeginning ?? true });
  await consumer.run({ eachMessage: async ({ topic, partition, message }) => void messages.push(collected(topic, partition, message)) });
  return {
    messages,
    waitFor: (description, found, waitOpts = {}) => waitFor(description, () => found(messages), waitOpts),
    stop: () => consumer.disconnect(),
  };
}

/** Every message of one topic from its beginning, collected as it arrives: `startKafkaProbe` on one topic. */
export function collectTopic(kafka: Kafka, topic: string): Promise<KafkaProbe> {
  return startKafkaProbe({ kafka, topics: topic });
}

/** Reads a topic from its beginning until `atLeast` messages arrived, then stops reading. */
export async function readTopic(opts: Omit<KafkaProbeOptions, 'topics'> & { topic: string; atLeast: number; timeoutMs?: number }): Promise<CollectedMessage[]> {
  const probe = await startKafkaProbe({ ...opts, topics: opts.topic });
  try {
    await probe.waitFor(`${opts.atLeast} messages on ${opts.topic}`, (messages) => messages.length >= opts.atLeast, { timeoutMs: opts.timeoutMs ?? 30_000 });
  } finally {
    await probe.stop();
  }
  return probe.messages;
}
