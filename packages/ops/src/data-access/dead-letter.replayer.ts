import type { Producer } from 'kafkajs';
import type { DeadLetterV1 } from '@tthc/contracts';

export const REPLAYED_FROM_HEADER = 'tthc-replayed-from';

export interface Replay {
  partition: number;
  offset: string;
  letter: DeadLetterV1;
}

/** Where a replayed message came from: `<dead-letter topic>/<partition>/<offset>`. */
export function replayedFrom(deadLetterTopic: string, r: Pick<Replay, 'partition' | 'offset'>): string {
  return `${deadLetterTopic}/${r.partition}/${r.offset}`;
}

/**
 * Publishes each original value to its original topic with its original key (so it lands on the
 * same partition as the subject's other messages), in chunks, acks = all. `onChunk` reports
 * progress after every acknowledged chunk.
 */
export async function replayDeadLetters(
  producer: Producer,
  deadLetterTopic: string,
  replays: Replay[],
  onChunk: (done: number, total: number) => void,
  chunkSize = 100,
): Promise<void> {
  for (let start = 0; start < replays.length; start += chunkSize) {
    const chunk = replays.slice(start, start + chunkSize);
    const byTopic = new Map<string, Replay[]>();
    for (const r of chunk) byTopic.set(r.letter.originalTopic, [...(byTopic.get(r.letter.originalTopic) ?? []), r]);
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, rs]) => ({
        topic,
        messages: rs.map((r) => ({ key: r.letter.key, value: r.letter.value, headers: { [REPLAYED_FROM_HEADER]: replayedFrom(deadLetterTopic, r) } })),
      })),
    });
    onChunk(start + chunk.length, replays.length);
  }
}
