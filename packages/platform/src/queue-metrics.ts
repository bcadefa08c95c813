import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { sharedCounter, sharedGauge, type Metrics } from './metrics';

/**
 * The part of a BullMQ `Queue` read here. Structural, so that this package need not depend on
 * BullMQ; a `Queue` of any job type fits.
 */
export interface MeasuredQueue {
  readonly name: string;
  /** BullMQ's key map; `delayed` is the sorted set of delayed jobs. */
  readonly keys: Readonly<Record<string, string>>;
  getJobCounts(...types: CountedState[]): Promise<Record<string, number>>;
  getWaiting(start?: number, end?: number): Promise<Array<{ timestamp: number; processedOn?: number; opts: { delay?: number } } | undefined>>;
}

export interface QueueMetricsOptions {
  metrics: Metrics;
  /** A connection to the Redis holding the queues. */
  redis: Redis;
  queues: MeasuredQueue[];
  /** How often the figures are read (5000). */
  intervalMs?: number;
  logger?: Logger;
}

/** Stops the refresh; also `refresh()` to read the figures now (tests, before a scrape). */
export type StopQueueMetrics = (() => Promise<void>) & { refresh(): Promise<void> };

const COUNTED_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children', 'failed', 'completed'] as const;
type CountedState = (typeof COUNTED_STATES)[number];

/** Delayed-set scores are the firing instant in ms times 0x1000 plus a tie-breaker (BullMQ 5). */
const DELAYED_SCORE_FACTOR = 0x1000;

function usedMemory(info: string): { used: number | null; max: number | null } {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info);
    return m ? Number(m[1]) : null;
  };
  return { used: field('used_memory'), max: field('maxmemory') };
}

/**
 * Redis memory and the backlog of BullMQ queues as Prometheus gauges, read every few seconds
 * (not on scrape, so an unreachable Redis never makes `/metrics` hang):
 *
 * - `redis_used_memory_bytes`, `redis_maxmemory_bytes` (0 = no limit): with `noeviction` a full
 *   Redis refuses every write, timers included;
 * - `bullmq_queue_jobs{queue,state}`: BullMQ's counts, plus `delayed-due`, delayed jobs whose
 *   instant has passed but that no worker has promoted. That is the real backlog of a timer
 *   queue: with its workers stopped or saturated the waiting list stays empty and the due
 *   timers pile up in the delayed set;
 * - `bullmq_oldest_waiting_job_seconds{queue}`: how long the oldest runnable job has waited,
 *   from the oldest waiting job and the oldest due delayed job (0 when none).
 *
 * Call once per service and registry, after the queues exist.
 */
export function registerQueueMetrics(opts: QueueMetricsOptions): StopQueueMetrics {
  const { metrics, redis } = opts;
  const used = sharedGauge(metrics, 'redis_used_memory_bytes', 'Memory used by Redis (INFO used_memory)');
  const max = sharedGauge(metrics, 'redis_maxmemory_bytes', 'Redis memory limit (INFO maxmemory; 0 = none)');
  const jobs = sharedGauge(metrics, 'bullmq_queue_jobs', 'Jobs per BullMQ queue and state (delayed-due: delayed past their instant)', ['queue', 'state']);
  const oldest = sharedGauge(metrics, 'bullmq_oldest_waiting_job_seconds', 'Age of the oldest runnable job per BullMQ queue (waiting, or delayed past its instant)', ['queue']);
  const failures = sharedCounter(metrics, 'queue_metrics_refresh_failures_total', 'Failed reads of Redis and queue figures');

  async function measureQueue(queue: MeasuredQueue, now: number): Promise<void> {
    const delayedKey = queue.keys['delayed'];
    if (!delayedKey) throw new Error(`queue ${queue.name} has no delayed key`);
    const [counts, [head], delayedHead, delayedDue] = await Promise.all([
      queue.getJobCounts(...COUNTED_STATES),
      queue.getWaiting(0, 0),
      redis.zrange(delayedKey, 0, 0, 'WITHSCORES'),
      redis.zcount(delayedKey, 0, (now + 1) * DELAYED_SCORE_FACTOR - 1),
    ]);
    for (const state of COUNTED_STATES) jobs.set({ queue: queue.name, state }, counts[state] ?? 0);
    jobs.set({ queue: queue.name, state: 'delayed-due' }, delayedDue);
    // A promoted job keeps its creation time and loses its delay, so the instant it became
    // runnable is estimated: its planned instant, or its last attempt for a retried job (an
    // upper bound on the wait by at most the retry backoff).
    const waitingSince = head ? Math.max(head.timestamp + (head.opts.delay ?? 0), head.processedOn ?? 0) : null;
    const dueSince = delayedHead.length === 2 ? Math.floor(Number(delayedHead[1]) / DELAYED_SCORE_FACTOR) : null;
    const ages = [waitingSince, dueSince].filter((t): t is number => t !== null && t <= now).map((t) => (now - t) / 1000);
    oldest.set({ queue: queue.name }, ages.length ? Math.max(...ages) : 0);
  }

  async function measureAll(): Promise<void> {
    try {
      const now = Date.now();
      const [info] = await Promise.all([redis.info('memory'), ...opts.queues.map((q) => measureQueue(q, now))]);
      const memory = usedMemory(info);
      if (memory.used !== null) used.set(memory.used);
      if (memory.max !== null) max.set(memory.max);
    } catch (err) {
      failures.inc();
      opts.logger?.debug({ err: (err as Error).message }, 'cannot read queue metrics');
    }
  }

  // Reads run one after another, so a refresh asked for now reflects now, not a read already
  // under way; the timer skips its turn while one is running, so a slow Redis cannot queue them up.
  let busy = 0;
  let tail: Promise<void> = Promise.resolve();
  const refresh = (): Promise<void> => {
    busy += 1;
    tail = tail.then(measureAll).finally(() => (busy -= 1));
    return tail;
  };

  void refresh();
  const timer = setInterval(() => {
    if (busy === 0) void refresh();
  }, opts.intervalMs ?? 5000);
  timer.unref();
  const stop = async () => {
    clearInterval(timer);
    await tail;
  };
  return Object.assign(stop, { refresh });
}
