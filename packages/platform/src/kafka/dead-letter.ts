import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { cloudEventRecord, DEAD_LETTER_V1, type CloudEvent, type DeadLetterV1 } from '@tthc/contracts';

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
  await producer.send({ topic, acks: -1, messages: [cloudEventRecord(data.key, event)] });
  return data;
}

/** How much of a refused letter's value is kept: well under Kafka's default 1 MB record limit. */
export const DEAD_LETTER_VALUE_KEEP = 64 * 1024;

/**
 * The same letter with its value cut, for when Kafka refuses the whole one (a value near the
 * record limit grows past it once escaped into the letter). The original stays readable at
 * its topic, partition and offset for the topic's retention, which the reason says.
 */
export function shrinkDeadLetter<T extends Omit<DeadLetterV1, 'failedAt'>>(letter: T, keep = DEAD_LETTER_VALUE_KEEP): T {
  const size = letter.value?.length ?? 0;
  if (size <= keep) return letter;
  return {
    ...letter,
    value: letter.value!.slice(0, keep),
    reason: `${letter.reason} [value cut to ${keep} of ${size} characters: the dead letter was too large for Kafka; the original is at ${letter.originalTopic} ${letter.partition}/${letter.offset}]`,
  };
}
