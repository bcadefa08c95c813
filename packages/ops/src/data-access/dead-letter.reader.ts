import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { deadLetterV1, type DeadLetterV1 } from '@tthc/contracts';
import { retryWhileSettling } from '@tthc/platform';

/** One message of the dead-letter topic; `letter` is absent when the message is not a dead-letter envelope. */
export interface DeadLetterMessage {
  partition: number;
  offset: string;
  /** Kafka timestamp of the dead-letter message (ms). */
  timestamp: number;
  letter?: DeadLetterV1;
  /** Why `letter` is absent. */
  unreadable?: string;
  /** The raw value, for messages that are not dead-letter envelopes. */
  raw: string | null;
}

export interface ReadOptions {
  /** Upper bound of the whole read; reaching it is an error, never a silent partial answer. */
  timeoutMs?: number;
}

export class ReadTimeoutError extends Error {}

function decode(value: Buffer | null): Pick<DeadLetterMessage, 'letter' | 'unreadable' | 'raw'> {
  const raw = value?.toString('utf8') ?? null;
  if (raw === null) return { raw, unreadable: 'message has no value' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { raw, unreadable: 'value is not JSON' };
  }
  // The platform's consumer runner wraps the dead letter in a CloudEvent; accept a bare one too.
  const candidate = typeof json === 'object' && json !== null && 'data' in json ? (json as { data: unknown }).data : json;
  const parsed = deadLetterV1.safeParse(candidate);
  return parsed.success ? { raw, letter: parsed.data } : { raw, unreadable: 'value is not a vn.tthc.dead-letter event' };
}

/**
 * Reads the topic from its beginning up to the end offsets it had when the read started. A
 * throwaway consumer group that never commits keeps every real group's offsets untouched;
 * kafkajs has no manual partition assignment, so a group is the only way to fetch.
 */
export async function readDeadLetters(kafka: Kafka, topic: string, opts: ReadOptions = {}): Promise<DeadLetterMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // No service has dead-lettered anything yet when the topic does not exist.
    if (!(await admin.listTopics()).includes(topic)) return [];
    // A fresh admin per attempt: kafkajs keeps stale partition leaders in a client's metadata
    // for minutes, so retrying on the same client would ask the same wrong broker.
    const offsets = await retryWhileSettling(async () => {
      const fresh = kafka.admin();
      await fresh.connect();
      try {
        return await fresh.fetchTopicOffsets(topic);
      } finally {
        await fresh.disconnect();
      }
    });
    const ends = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    if (ends.size === 0) return [];

    const groupId = `tthc-dlq-reader-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const messages: DeadLetterMessage[] = [];
    const taken = new Set<string>();
    const remaining = new Set(ends.keys());
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => fail(new ReadTimeoutError(`the dead-letter topic ${topic} was not read to its end within ${timeoutMs} ms (partitions left: ${[...remaining].join(', ')})`)), timeoutMs);
    consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));

    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = ends.get(batch.partition);
          if (end === undefined) return;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break;
            // A refetch after a retried batch must not list a message twice.
            if (taken.has(`${batch.partition}/${m.offset}`)) continue;
            taken.add(`${batch.partition}/${m.offset}`);
            messages.push({ partition: batch.partition, offset: m.offset, timestamp: Number(m.timestamp), ...decode(m.value) });
          }
          // lastOffset covers control records and compacted gaps that are never delivered.
          if (BigInt(batch.lastOffset()) + 1n >= end) {
            remaining.delete(batch.partition);
            if (remaining.size === 0) finish();
          }
        },
      });
      await done;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
      // Nothing was committed; removing the group keeps the cluster's group list clean.
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return messages.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
