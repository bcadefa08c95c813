import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { uniqueName } from '@tthc/testkit';

export interface CollectedMessage {
  key: string | null;
  value: { type?: string; data?: Record<string, unknown> } & Record<string, unknown>;
}

/** Every message of a topic from its beginning, parsed, for assertions. */
export async function collectTopic(kafka: Kafka, topic: string): Promise<{ messages: CollectedMessage[]; stop(): Promise<void> }> {
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('probe') });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const raw = message.value?.toString('utf8') ?? 'null';
      messages.push({ key: message.key?.toString('utf8') ?? null, value: JSON.parse(raw) as CollectedMessage['value'] });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

export function probeKafka(brokers: string): Kafka {
  return new Kafka({ clientId: uniqueName('wf-probe'), brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

/** A CloudEvent of any inbound or alert type. */
export function cloudEvent(type: string, data: Record<string, unknown>, time = new Date().toISOString()) {
  return { specversion: '1.0', id: randomUUID(), source: 'urn:portal:workflow-test', type, time, data };
}
