import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { DEAD_LETTER_V1, type CloudEvent, type DeadLetterV1 } from '@tthc/contracts';

/**
 * Publishes one dead letter as a CloudEvent, keyed like the original message, acks = all: a
 * dead letter is the only copy of an event nobody could apply, so it must not be lost.
 */
export async function publishDeadLetter(producer: Producer, topic: string, letter: Omit<DeadLetterV1, 'failedAt'>): Promise<DeadLetterV1> {
  const data: DeadLetterV1 = { ...letter, failedAt: new Date().toISOString() };
  const event: CloudEvent<typeof DEAD_LETTER_V1, DeadLetterV1> = {
    specversion: '1.0',
    id: randomUUID(),
    source: `urn:tthc:${data.consumerGroup}`,
    type: DEAD_LETTER_V1,
    time: data.failedAt,
    data,
  };
  await producer.send({ topic, acks: -1, messages: [{ key: data.key, value: JSON.stringify(event) }] });
  return data;
}
