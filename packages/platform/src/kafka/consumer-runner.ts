import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { PoisonMessageError } from '../errors';
import { sharedCounter, sharedGauge, type Metrics } from '../metrics';
import { publishDeadLetter, shrinkDeadLetter } from './dead-letter';
import { classifyFailure, type FailureClass } from './failure-class';

// Re-exported here so services and tests reach the classifier through the package entry point.
export { classifyFailure, DEPENDENCY_ERROR_CODES, type FailureClass, type FailureKind } from './failure-class';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  /** Producer used for dead letters; shared with the service's own publishing. */
  producer: Producer;
  logger: Logger;
  metrics: Metrics;
  handle(msg: ConsumedMessage): Promise<void>;
  /**
   * Handles the messages of one key fetched together (in order) in one go, so that a subject's
   * several facts cost one read and one write. Answers each message's fate: `ok`, or the error
   * `handle` would have thrown for it. A message whose error is not poison, and every one after
   * it, goes through `handle` one by one (retries, pause); so does the whole lane if this throws.
   */
  handleLane?(msgs: readonly ConsumedMessage[]): Promise<ReadonlyArray<{ ok: true } | { error: unknown }>>;
  /**
   * How many message keys (dossiers) are handled at once within a fetched batch. Messages of
   * one key stay strictly in order; different keys do not wait for each other's round trips.
   * @defaultValue 1
   */
  concurrency?: number;
  /**
   * How many partitions' batches are handled at the same time. Their lanes add up, so handlers
   * that batch their round trips see bigger batches.
   * @defaultValue 1
   */
  partitionsConcurrently?: number;
  /**
   * Bytes one fetch may bring per partition. Larger batches put more of a key's messages in one
   * lane; the fetch as a whole may bring this much for every partition handled at once.
   * @defaultValue 8 MiB (kafkajs alone: 1 MiB)
   */
  fetchBytesPerPartition?: number;
  /**
   * Whether the dependencies the handler needs answer (e.g. a MongoDB ping). Probed while
   * consumption is paused for an unavailable dependency; consumption resumes once it says true.
   * @defaultValue resume after each backoff and let the message itself tell
   */
  dependenciesReady?: () => Promise<boolean>;
  /**
   * Tries for a failure that is neither known poison nor a known outage before the message is
   * dead-lettered (when the dependencies still answer).
   * @defaultValue 3
   */
  unknownFailureTries?: number;
  /** First wait between those tries; doubles each time. @defaultValue 100 */
  retryBackoffMs?: number;
  /** Waits between health probes while paused: doubling from `initialMs` up to `maxMs`. @defaultValue 250, 10 000 */
  pauseBackoff?: { initialMs?: number; maxMs?: number };
  /**
   * Called each time the consumer has joined its group and is about to fetch: after a start,
   * a restart or a rebalance, the moment facts can flow to the handler again.
   */
  onJoin?: () => void;
  /** The group session timeout; the broker refuses one outside its group.min/max.session.timeout.ms. @defaultValue 30 000 */
  sessionTimeoutMs?: number;
  /** Waits before starting a consumer again that kafkajs gave up on: doubling from `initialMs` up to `maxMs`. @defaultValue 1 000, 30 000 */
  restartBackoff?: { initialMs?: number; maxMs?: number };
}

export interface ConsumerRunner {
  /** The current kafkajs consumer (a new one after a crash kafkajs does not restart). */
  readonly consumer: Consumer;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True while consumption is paused because a dependency is unavailable: readiness fails. */
  isPaused(): boolean;
  /** Why the consumer is not running after a crash (it is being started again), or null. */
  crashed(): string | null;
}

type Outcome = { handled: true } | { handled: false; failure: FailureClass };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The indexes of a batch's messages grouped by key, each group in offset order, groups in order of first appearance. */
function lanesOf(messages: readonly KafkaMessage[]): number[][] {
  const lanes = new Map<string, number[]>();
  messages.forEach((message, index) => {
    const key = message.key?.toString('utf8') ?? '';
    const lane = lanes.get(key);
    if (lane) lane.push(index);
    else lanes.set(key, [index]);
  });
  return [...lanes.values()];
}

/**
 * What one batch's lanes share: which messages are handled, the offset commits that follow,
 * heartbeats, and why the batch stops early (the first dependency failure, a rebalance seen by
 * a heartbeat).
 */
function trackBatch(payload: EachBatchPayload, log: Logger, heartbeatEveryMs: number, onAdvance: (next: number) => void) {
  const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
  const { topic, partition, messages } = batch;
  const done = new Array<boolean>(messages.length).fill(false);
  let frontier = 0;
  const stop: { blocked: { msg: ConsumedMessage; failure: FailureClass } | null; aborted: unknown } = { blocked: null, aborted: null };
  let committing: Promise<void> | null = null;
  let beating: Promise<void> | null = null;
  const live = () => isRunning() && !isStale();
  const beat = async (): Promise<void> => {
    beating ??= heartbeat()
      .catch((err: unknown) => {
        // A rebalance: stop taking messages and let kafkajs rejoin with what was resolved.
        stop.aborted ??= err;
      })
      .finally(() => {
        beating = null;
      });
    await beating;
  };
  // Lanes beat as they finish, but when every lane of every partition waits on a slow store
  // none finishes for a while; the broker then drops the member, and the whole fetch is read
  // again after the rejoin. The clock keeps the session alive for as long as the batch runs.
  const keepAlive = setInterval(() => void beat(), heartbeatEveryMs);
  keepAlive.unref();
  return {
    stop,
    live,
    beat,
    /** Stops the batch's heartbeat clock; kafkajs beats itself between batches. */
    end(): void {
      clearInterval(keepAlive);
    },
    // Kafka keeps one position per partition: only the unbroken run of handled messages from
    // the start of the batch may be committed, whatever other keys have done past it.
    markDone(index: number): void {
      done[index] = true;
      const before = frontier;
      while (frontier < messages.length && done[frontier]) frontier++;
      if (frontier === before || !live()) return;
      onAdvance(Number(messages[frontier - 1]!.offset) + 1);
      resolveOffset(messages[frontier - 1]!.offset);
      committing ??= commitOffsetsIfNecessary()
        .catch((err: unknown) => log.warn({ err, topic, partition }, 'offset commit failed; it is retried with the next one'))
        .finally(() => {
          committing = null;
        });
    },
    /** The offset of the first message of the batch not handled yet (past its end when all were). */
    handledUpTo(): number {
      const last = frontier === 0 ? undefined : messages[frontier - 1];
      return last ? Number(last.offset) + 1 : Number(messages[0]?.offset ?? batch.highWatermark);
    },
    /** The commit under way, if any. */
    async committed(): Promise<void> {
      await committing;
    },
  };
}

/** What a consumer fetches per partition unless told otherwise (kafkajs alone: 1 MiB); see `fetchBytesPerPartition`. */
export const DEFAULT_FETCH_BYTES_PER_PARTITION = 8_388_608;

/**
 * At-least-once consumption with a dead-letter topic and no way for one message to stall the
 * rest. Every failure is classified (see `classifyFailure`):
 * - poison: the message alone goes to the dead-letter topic and counts as handled; later
 *   messages of its key still apply;
 * - unknown: retried in place a few times, then poison unless the dependencies stopped answering;
 * - dependency unavailable: nothing is dead-lettered; the consumer pauses every subscribed
 *   topic, probes `dependenciesReady` with backoff and resumes from the failed message.
 * Offsets are resolved only up to the first message not yet handled in its partition and
 * committed as they advance, so a crash or a pause redelivers only what was not handled (and
 * whatever later messages of other keys were applied past it, which handlers treat as
 * duplicates).
 */
export function createConsumerRunner(opts: ConsumerRunnerOptions): ConsumerRunner {
  const sessionTimeout = opts.sessionTimeoutMs ?? 30_000;
  const heartbeatInterval = Math.min(3000, Math.floor(sessionTimeout / 3));
  const fetchBytes = opts.fetchBytesPerPartition ?? DEFAULT_FETCH_BYTES_PER_PARTITION;
  // kafkajs caps a whole fetch at 10 MiB by default, which would cut larger per-partition batches.
  const fetchLimits = { maxBytesPerPartition: fetchBytes, maxBytes: Math.max(10_485_760, fetchBytes * Math.max(1, opts.partitionsConcurrently ?? 1)) };
  const makeConsumer = () => opts.kafka.consumer({ groupId: opts.groupId, sessionTimeout, heartbeatInterval, allowAutoTopicCreation: false, ...fetchLimits });
  let consumer = makeConsumer();
  const log = opts.logger.child({ component: 'consumer', groupId: opts.groupId });
  const processed = sharedCounter(opts.metrics, 'kafka_messages_processed_total', 'Kafka messages handled, by outcome (applied, dead-lettered, retried, paused)', ['topic', 'outcome']);
  const pausedGauge = sharedGauge(opts.metrics, 'kafka_consumer_paused', '1 while the consumer group is paused because a dependency is unavailable', ['group']);
  const restarts = sharedCounter(opts.metrics, 'kafka_consumer_restarts_total', 'Consumers started again by the service after a crash kafkajs would not restart', ['group']);
  // What a dashboard reads to see a consumer fall behind (reporting's counters after a burst,
  // sla after an outage) without asking the broker's admin API.
  const lagGauge = sharedGauge(opts.metrics, 'kafka_consumer_lag', 'Messages of a partition this instance owns not handled yet: its high watermark at the last fetch minus the next offset to handle', ['group', 'topic', 'partition']);
  const lagLabels = new Map<string, { group: string; topic: string; partition: string }>();
  /** The lag of one fetched batch's partition, given the next offset to handle; its labels are made once per batch. */
  const lagOfBatch = (topic: string, partition: number, highWatermark: string) => {
    const labels = { group: opts.groupId, topic, partition: String(partition) };
    lagLabels.set(`${topic}|${partition}`, labels);
    const end = Number(highWatermark);
    return (next: number) => lagGauge.set(labels, Math.max(0, end - next));
  };
  /** Forgets the partitions this member no longer owns, so a figure another member now reports is not also read here. */
  const keepLagOf = (owned: Record<string, number[]>) => {
    for (const [key, labels] of lagLabels) {
      if (owned[labels.topic]?.includes(Number(labels.partition))) continue;
      lagGauge.remove(labels);
      lagLabels.delete(key);
    }
  };
  const restartInitialMs = opts.restartBackoff?.initialMs ?? 1000;
  const restartMaxMs = opts.restartBackoff?.maxMs ?? 30_000;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const tries = Math.max(1, opts.unknownFailureTries ?? 3);
  const retryBackoffMs = opts.retryBackoffMs ?? 100;
  const pauseInitialMs = opts.pauseBackoff?.initialMs ?? 250;
  const pauseMaxMs = opts.pauseBackoff?.maxMs ?? 10_000;
  const allTopics = () => opts.topics.map((topic) => ({ topic }));

  let running = false;
  let paused = false;
  let pauseRound = 0;
  let probeTimer: NodeJS.Timeout | null = null;
  let crash: string | null = null;
  let crashRound = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  pausedGauge.set({ group: opts.groupId }, 0);

  async function dependenciesReady(): Promise<boolean> {
    if (!opts.dependenciesReady) return true;
    try {
      return await opts.dependenciesReady();
    } catch {
      return false;
    }
  }

  function pause(msg: ConsumedMessage, failure: FailureClass): void {
    if (!running) return;
    // After a crash kafkajs rebuilds its group state, which forgets an earlier pause.
    consumer.pause(allTopics());
    if (paused) return;
    paused = true;
    pausedGauge.set({ group: opts.groupId }, 1);
    log.warn(
      { topic: msg.topic, partition: msg.partition, offset: msg.message.offset, code: failure.code, dependency: failure.dependency, reason: failure.reason },
      'consumption paused: a dependency is unavailable; the message will be retried once it answers',
    );
    scheduleProbe();
  }

  function scheduleProbe(): void {
    const wait = Math.min(pauseMaxMs, pauseInitialMs * 2 ** Math.min(pauseRound, 30));
    pauseRound++;
    probeTimer = setTimeout(() => {
      probeTimer = null;
      void (async () => {
        const ready = await dependenciesReady();
        if (!running || !paused) return;
        if (!ready) {
          scheduleProbe();
          return;
        }
        try {
          consumer.resume(allTopics());
        } catch (err) {
          // A timer callback has nobody to throw to; the next probe tries again.
          log.warn({ err }, 'resuming the consumer failed');
          scheduleProbe();
          return;
        }
        paused = false;
        pausedGauge.set({ group: opts.groupId }, 0);
        log.info({ probes: pauseRound }, 'consumption resumed');
      })();
    }, wait);
  }

  async function deadLetter(msg: ConsumedMessage, failure: FailureClass): Promise<void> {
    const letter = {
      originalTopic: msg.topic,
      partition: msg.partition,
      offset: msg.message.offset,
      key: msg.message.key?.toString('utf8') ?? null,
      value: msg.message.value?.toString('utf8') ?? null,
      consumerGroup: opts.groupId,
      reason: failure.reason,
      errorCode: failure.code,
    };
    try {
      await publishDeadLetter(opts.producer, opts.deadLetterTopic, letter);
    } catch (err) {
      const shrunk = shrinkDeadLetter(letter);
      // Only a letter Kafka refused for its size is worth sending again cut; anything else is
      // the broker being away, and the caller pauses on it.
      if (classifyFailure(err).kind !== 'poison' || shrunk === letter) throw err;
      log.warn({ topic: msg.topic, partition: msg.partition, offset: msg.message.offset, size: letter.value?.length }, 'dead letter too large for Kafka; sending it with the value cut');
      await publishDeadLetter(opts.producer, opts.deadLetterTopic, shrunk);
    }
  }

  /** Handles one message to the end: applied, dead-lettered, or given back for a pause. */
  async function handleOne(msg: ConsumedMessage, stillWanted: () => boolean): Promise<Outcome> {
    const { topic, partition, message } = msg;
    for (let attempt = 1; ; attempt++) {
      let failure: FailureClass;
      try {
        await opts.handle(msg);
        processed.inc({ topic, outcome: 'applied' });
        return { handled: true };
      } catch (err) {
        failure = classifyFailure(err);
        if (failure.kind === 'unknown' && attempt < tries) {
          processed.inc({ topic, outcome: 'retried' });
          log.warn({ topic, partition, offset: message.offset, attempt, code: failure.code, reason: failure.reason }, 'message failed for an unknown reason, retrying it');
          await sleep(retryBackoffMs * 2 ** (attempt - 1));
          if (!stillWanted()) return { handled: false, failure };
          continue;
        }
        if (failure.kind === 'unknown') {
          // An outage the classifier could not name must not cost the message.
          failure = (await dependenciesReady())
            ? { ...failure, kind: 'poison', reason: `${failure.reason} (failed ${tries} times)` }
            : { ...failure, kind: 'dependency', dependency: 'other' };
        }
      }
      if (failure.kind === 'dependency') {
        processed.inc({ topic, outcome: 'paused' });
        return { handled: false, failure };
      }
      return settlePoison(msg, failure);
    }
  }

  /** Dead-letters a poison message, which then counts as handled; or gives it back for a pause. */
  async function settlePoison(msg: ConsumedMessage, failure: FailureClass): Promise<Outcome> {
    const { topic, partition, message } = msg;
    try {
      await deadLetter(msg, failure);
    } catch (err) {
      // The dead letter is the only copy left: without it the message waits, it is not dropped.
      const why = classifyFailure(err);
      log.error({ topic, partition, offset: message.offset, code: why.code, reason: why.reason }, 'dead letter could not be published');
      processed.inc({ topic, outcome: 'paused' });
      return { handled: false, failure: { ...why, kind: 'dependency', dependency: why.dependency ?? 'kafka' } };
    }
    processed.inc({ topic, outcome: 'dead-lettered' });
    log.warn({ topic, partition, offset: message.offset, code: failure.code, reason: failure.reason }, 'message dead-lettered');
    return { handled: true };
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    // Fetched before the pause: left unresolved, so it is fetched again after the resume.
    if (paused) {
      consumer.pause(allTopics());
      return;
    }
    const { topic, partition, messages, highWatermark } = payload.batch;
    // The lag moves as the handled run from the batch's start grows, not only when the batch
    // ends: a large fetch takes a while, and a dashboard would read a figure frozen meanwhile.
    const showLag = lagOfBatch(topic, partition, highWatermark);
    const progress = trackBatch(payload, log, heartbeatInterval, showLag);
    showLag(progress.handledUpTo());
    const { stop, markDone, beat } = progress;
    const stillWanted = () => progress.live() && !paused && stop.blocked === null && stop.aborted === null;
    const queue = lanesOf(messages);
    let next = 0;
    const worker = async () => {
      while (next < queue.length && stillWanted()) {
        const lane = queue[next++]!;
        const rest = await handleLane(lane);
        if (rest.length < lane.length) await beat();
        for (const index of rest) {
          // A later message of a key never applies while an earlier one waits for a retry.
          if (!stillWanted()) return;
          const msg = { topic, partition, message: messages[index]! };
          const outcome = await handleOne(msg, stillWanted);
          if (!outcome.handled) {
            if (outcome.failure.kind === 'dependency') stop.blocked ??= { msg, failure: outcome.failure };
            return;
          }
          pauseRound = 0;
          markDone(index);
          await beat();
        }
      }
    };
    /**
     * Settles the lane's messages that `handleLane` could settle in one go (applied, or poison
     * and dead-lettered) and gives back the indexes left to handle one by one: from the first
     * message with any other failure on, or all of them when it threw.
     */
    const handleLane = async (lane: number[]): Promise<number[]> => {
      if (!opts.handleLane || lane.length < 2) return lane;
      const msgs = lane.map((index) => ({ topic, partition, message: messages[index]! }));
      let results: ReadonlyArray<{ ok: true } | { error: unknown }>;
      try {
        results = await opts.handleLane(msgs);
      } catch (err) {
        log.debug({ topic, partition, err }, 'lane failed as a whole; its messages are handled one by one');
        return lane;
      }
      for (let i = 0; i < lane.length; i++) {
        const r = results[i];
        if (r === undefined || !stillWanted()) return lane.slice(i);
        if ('error' in r) {
          const failure = classifyFailure(r.error);
          if (failure.kind !== 'poison') return lane.slice(i);
          const outcome = await settlePoison(msgs[i]!, failure);
          if (!outcome.handled) {
            if (outcome.failure.kind === 'dependency') stop.blocked ??= { msg: msgs[i]!, failure: outcome.failure };
            return [];
          }
        } else {
          processed.inc({ topic, outcome: 'applied' });
        }
        markDone(lane[i]!);
      }
      return [];
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    } finally {
      progress.end();
      showLag(progress.handledUpTo());
    }
    await progress.committed();
    if (stop.aborted) throw stop.aborted;
    if (stop.blocked) pause(stop.blocked.msg, stop.blocked.failure);
  }

  /**
   * kafkajs restarts a consumer only after a retriable crash; after any other (a protocol error
   * it calls fatal, an error escaping a batch) the consumer has left its group for good while the
   * process looks healthy, and its partitions wait. Such a consumer is replaced by a new one,
   * with backoff, until one runs; readiness fails meanwhile.
   */
  const watchCrashes = (c: Consumer) => {
    c.on(c.events.CRASH, ({ payload }) => {
      if (payload.restart || !running || c !== consumer) return;
      crash = `${payload.error.name}: ${payload.error.message}`;
      log.error({ err: payload.error }, 'consumer crashed and kafkajs will not restart it; starting a new one');
      scheduleRestart();
    });
  };

  function scheduleRestart(): void {
    if (restartTimer || !running) return;
    const wait = Math.min(restartMaxMs, restartInitialMs * 2 ** Math.min(crashRound, 30));
    crashRound++;
    restartTimer = setTimeout(() => {
      restartTimer = null;
      void (async () => {
        if (!running) return;
        const dead = consumer;
        await dead.disconnect().catch(() => undefined);
        if (!running) return;
        consumer = makeConsumer();
        try {
          await run(consumer);
          restarts.inc({ group: opts.groupId });
          log.warn({ attempt: crashRound }, 'consumer started again after a crash');
          crash = null;
          crashRound = 0;
        } catch (err) {
          crash = `${(err as Error).name}: ${(err as Error).message}`;
          log.error({ err, attempt: crashRound }, 'starting the consumer again failed; trying later');
          scheduleRestart();
        }
      })();
    }, wait);
  }

  async function run(c: Consumer): Promise<void> {
    watchCrashes(c);
    c.on(c.events.GROUP_JOIN, ({ payload }) => {
      keepLagOf(payload.memberAssignment);
      opts.onJoin?.();
    });
    await c.connect();
    await c.subscribe({ topics: opts.topics, fromBeginning: true });
    await c.run({
      // kafkajs commits what was resolved after every batch and before a rebalance; the
      // interval lets long batches commit their handled prefix on the way.
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, opts.partitionsConcurrently ?? 1),
      eachBatch,
    });
  }

  return {
    get consumer() {
      return consumer;
    },
    isPaused: () => paused,
    crashed: () => crash,
    async start() {
      running = true;
      try {
        await run(consumer);
      } catch (err) {
        running = false;
        throw err;
      }
    },
    async stop() {
      if (!running) return;
      running = false;
      if (probeTimer) clearTimeout(probeTimer);
      probeTimer = null;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      paused = false;
      pausedGauge.set({ group: opts.groupId }, 0);
      await consumer.disconnect();
      keepLagOf({});
    },
  };
}

/** Parses a message value as JSON, or declares it poison. */
export function parseJsonValue(message: KafkaMessage): unknown {
  const raw = message.value?.toString('utf8');
  if (!raw) throw new PoisonMessageError('empty-message', 'message has no value');
  try {
    return JSON.parse(raw);
  } catch {
    throw new PoisonMessageError('malformed-json', 'message value is not valid JSON');
  }
}
