import type { Admin, Message, ProducerBatch, ProducerRecord, RecordMetadata, TopicMessages } from 'kafkajs';
import { AppError } from '../errors';
import { partitionOfKey } from './key-partition';

/**
 * kafkajs 2.2.4 can resolve a send although the messages of some partitions were never written.
 * When a broker fails during a send and the partitions it led move to a broker that has already
 * answered, the retry only goes to brokers without an answer, so those partitions are skipped and
 * the promise still resolves. Measured on the local three-broker cluster: after a full restart, 72
 * of 400 acknowledged messages were missing, with or without idempotence, and the fault suite
 * lost 124 events that intake had answered 202 for.
 *
 * Every send therefore names each message's partition itself (the murmur2 of kafkajs' default
 * partitioner over the topic's partition count, so keys land where they always did) and checks
 * that the answer lists every partition it wrote to; the messages of a partition missing from
 * the answer are sent again. A resend of something that was written after all is a duplicate,
 * which every consumer handles; a silent gap is what must never happen.
 */
export interface PartitionCounts {
  /** Partitions of the topic, cached briefly: topics only grow at a service's start. */
  of(topic: string): Promise<number>;
  close(): Promise<void>;
}

const COUNT_TTL_MS = 30_000;

export function partitionCounts(makeAdmin: () => Admin): PartitionCounts {
  let admin: Admin | null = null;
  let connecting: Promise<Admin> | null = null;
  const cache = new Map<string, { count: number; at: number }>();
  const connected = () => {
    connecting ??= (async () => {
      const a = makeAdmin();
      try {
        await a.connect();
      } catch (err) {
        connecting = null;
        await a.disconnect().catch(() => undefined);
        throw err;
      }
      admin = a;
      return a;
    })();
    return connecting;
  };
  // kafkajs 2.2.4 counts a client whose version handshake timed out (a broker that accepts the
  // connection and does not answer: stalled, or stopped) as connected from then on, and fails
  // every later call on it with "Broker not connected". So a client that failed a call is
  // dropped and the next call connects a fresh one: after an outage the counts come back
  // instead of failing every send until the service restarts (frozen-broker.test.ts).
  const discard = async (a: Admin) => {
    if (admin === a) {
      admin = null;
      connecting = null;
    }
    await a.disconnect().catch(() => undefined);
  };
  return {
    async of(topic) {
      const hit = cache.get(topic);
      if (hit && Date.now() - hit.at < COUNT_TTL_MS) return hit.count;
      // A broker learns a new topic a moment after the controller: ask again before giving up.
      for (let attempt = 0; ; attempt++) {
        const a = await connected();
        const { topics } = await a.fetchTopicMetadata({ topics: [topic] }).catch(async (err: unknown) => {
          await discard(a);
          if (attempt >= 10) throw err;
          return { topics: [] };
        });
        const count = topics[0]?.partitions.length ?? 0;
        if (count > 0) {
          cache.set(topic, { count, at: Date.now() });
          return count;
        }
        if (attempt >= 10) throw new AppError('kafka-unavailable', `topic ${topic} has no partitions yet`, { retriable: true });
        await sleep(100 * (attempt + 1));
      }
    },
    async close() {
      const a = admin;
      admin = null;
      connecting = null;
      await a?.disconnect().catch(() => undefined);
    },
  };
}

/** The partition kafkajs' default partitioner gives a message; keyless ones are spread by position. */
function place(count: number, messages: Message[]): Message[] {
  const offset = Math.floor(Math.random() * count);
  return messages.map((message, i) => {
    if (message.partition !== undefined && message.partition !== null) return message;
    const partition = message.key !== undefined && message.key !== null ? partitionOfKey(message.key, count) : (offset + i) % count;
    return { ...message, partition };
  });
}

const RESEND_ATTEMPTS = 5;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Kafka refuses a record batch over its `message.max.bytes` (1 MiB by default) in a partition,
 * whole, and a producer writes one batch per partition and request. Messages that share a key
 * share a partition, so a burst about one subject (a backlog's alerts, a portal's request about
 * one dossier) passed the limit however many partitions the topic had, and was refused again on
 * every retry: the alert relay retried the same alerts for ever, intake answered 503 to a valid
 * batch. No request gives a partition more than this many bytes of keys and values.
 */
export const MAX_PARTITION_BYTES_PER_REQUEST = 512 * 1024;

/**
 * The placed batch as consecutive requests in which no partition gets more than `maxBytes` (a
 * larger message goes with nothing else of its partition). Sent one after the other, each
 * partition's messages keep their order.
 */
export function inRequestsOfBytes(topicMessages: readonly TopicMessages[], maxBytes = MAX_PARTITION_BYTES_PER_REQUEST): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let request = new Map<string, Message[]>();
  let bytes = new Map<string, number>();
  const close = () => {
    if (request.size > 0) requests.push([...request].map(([topic, messages]) => ({ topic, messages })));
    request = new Map();
    bytes = new Map();
  };
  for (const t of topicMessages) {
    for (const m of t.messages) {
      const slot = `${t.topic}\n${m.partition}`;
      const size = Buffer.byteLength(m.key ?? '') + Buffer.byteLength(m.value ?? '');
      const held = bytes.get(slot) ?? 0;
      if (held > 0 && held + size > maxBytes) close();
      bytes.set(slot, (bytes.get(slot) ?? 0) + size);
      const messages = request.get(t.topic);
      if (messages) messages.push(m);
      else request.set(t.topic, [m]);
    }
  }
  close();
  return requests;
}

/**
 * Sends the batch, in requests under Kafka's per-partition limit (`inRequestsOfBytes`), and
 * resends what an answer leaves out, until every partition written to is acknowledged. Throws a
 * retriable `kafka-unavailable` error when partitions stay unacknowledged, so callers treat it
 * like Kafka being away.
 */
export async function sendVerified(send: (batch: ProducerBatch) => Promise<RecordMetadata[]>, batch: ProducerBatch, counts: PartitionCounts, onResend?: (missing: number) => void): Promise<RecordMetadata[]> {
  const placed = await Promise.all((batch.topicMessages ?? []).map(async (t) => ({ topic: t.topic, messages: place(await counts.of(t.topic), t.messages) })));
  const answers: RecordMetadata[] = [];
  for (const request of inRequestsOfBytes(placed)) answers.push(...(await sendAcknowledged(send, batch, request, onResend)));
  return answers;
}

async function sendAcknowledged(send: (batch: ProducerBatch) => Promise<RecordMetadata[]>, batch: ProducerBatch, request: TopicMessages[], onResend?: (missing: number) => void): Promise<RecordMetadata[]> {
  let pending = request;
  const answers: RecordMetadata[] = [];
  for (let attempt = 0; ; attempt++) {
    const answer = await send({ ...batch, topicMessages: pending });
    answers.push(...answer);
    const written = new Set(answer.filter((r) => r.errorCode === 0).map((r) => `${r.topicName}\n${r.partition}`));
    pending = pending
      .map((t) => ({ topic: t.topic, messages: t.messages.filter((m) => !written.has(`${t.topic}\n${m.partition}`)) }))
      .filter((t) => t.messages.length > 0);
    if (pending.length === 0) return answers;
    const missing = pending.reduce((n, t) => n + t.messages.length, 0);
    onResend?.(missing);
    if (attempt + 1 >= RESEND_ATTEMPTS) {
      const where = pending.map((t) => `${t.topic} [${[...new Set(t.messages.map((m) => m.partition))].join(', ')}]`).join('; ');
      throw new AppError('kafka-unavailable', `Kafka acknowledged no write of ${missing} message(s) to ${where}`, { retriable: true });
    }
    await sleep(200 * 2 ** attempt);
  }
}

/** The single-topic form of a send, as a batch. */
export function asBatch(record: ProducerRecord): ProducerBatch {
  const { topic, messages, ...rest } = record;
  return { ...rest, topicMessages: [{ topic, messages }] };
}
