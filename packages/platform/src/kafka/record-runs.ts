import type { Producer, ProducerBatch, TopicMessages } from 'kafkajs';

/**
 * Kafka refuses a record batch over its `message.max.bytes` (1 MiB by default) whole, and a
 * producer writes one batch per partition and request. Records that share a key share a
 * partition, so a burst about one subject (a backlog's alerts, its snapshots) can pass the limit
 * in a single partition however many partitions the topic has. Requests of at most this many
 * bytes of keys and values cannot.
 */
export const MAX_PRODUCE_REQUEST_BYTES = 512 * 1024;

/** Consecutive runs of `records` of at most `maxBytes` of keys and values each (a larger record alone). */
export function inRunsOfBytes<R extends { key?: string | Buffer | null; value: string | Buffer | null }>(records: readonly R[], maxBytes: number = MAX_PRODUCE_REQUEST_BYTES): R[][] {
  const runs: R[][] = [];
  let run: R[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = Buffer.byteLength(r.key ?? '') + Buffer.byteLength(r.value ?? '');
    if (run.length > 0 && bytes + size > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(r);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * `producer.sendBatch(batch)`, as one request when every topic's messages fit in one run, and
 * otherwise as one request per run, topic after topic, each acknowledged before the next.
 */
export async function sendBatchInRuns(producer: Pick<Producer, 'sendBatch'>, batch: ProducerBatch & { topicMessages: TopicMessages[] }, maxBytes = MAX_PRODUCE_REQUEST_BYTES): Promise<void> {
  const topics = batch.topicMessages.map((t) => ({ topic: t.topic, runs: inRunsOfBytes(t.messages, maxBytes) }));
  if (topics.every((t) => t.runs.length <= 1)) {
    await producer.sendBatch(batch);
    return;
  }
  for (const t of topics) for (const messages of t.runs) await producer.sendBatch({ ...batch, topicMessages: [{ topic: t.topic, messages }] });
}
