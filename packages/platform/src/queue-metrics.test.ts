import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createMetrics } from './metrics';
import { registerQueueMetrics } from './queue-metrics';

const redisUrl = () => {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run through the root jest config');
  return url;
};

/** The value of one sample of the registry's text output, or NaN when absent. */
async function sample(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await metrics.registry.metrics();
  const wanted = Object.entries({ ...labels, service: 'qm-test' });
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (wanted.every(([k, v]) => got[k] === v) && Object.keys(got).length === wanted.length) return Number(m[3]);
  }
  return Number.NaN;
}

describe('queue metrics on the real Redis', () => {
  const prefix = `qm-${randomBytes(4).toString('hex')}`;
  let redis: Redis;
  let timers: Queue;
  let other: Queue;

  beforeAll(() => {
    redis = new Redis(redisUrl());
    timers = new Queue('timers', { connection: redis, prefix });
    other = new Queue('other', { connection: redis, prefix });
  });
  afterAll(async () => {
    await timers.obliterate({ force: true }).catch(() => undefined);
    await other.obliterate({ force: true }).catch(() => undefined);
    await timers.close();
    await other.close();
    redis.disconnect();
  });

  test('when a timer queue has waiting jobs, future timers and a timer past its instant with no worker, then the gauges count each state and age the oldest runnable job', async () => {
    const start = Date.now();
    await timers.add('t', { n: 1 });
    await timers.add('t', { n: 2 });
    await timers.add('t', { n: 3 }, { delay: 3600_000 });
    const due = await timers.add('t', { n: 4 }, { delay: 20 });
    // No worker runs, so nothing promotes the timer: it stays in the delayed set past its instant.
    while (Date.now() <= due.timestamp + 20) await new Promise((r) => setImmediate(r));

    const metrics = createMetrics('qm-test');
    const stop = registerQueueMetrics({ metrics, redis, queues: [timers, other], intervalMs: 60_000 });
    await stop.refresh();
    const elapsed = (Date.now() - start) / 1000;

    expect(await sample(metrics, 'bullmq_queue_jobs', { queue: 'timers', state: 'waiting' })).toBe(2);
    expect(await sample(metrics, 'bullmq_queue_jobs', { queue: 'timers', state: 'delayed' })).toBe(2);
    expect(await sample(metrics, 'bullmq_queue_jobs', { queue: 'timers', state: 'delayed-due' })).toBe(1);
    expect(await sample(metrics, 'bullmq_queue_jobs', { queue: 'timers', state: 'failed' })).toBe(0);
    const oldest = await sample(metrics, 'bullmq_oldest_waiting_job_seconds', { queue: 'timers' });
    expect(oldest).toBeGreaterThan(0);
    expect(oldest).toBeLessThanOrEqual(elapsed);
    expect(await sample(metrics, 'bullmq_oldest_waiting_job_seconds', { queue: 'other' })).toBe(0);
    expect(await sample(metrics, 'bullmq_queue_jobs', { queue: 'other', state: 'waiting' })).toBe(0);
    expect(await sample(metrics, 'redis_used_memory_bytes')).toBeGreaterThan(0);
    expect(await sample(metrics, 'redis_maxmemory_bytes')).toBeGreaterThanOrEqual(0);
    await stop();
  });

  test('when only future timers are queued, then the oldest runnable age is zero', async () => {
    const q = new Queue('future', { connection: redis, prefix });
    try {
      await q.add('t', {}, { delay: 3600_000 });
      const metrics = createMetrics('qm-test');
      const stop = registerQueueMetrics({ metrics, redis, queues: [q], intervalMs: 60_000 });
      await stop.refresh();
      await stop();
      expect(await sample(metrics, 'bullmq_queue_jobs', { queue: 'future', state: 'delayed' })).toBe(1);
      expect(await sample(metrics, 'bullmq_queue_jobs', { queue: 'future', state: 'delayed-due' })).toBe(0);
      expect(await sample(metrics, 'bullmq_oldest_waiting_job_seconds', { queue: 'future' })).toBe(0);
    } finally {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  });

  test('when Redis cannot be read, then a refresh counts a failure instead of throwing and the last figures stay', async () => {
    const metrics = createMetrics('qm-test');
    const lost = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 0 });
    const stop = registerQueueMetrics({ metrics, redis, queues: [timers], intervalMs: 60_000 });
    await stop.refresh();
    await stop();
    const before = await sample(metrics, 'bullmq_queue_jobs', { queue: 'timers', state: 'waiting' });

    lost.disconnect();
    const broken = registerQueueMetrics({ metrics, redis: lost, queues: [timers], intervalMs: 60_000 });
    await broken.refresh();
    await broken();
    expect(await sample(metrics, 'queue_metrics_refresh_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await sample(metrics, 'bullmq_queue_jobs', { queue: 'timers', state: 'waiting' })).toBe(before);
  });
});
