import type { Producer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { Redis } from 'ioredis';
import { DOSSIER_STATE_CHANGED_V1, topicsFor, type DeadlineEntryV1, type SlaAlertV1 } from '@tthc/contracts';
import { loseRedisKeys, probeKafka, requireEnv, sleep, startKafkaProbe, uniqueName, withDatabase } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';

export interface AlertMessage {
  key: string | null;
  type: string;
  id: string;
  data: SlaAlertV1;
}

/**
 * The SLA service in this process against the real Kafka, MongoDB and Redis, isolated by a
 * namespace (topics, database, queue prefix, consumer group), with a probe that publishes
 * snapshots and one that collects every alert.
 */
export async function startSla(env: Record<string, string> = {}, opts: { brokers?: string } = {}) {
  const namespace = uniqueName('sla');
  const brokers = opts.brokers ?? requireEnv('KAFKA_BROKERS');
  const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
  const topics = topicsFor(namespace);
  const baseEnv: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PORT: '0',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_NAMESPACE: namespace,
    MONGO_URL: mongoUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    QUEUE_PREFIX: namespace,
    CONSUMER_GROUP: `${namespace}-sla`,
    ...env,
  };
  const config = loadConfig(baseEnv);
  let app = createApp(config);
  let url = (await app.start()).url;
  const kafka = probeKafka(brokers);
  const producer: Producer = kafka.producer();
  await producer.connect();
  const probe = await startKafkaProbe({ kafka, topics: [topics.alerts, topics.deadLetter], groupId: `${namespace}-probe` });
  const onTopic = <T>(topic: string) => probe.messages.filter((m) => m.topic === topic).map((m) => ({ key: m.key, ...(m.value as unknown as T) }));
  const alerts = (): AlertMessage[] => onTopic<Omit<AlertMessage, 'key'>>(topics.alerts).map(({ key, type, id, data }) => ({ key, type, id, data }));
  const deadLetters = () => onTopic<{ type: string; data: { originalTopic: string; key: string | null; errorCode: string } }>(topics.deadLetter);
  const mongo: Connection = await mongoose.createConnection(mongoUrl).asPromise();
  const redis = new Redis(requireEnv('REDIS_URL'));

  return {
    /** The running instance (a new one after `restartApp`). */
    get app() {
      return app;
    },
    /** Base URL of the running instance's HTTP server. */
    get url() {
      return url;
    },
    namespace,
    topics,
    /** Every alert published so far. */
    get alerts() {
      return alerts();
    },
    /** Every dead letter so far. */
    get deadLetters() {
      return deadLetters();
    },
    mongo,
    alertsOf: (code: string) => alerts().filter((a) => a.data.dossierCode === code),
    async publishSnapshot(s: Snapshot) {
      const event = { specversion: '1.0', id: `${s.dossierCode}-r${s.revision}`, source: 'urn:tthc:workflow', type: DOSSIER_STATE_CHANGED_V1, time: new Date().toISOString(), data: s };
      await producer.send({ topic: topics.dossierState, messages: [{ key: s.dossierCode, value: JSON.stringify(event) }] });
    },
    async publishRaw(key: string, value: string) {
      await producer.send({ topic: topics.dossierState, messages: [{ key, value }] });
    },
    /**
     * Stops the instance and starts another on the same database, topics and queues: a restart,
     * or, with `whileStopped` leaving the state as a crash would, its replacement; `env`
     * changes the configuration of the new instance (a redeployment with another policy).
     */
    async restartApp(whileStopped?: () => Promise<void>, env: Record<string, string> = {}) {
      await app.stop();
      await whileStopped?.();
      app = createApp(Object.keys(env).length ? loadConfig({ ...baseEnv, ...env }) : config);
      url = (await app.start()).url;
      return app;
    },
    /** Deletes every Redis key of this test's queue prefix: the timers' Redis "lost its data". */
    async flushQueueKeys(): Promise<number> {
      return loseRedisKeys(redis, `${namespace}:`);
    },
    async stop() {
      await probe.stop().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await app.stop();
      await this.flushQueueKeys().catch(() => undefined);
      redis.disconnect();
      await mongo.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}

export type SlaHarness = Awaited<ReturnType<typeof startSla>>;

export interface Snapshot {
  dossierCode: string;
  subject?: 'dossier' | 'petition';
  agencyCode: string | null;
  procedureCode: string | null;
  phase: 'awaiting-reception' | 'open' | 'closed';
  statusCode: number | null;
  receivedAt: string | null;
  dueAt: string | null;
  deadlineVersion: number;
  closedAt: string | null;
  revision: number;
  /** Clock stopped (awaiting a supplement); absent reads as false, as in the contract. */
  paused?: boolean;
  deadlines?: DeadlineEntryV1[];
}

/** An open snapshot with the given deadline entries. */
export function openSnapshot(dossierCode: string, revision: number, deadlines: DeadlineEntryV1[], over: Partial<Snapshot> = {}): Snapshot {
  const main = deadlines.find((d) => d.key === 'dossier' || d.key.startsWith('petition:')) ?? deadlines[0];
  return {
    dossierCode,
    agencyCode: 'G01.001.000',
    procedureCode: '1.001234',
    phase: 'open',
    statusCode: 4,
    receivedAt: new Date().toISOString(),
    dueAt: main?.dueAt ?? null,
    deadlineVersion: main?.version ?? 0,
    closedAt: null,
    revision,
    deadlines,
    ...over,
  };
}

export function entry(over: Partial<DeadlineEntryV1> & Pick<DeadlineEntryV1, 'dueAt'>): DeadlineEntryV1 {
  return {
    key: 'dossier',
    kind: 'dossier',
    version: 1,
    status: 'open',
    agencyCode: 'G01.001.000',
    label: null,
    legalBasis: 'ND 118/2025/NĐ-CP; QĐ 766/QĐ-TTg',
    warn: false,
    escalate: false,
    ...over,
  };
}

export const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * One agency's portal handing over its history, oldest first, as workflow's snapshots: instants
 * are days before now. The agency is the caller's alone, since other tests' snapshots name
 * today's instants.
 */
export function portalHistory(h: SlaHarness, agencyCode: string) {
  const DAY = 86_400_000;
  const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();
  let filler = 0;
  /** A subject of the history with no deadline of its own, received `days` ago. */
  const fact = (days: number) => h.publishSnapshot(openSnapshot(`${agencyCode}-H${(filler += 1)}-${Date.now()}`, 1, [], { agencyCode, receivedAt: daysAgo(days) }));
  return {
    daysAgo,
    fact,
    /** One fact a second, from `fromDays` ago down to (not including) `toDays` ago, a day apart. */
    async run(fromDays: number, toDays: number) {
      for (let days = fromDays; days > toDays; days -= 1) {
        await fact(days);
        await sleep(1000);
      }
    },
    /** A dossier received `receivedDays` ago, due `dueDays` ago and still open. */
    pastDue: (code: string, receivedDays: number, dueDays: number) => openSnapshot(code, 1, [entry({ dueAt: daysAgo(dueDays), agencyCode })], { agencyCode, receivedAt: daysAgo(receivedDays) }),
    /** The same dossier resolved `closedDays` ago, which met the deadline due `dueDays` ago. */
    resolved: (code: string, receivedDays: number, dueDays: number, closedDays: number) =>
      openSnapshot(code, 2, [entry({ dueAt: daysAgo(dueDays), agencyCode, status: 'met' })], { agencyCode, receivedAt: daysAgo(receivedDays), phase: 'closed', closedAt: daysAgo(closedDays) }),
  };
}

/** A counter of the instance as /metrics shows it, summed over the series matching `labels` (0 before any increment). */
export async function counterValue(h: SlaHarness, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = h.app.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
}
