import { asBatch, partitionCounts, sendVerified, type PartitionCounts } from './verified-send';
import { settlingLog } from './settling-log';
import {
  ConfigResourceTypes,
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type LogEntry,
  type Producer,
  type ProducerBatch,
  type ProducerConfig,
  type ProducerRecord,
  type RecordMetadata,
} from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaConfig {
  clientId: string;
  brokers: string[];
  logger: Logger;
  /** How long a request waits for the broker; kept short so HTTP callers get a fast 503. */
  requestTimeoutMs?: number;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// kafkajs warns about this whenever an idempotent producer has a finite retry count. Finite retries
// are deliberate here (a send must fail in bounded time), and createProducer replaces the producer
// identity after a failed send, which is the hazard the warning is about; repeating it at every
// start would only teach operators to ignore warnings.
const HANDLED_KAFKAJS_WARNINGS = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

export function createKafka(cfg: KafkaConfig): Kafka {
  const log = cfg.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    connectionTimeout: 3000,
    requestTimeout: cfg.requestTimeoutMs ?? 10_000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => {
      const settling = settlingLog();
      return ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        if (HANDLED_KAFKAJS_WARNINGS.has(message)) return;
        const settled = settling(level, message, rest);
        if (settled) {
          const { stack: _stack, ...fields } = rest;
          return log[settled](fields, message);
        }
        log[levels[level] ?? 'info'](rest, message);
      };
    },
  });
}

/**
 * Default send retries. With a 3 s cap between attempts they span about 30 s. A crashed partition
 * leader keeps its partitions until the controller fences it: broker.session.timeout.ms (9 s by
 * default) after the crash, or after a new controller is elected when the crashed node was the
 * active controller too; the local 3-node cluster measured 9-13 s. The span lets a send ride that
 * out instead of failing (and pushing a retry onto every caller). Intake passes fewer: its HTTP
 * callers get a 503 within KAFKA_SEND_TIMEOUT_MS anyway.
 */
const DEFAULT_SEND_RETRIES = 13;

/**
 * The producer every service publishes with: acks = all (kafkajs' default, and every caller passes
 * -1 explicitly), idempotent and with a key-preserving partitioner, so one dossier's messages land
 * on one partition, in order, once each, even when a retry follows a lost acknowledgement.
 *
 * kafkajs 2.2.4 constraints on idempotence (src/producer/index.js, messageProducer.js): every send
 * must use acks -1 (anything else is refused), and retries must be at least 1. It needs no
 * `maxInFlightRequests: 1`: it already holds a per-broker lock around each produce request, so one
 * request per broker is in flight and sequence numbers cannot be reordered.
 *
 * A send that fails after its last retry may still have been written (an acknowledgement lost with
 * the connection). kafkajs then rolls its sequence number back and would give the same number to
 * the next batch of that partition: the broker either takes that batch for a duplicate and drops it
 * silently (same length), or answers OUT_OF_ORDER_SEQUENCE_NUMBER to every later send (kafkajs has
 * no recovery for that). So after a failed send the returned producer replaces its kafkajs producer
 * (a new producer id, sequences from 0) before the next send; a resend of the failed messages is
 * then at worst a duplicate, which consumers handle anyway. Sends already waiting inside kafkajs
 * when one fails still go out under the old identity: the rotation narrows the hazard to those.
 */
export function createProducer(kafka: Kafka, opts: { retries?: number } = {}): Producer {
  const config: ProducerConfig = {
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { initialRetryTime: 200, retries: Math.max(1, opts.retries ?? DEFAULT_SEND_RETRIES), maxRetryTime: 3000 },
  };
  return new RotatingProducer(() => kafka.producer(config), partitionCounts(() => kafka.admin()));
}

type Listener = Parameters<Producer['on']>;
const attach = (producer: Producer, args: Listener): (() => void) => (producer.on as (...a: Listener) => () => void)(...args);

/**
 * A kafkajs Producer that swaps in a fresh idempotent producer after a failed send (see
 * createProducer). The previous one is disconnected once its in-flight sends have settled.
 */
class RotatingProducer implements Producer {
  private current: Producer;
  private inflight = new Map<Producer, number>();
  private stale = false;
  private rotation: Promise<void> | undefined;
  private connected = false;
  private readonly listeners: { args: Listener; remove: () => void }[] = [];

  constructor(
    private readonly make: () => Producer,
    private readonly counts: PartitionCounts,
  ) {
    this.current = make();
  }

  get events(): Producer['events'] {
    return this.current.events;
  }

  async connect(): Promise<void> {
    await this.current.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    // A rotation still connecting (Kafka unreachable) is not waited for: it disconnects its own
    // producer when it sees this flag, so a shutdown never waits out a connection attempt.
    this.connected = false;
    await this.counts.close();
    await this.current.disconnect();
  }

  isIdempotent(): boolean {
    return this.current.isIdempotent();
  }

  logger(): ReturnType<Producer['logger']> {
    return this.current.logger();
  }

  transaction(): ReturnType<Producer['transaction']> {
    return this.current.transaction();
  }

  on(...args: Listener): ReturnType<Producer['on']> {
    // Kept so that a replacement producer gets the same listeners; the remover follows the swap.
    const entry = { args, remove: attach(this.current, args) };
    this.listeners.push(entry);
    return () => {
      entry.remove();
      this.listeners.splice(this.listeners.indexOf(entry), 1);
    };
  }

  // Both go through sendVerified: kafkajs may otherwise resolve a send that skipped partitions.
  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.through((p) => sendVerified((b) => p.sendBatch(b), asBatch(record), this.counts));
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.through((p) => sendVerified((b) => p.sendBatch(b), batch, this.counts));
  }

  private async through(call: (p: Producer) => Promise<RecordMetadata[]>): Promise<RecordMetadata[]> {
    if (this.stale && this.connected) {
      // Concurrent senders share one rotation; it is forgotten once settled, so a failed one is retried.
      this.rotation ??= this.rotate().finally(() => (this.rotation = undefined));
      await this.rotation;
    }
    const producer = this.current;
    this.inflight.set(producer, (this.inflight.get(producer) ?? 0) + 1);
    try {
      return await call(producer);
    } catch (err) {
      if (producer === this.current) this.stale = true;
      throw err;
    } finally {
      this.settle(producer);
    }
  }

  private async rotate(): Promise<void> {
    const next = this.make();
    // Connecting fails while Kafka is unreachable; the producer stays stale and the next send
    // tries again, so a caller sees the same error it would have seen from the send itself.
    try {
      await next.connect();
    } catch (err) {
      await next.disconnect().catch(() => undefined);
      throw err;
    }
    if (!this.connected) {
      await next.disconnect().catch(() => undefined);
      throw new Error('the producer was disconnected');
    }
    const previous = this.current;
    this.current = next;
    this.stale = false;
    for (const entry of this.listeners) {
      entry.remove();
      entry.remove = attach(next, entry.args);
    }
    if (!this.inflight.get(previous)) await previous.disconnect().catch(() => undefined);
  }

  private settle(producer: Producer): void {
    const left = (this.inflight.get(producer) ?? 1) - 1;
    if (left > 0) {
      this.inflight.set(producer, left);
      return;
    }
    this.inflight.delete(producer);
    if (producer !== this.current) void producer.disconnect().catch(() => undefined);
  }
}

/** Topic layout every service asks for; see ensureTopics. */
export interface TopicSettings {
  /** Partitions per topic (KAFKA_PARTITIONS). Existing topics with fewer are grown, never shrunk. */
  partitions?: number;
  /** Copies of each partition (KAFKA_REPLICATION_FACTOR), capped at the live brokers. */
  replicationFactor?: number;
  /** Copies an acks=all write needs (KAFKA_MIN_INSYNC_REPLICAS), capped at the replication factor. */
  minInsyncReplicas?: number;
}

export const DEFAULT_TOPIC_SETTINGS: Required<TopicSettings> = { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 };

export interface EnsureTopicsOptions extends TopicSettings {
  /** Receives the capping, growing and mismatch warnings. */
  logger?: Logger;
  /**
   * An admin client that talks to the one broker at this address (see brokerAdmins). Given,
   * ensureTopics returns only once every live broker lists the new partitions with leaders. On a
   * cluster a broker applies a new topic a moment after the controller: asked in between, it
   * answers UNKNOWN_TOPIC_OR_PARTITION, which makes a kafkajs consumer's subscribe fail.
   */
  adminFor?: (broker: string) => Admin;
}

/** EnsureTopicsOptions.adminFor for clients made with createKafka(cfg). */
export function brokerAdmins(cfg: KafkaConfig): (broker: string) => Admin {
  return (broker) => createKafka({ ...cfg, brokers: [broker] }).admin();
}

/** What ensureTopics applied, after capping. */
export interface EnsuredTopics {
  liveBrokers: number;
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  created: string[];
  /** Existing topics whose partition count was raised to `partitions`. */
  grown: string[];
}

// The capping warning is about the cluster, not about a topic: once per admin client is enough.
const cappingReported = new WeakSet<Admin>();

/**
 * Creates the topics that do not exist yet (waiting until each partition has a leader), with the
 * configured partitions, replication factor and min.insync.replicas, and grows existing topics to
 * the configured partition count.
 *
 * The replication factor is capped at the number of live brokers, so the single-broker dev and test
 * profiles keep working (replication factor 1, min.insync.replicas 1); the cap is logged as a
 * warning, because on a real cluster it means a broker was down when the topic was created. A
 * number instead of options is the partition count (older callers).
 */
export async function ensureTopics(admin: Admin, topics: string[], settings: number | EnsureTopicsOptions = {}): Promise<EnsuredTopics> {
  const opts: EnsureTopicsOptions = typeof settings === 'number' ? { partitions: settings } : settings;
  const log = opts.logger?.child({ component: 'kafka-topics' });
  const wanted = {
    partitions: opts.partitions ?? DEFAULT_TOPIC_SETTINGS.partitions,
    replicationFactor: opts.replicationFactor ?? DEFAULT_TOPIC_SETTINGS.replicationFactor,
    minInsyncReplicas: opts.minInsyncReplicas ?? DEFAULT_TOPIC_SETTINGS.minInsyncReplicas,
  };
  const cluster = (await admin.describeCluster()).brokers;
  const liveBrokers = cluster.length;
  const replicationFactor = Math.max(1, Math.min(wanted.replicationFactor, liveBrokers));
  const minInsyncReplicas = Math.max(1, Math.min(wanted.minInsyncReplicas, replicationFactor));
  if ((replicationFactor < wanted.replicationFactor || minInsyncReplicas < wanted.minInsyncReplicas) && !cappingReported.has(admin)) {
    cappingReported.add(admin);
    log?.warn(
      { liveBrokers, wanted, replicationFactor, minInsyncReplicas },
      `new topics get replication factor ${replicationFactor} and min.insync.replicas ${minInsyncReplicas}, below the configured ${wanted.replicationFactor}/${wanted.minInsyncReplicas}, because only ${liveBrokers} broker(s) answer`,
    );
  }
  const result: EnsuredTopics = { liveBrokers, partitions: wanted.partitions, replicationFactor, minInsyncReplicas, created: [], grown: [] };

  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        // kafkajs' own wait gives up on the first UNKNOWN_TOPIC_OR_PARTITION, which a broker that has
        // not yet applied the new metadata answers on a cluster; waitForLeaders below tolerates it.
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: wanted.partitions,
          replicationFactor,
          configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }],
        })),
      });
      result.created = missing;
    } catch (err) {
      // Another service may have created the same topic a moment ago.
      if (!/already exists/i.test((err as Error).message)) throw err;
    }
    await waitForLeaders(admin, missing, 1);
  }

  const present = topics.filter((t) => existing.has(t));
  if (present.length > 0) {
    result.grown = await growPartitions(admin, present, wanted.partitions, log);
    await reportWeakerTopics(admin, present, replicationFactor, minInsyncReplicas, log);
  }

  const changed = [...missing, ...result.grown];
  if (opts.adminFor && changed.length > 0 && liveBrokers > 1) {
    // Right after creation a broker may still answer "does not host this topic-partition".
    const { topics: metadata } = await retryWhileSettling(() => admin.fetchTopicMetadata({ topics: changed }));
    const partitions = Math.min(...metadata.map((t) => t.partitions.length));
    for (const broker of cluster) {
      const one = opts.adminFor(`${broker.host}:${broker.port}`);
      try {
        await one.connect();
        await waitForLeaders(one, changed, partitions);
      } finally {
        await one.disconnect().catch(() => undefined);
      }
    }
  }
  return result;
}

/**
 * Raises the partition count of topics created with fewer. New partitions change which partition a
 * key hashes to, so a subject's messages produced before and after may be read out of order until
 * the old partition is drained; workflow orders a subject's facts by event time, which absorbs it.
 */
async function growPartitions(admin: Admin, topics: string[], partitions: number, log: Logger | undefined): Promise<string[]> {
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
  const small = metadata.filter((t) => t.partitions.length < partitions);
  if (small.length === 0) return [];
  for (const t of small) {
    log?.warn(
      { topic: t.name, from: t.partitions.length, to: partitions },
      `growing topic ${t.name} from ${t.partitions.length} to ${partitions} partitions; keys move to other partitions, so messages of one key sent before and after may be consumed out of order once`,
    );
  }
  try {
    await admin.createPartitions({ topicPartitions: small.map((t) => ({ topic: t.name, count: partitions })) });
  } catch (err) {
    // Another instance grew the same topic first; the check below decides whether that sufficed.
    log?.info({ err: (err as Error).message }, 'creating partitions failed; checking whether another instance did it');
  }
  await waitForLeaders(admin, small.map((t) => t.name), partitions);
  return small.map((t) => t.name);
}

// Answers of a broker that has not applied the latest metadata yet, or of a partition between leaders.
const METADATA_CATCHING_UP = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER']);
const LEADER_WAIT_MS = 30_000;

/** Waits until each topic has at least `partitions` partitions, each with a leader. */
async function waitForLeaders(admin: Admin, topics: string[], partitions: number): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const waiting = metadata.filter((t) => t.partitions.length < partitions || t.partitions.some((p) => p.leader < 0));
      if (metadata.length === topics.length && waiting.length === 0) return;
      last = `waiting for ${waiting.map((t) => t.name).join(', ') || 'metadata of every topic'}`;
    } catch (err) {
      const type = (err as { type?: unknown }).type;
      if (typeof type !== 'string' || !METADATA_CATCHING_UP.has(type)) throw err;
      last = type;
    }
    if (Date.now() > deadline) {
      throw new Error(`topics ${topics.join(', ')} did not get ${partitions} partition(s) with leaders within ${LEADER_WAIT_MS / 1000} s (${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * An existing topic keeps the replication it was created with (changing it takes a partition
 * reassignment), so a topic created on a single broker stays unprotected on a cluster: say so.
 */
async function reportWeakerTopics(admin: Admin, topics: string[], replicationFactor: number, minInsyncReplicas: number, log: Logger | undefined): Promise<void> {
  if (!log) return;
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
  });
  for (const t of metadata) {
    const rf = Math.min(...t.partitions.map((p) => p.replicas.length));
    const minIsr = Number(configs.resources.find((r) => r.resourceName === t.name)?.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue ?? NaN);
    if (rf < replicationFactor || minIsr < minInsyncReplicas) {
      log.warn(
        { topic: t.name, replicationFactor: rf, minInsyncReplicas: minIsr, wanted: { replicationFactor, minInsyncReplicas } },
        `topic ${t.name} has replication factor ${rf} and min.insync.replicas ${minIsr}, below ${replicationFactor}/${minInsyncReplicas}; raise them with kafka-reassign-partitions and kafka-configs`,
      );
    }
  }
}

/**
 * Runs a kafkajs admin call again while it fails with an error kafkajs marks retriable (a
 * partition without a leader yet, a coordinator still loading): right after a topic is created or
 * a broker restarts, metadata lags for a moment, and an operator's command should ride that out
 * instead of failing. Other errors, and the last one, are thrown.
 */
export async function retryWhileSettling<T>(call: () => Promise<T>, opts: { tries?: number; delayMs?: number } = {}): Promise<T> {
  const tries = opts.tries ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const retriable = (err as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= tries) throw err;
      await new Promise((resolve) => setTimeout(resolve, (opts.delayMs ?? 200) * attempt));
    }
  }
}
