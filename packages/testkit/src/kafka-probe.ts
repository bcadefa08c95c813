import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { uniqueName } from './isolation';

export interface CollectedMessage {
  key: string | null;
  /** The value parsed as JSON; a value that is not JSON (a poison message) is kept as text. */
  value: { type?: string; data?: Record<string, unknown> } & Record<string, unknown>;
  /** The raw value, for decoders such as a CloudEvents Kafka binding. */
  raw: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
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

/** Every message of a topic from its beginning, collected as it arrives, for assertions. */
export async function collectTopic(kafka: Kafka, topic: string): Promise<{ messages: CollectedMessage[]; stop(): Promise<void> }> {
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('probe') });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const text = message.value?.toString('utf8') ?? null;
      let value: unknown = text;
      try {
        value = text === null ? null : JSON.parse(text);
      } catch {
        // Kept as text: poison messages are collected too.
      }
      const headers: Record<string, string> = {};
      for (const [name, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[name] = Array.isArray(v) ? String(v[0]) : String(v);
      messages.push({ key: message.key?.toString('utf8') ?? null, value: value as CollectedMessage['value'], raw: message.value, headers, partition, offset: message.offset });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
