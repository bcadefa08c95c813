/**
 * A broker that stalls (a stopped process: its port still accepts connections, nothing answers)
 * while a producer first asks for a topic's partitions. kafkajs 2.2.4 then keeps a client whose
 * version request timed out as connected for good, and every later call on it throws "Broker not
 * connected": the outage must delay the sends, never stop them until the service restarts (seen
 * on the `npm start` stack: sla's stored alerts were never published after a 25 s freeze).
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { startOutageBroker, waitFor, type OutageBroker } from '@tthc/testkit';
import { createKafka, createProducer, ensureTopics } from './kafka-client';
import { createKafkaRuntime } from './kafka-runtime';

describe('a producer across a frozen broker', () => {
  let broker: OutageBroker;
  beforeAll(async () => {
    broker = await startOutageBroker();
  }, 600_000);
  afterAll(async () => {
    await broker?.dispose();
  }, 60_000);

  test('when the broker freezes before the first send to a topic and thaws, then sends to that topic succeed again', async () => {
    const logger = pino({ level: 'silent' });
    const kafka = createKafka({ clientId: `frozen-${randomUUID()}`, brokers: [broker.brokers], logger, requestTimeoutMs: 2_000 });
    const topic = `frozen.${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic], { partitions: 2 });
    await admin.disconnect();
    const producer = createProducer(kafka, { retries: 1 });
    await producer.connect();
    const send = (n: number) => producer.send({ topic, acks: -1, messages: [{ key: `k${n}`, value: String(n) }] });
    try {
      broker.freeze();
      // Fails (or hangs until the thaw): what matters is what the clients keep afterwards.
      const during = send(0).then(
        () => 'sent',
        (err: Error) => err.message,
      );
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      broker.thaw();
      await during;

      const errors: string[] = [];
      await waitFor(
        'a send after the thaw',
        async () => {
          try {
            await send(1);
            return true;
          } catch (err) {
            errors.push((err as Error).message);
            return false;
          }
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the sends failed with: ${[...new Set(errors)].join(' | ')}`);
      });
      // And the next one too: the recovery holds.
      await expect(send(2)).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ topicName: topic })]));
    } finally {
      broker.thaw();
      await producer.disconnect();
    }
  }, 180_000);

  test('when the readiness client reconnects while the broker is frozen, then readiness recovers after the thaw', async () => {
    const runtime = createKafkaRuntime({ clientId: `frozen-ready-${randomUUID()}`, brokers: [broker.brokers], logger: pino({ level: 'silent' }), requestTimeoutMs: 2_000 });
    await runtime.connect([]);
    await runtime.check();
    // As when the broker closes an idle connection (connections.max.idle.ms): the next check connects anew.
    await runtime.admin.disconnect();
    try {
      broker.freeze();
      await expect(runtime.check()).rejects.toThrow();
      broker.thaw();
      const errors: string[] = [];
      await waitFor(
        'readiness after the thaw',
        () =>
          runtime.check().then(
            () => true,
            (err: Error) => Boolean(errors.push(err.message)) && false,
          ),
        { timeoutMs: 60_000, intervalMs: 1_000 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the checks failed with: ${[...new Set(errors)].join(' | ')}`);
      });
    } finally {
      broker.thaw();
      await runtime.disconnect();
    }
  }, 180_000);
});
