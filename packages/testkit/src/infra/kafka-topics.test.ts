/**
 * The platform's topic layout and producer on the shared single-broker test infrastructure
 * (jest's globalSetup): replication capped so one broker keeps working, partitions grown but never
 * shrunk, and an idempotent producer that takes a new identity after a failed send.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { z } from 'zod';
import { createKafka, createProducer, ensureTopics, envVars, parseEnv, publishDeadLetter } from '@tthc/platform';
import { readTopic } from '../kafka-probe';

const runId = `${process.env.JEST_WORKER_ID ?? '0'}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;

function requireBrokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) throw new Error('KAFKA_BROKERS is not set; run this test through the root jest config (globalSetup)');
  return value.split(',');
}

/** A pino logger whose warnings the test can read. */
function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: string; msg: string });
      done();
    },
  });
  const logger = pino({ level: 'info', formatters: { level: (label) => ({ level: label }) } }, stream);
  return { logger, warnings: () => lines.filter((l) => l.level === 'warn').map((l) => l.msg) };
}

async function topicLayout(admin: Admin, topic: string) {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }] });
  return {
    partitions: topics[0]!.partitions.length,
    replicas: Math.max(...topics[0]!.partitions.map((p) => p.replicas.length)),
    minInsyncReplicas: resources[0]!.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue,
  };
}

const brokers = requireBrokers();
const kafka = new Kafka({ clientId: `kafka-topics-test-${runId}`, brokers, logLevel: logLevel.NOTHING });
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
});

describe('ensureTopics on a single broker', () => {
  test('when topics are ensured with the defaults, then they get 6 partitions, replication factor and min.insync.replicas are capped at 1, and the cap is logged once', async () => {
    expect((await admin.describeCluster()).brokers).toHaveLength(1);
    const { logger, warnings } = recordingLogger();
    const first = `topics.capped-a.${runId}`;
    const second = `topics.capped-b.${runId}`;

    const applied = await ensureTopics(admin, [first], { logger });
    await ensureTopics(admin, [second], { logger, replicationFactor: 3, minInsyncReplicas: 2 });

    expect(applied).toMatchObject({ liveBrokers: 1, partitions: 6, replicationFactor: 1, minInsyncReplicas: 1, created: [first] });
    expect(await topicLayout(admin, first)).toEqual({ partitions: 6, replicas: 1, minInsyncReplicas: '1' });
    expect(await topicLayout(admin, second)).toEqual({ partitions: 6, replicas: 1, minInsyncReplicas: '1' });
    expect(warnings().filter((w) => /replication factor 1 and min\.insync\.replicas 1, below the configured 3\/2/.test(w))).toHaveLength(1);
  });

  test('when an existing topic has fewer partitions than configured, then it is grown and the growth is logged; when it has more, then it keeps them', async () => {
    const topic = `topics.grow.${runId}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
    const { logger, warnings } = recordingLogger();

    const grown = await ensureTopics(admin, [topic], { logger, partitions: 12 });
    const kept = await ensureTopics(admin, [topic], { logger, partitions: 3 });

    expect(grown.grown).toEqual([topic]);
    expect(kept.grown).toEqual([]);
    expect((await topicLayout(admin, topic)).partitions).toBe(12);
    expect(warnings().filter((w) => w.startsWith(`growing topic ${topic} from 2 to 12 partitions`))).toHaveLength(1);
  });

  test('when a partition count is passed as a number (older callers), then topics are created with it', async () => {
    const topic = `topics.number.${runId}`;
    await ensureTopics(admin, [topic], 2);
    expect((await topicLayout(admin, topic)).partitions).toBe(2);
  });
});

describe('topic settings configuration', () => {
  const schema = z.object({
    KAFKA_PARTITIONS: envVars.kafkaPartitions,
    KAFKA_REPLICATION_FACTOR: envVars.kafkaReplicationFactor,
    KAFKA_MIN_INSYNC_REPLICAS: envVars.kafkaMinInsyncReplicas,
  });

  test('when the topic variables are unset, then the defaults are 6 partitions, replication 3 and min.insync.replicas 2', () => {
    expect(parseEnv(schema, {}, 'svc')).toEqual({ KAFKA_PARTITIONS: 6, KAFKA_REPLICATION_FACTOR: 3, KAFKA_MIN_INSYNC_REPLICAS: 2 });
    expect(parseEnv(schema, { KAFKA_PARTITIONS: '12' }, 'svc').KAFKA_PARTITIONS).toBe(12);
  });

  test('when a topic variable is not a positive whole number, then the error names that variable', () => {
    expect(() => parseEnv(schema, { KAFKA_PARTITIONS: 'six', KAFKA_REPLICATION_FACTOR: '0', KAFKA_MIN_INSYNC_REPLICAS: '1.5' }, 'svc')).toThrow(
      /KAFKA_PARTITIONS[\s\S]*KAFKA_REPLICATION_FACTOR: must be at least 1[\s\S]*KAFKA_MIN_INSYNC_REPLICAS: must be a whole number/,
    );
  });
});

describe('createProducer', () => {
  /** Producer id and first sequence of the record batch a message came in (kafkajs leaves them untyped). */
  function batchOf(message: KafkaMessage): { producerId?: string; firstSequence?: number } {
    return (message as { batchContext?: { producerId?: string; firstSequence?: number } }).batchContext ?? {};
  }

  test('when a dead letter and a replay batch go through the idempotent producer (acks -1), then both arrive', async () => {
    const topic = `topics.dlq.${runId}`;
    await ensureTopics(admin, [topic], 1);
    const producer = createProducer(createKafka({ clientId: `dlq-${runId}`, brokers, logger: pino({ level: 'silent' }) }));
    await producer.connect();
    try {
      await publishDeadLetter(producer, topic, { originalTopic: 'x', partition: 0, offset: '7', key: 'k', value: 'not json', consumerGroup: 'g', reason: 'malformed', errorCode: 'malformed-json' });
      // The shape the dead-letter replayer (packages/ops) sends.
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ key: 'k', value: 'replayed', headers: { 'tthc-replayed-from': `${topic}/0/0` } }] }] });
    } finally {
      await producer.disconnect();
    }

    const values = (await readTopic({ kafka, topic, atLeast: 2 })).map((m) => m.raw?.toString() ?? '');

    expect(JSON.parse(values[0]!)).toMatchObject({ type: 'vn.tthc.dead-letter', data: { offset: '7', errorCode: 'malformed-json' } });
    expect(values[1]).toBe('replayed');
  });

  test('when a send is refused, then the next send goes out under a new idempotent producer id and both good messages arrive once', async () => {
    const topic = `topics.rotate.${runId}`;
    await ensureTopics(admin, [topic], 1);
    const producer = createProducer(createKafka({ clientId: `rotate-${runId}`, brokers, logger: pino({ level: 'silent' }) }), { retries: 1 });
    await producer.connect();
    try {
      expect(producer.isIdempotent()).toBe(true);
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'before' }] });
      // Larger than the broker's message.max.bytes (1 MiB): refused, nothing written.
      await expect(producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'x'.repeat(1_200_000) }] })).rejects.toThrow();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'after' }] });
    } finally {
      await producer.disconnect();
    }

    const received = (await readTopic({ kafka, topic, atLeast: 2 })).map((m) => ({ value: m.raw?.toString() ?? '', ...batchOf(m.message) }));

    expect(received.map((r) => r.value)).toEqual(['before', 'after']);
    const [before, after] = received;
    expect(before!.producerId).toMatch(/^\d+$/);
    expect(after!.producerId).toMatch(/^\d+$/);
    expect(after!.producerId).not.toBe(before!.producerId);
    expect(after!.firstSequence).toBe(0);
  });
});
