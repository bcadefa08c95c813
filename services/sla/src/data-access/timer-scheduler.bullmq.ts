import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createBatcher } from '@tthc/platform';
import { JOB_NAMES, deadlineJobId, type CheckDeadlineJobV1 } from '@tthc/contracts';
import type { Clock, TimerRef, TimerScheduler } from '../domain/deadline';
import type { LoadedHorizon } from '../domain/reconcile-timers.use-case';

export const timerJobId = (t: TimerRef) => deadlineJobId(t.subjectCode, t.version, { deadlineKey: t.key, stage: t.stage, level: t.level });

/**
 * One delayed job per timer (deadline key, version, stage, level); a deadline holds one at a
 * time. Adding an existing job id is a no-op in BullMQ, which makes scheduling idempotent; a
 * changed due date gets a new version and thus a new job, and the old ones are removed (or,
 * if one already runs, it finds itself stale).
 */
export function createBullmqTimerScheduler(queue: Queue<CheckDeadlineJobV1>, clock: Clock): TimerScheduler {
  const job = (t: TimerRef, fireAt: Date) => ({
    name: JOB_NAMES.checkDeadline,
    data: { dossierCode: t.subjectCode, deadlineVersion: t.version, deadlineKey: t.key, stage: t.stage, level: t.level } satisfies CheckDeadlineJobV1,
    opts: { jobId: timerJobId(t), delay: Math.max(0, fireAt.getTime() - clock.now().getTime()) },
  });
  const add = async (t: TimerRef, fireAt: Date) => {
    const { name, data, opts } = job(t, fireAt);
    await queue.add(name, data, opts);
  };
  // The timers the consumer's lanes schedule together go to Redis in one addBulk pipeline
  // rather than one round trip per deadline.
  const addMany = createBatcher(async (groups: ReadonlyArray<ReadonlyArray<{ ref: TimerRef; fireAt: Date }>>) => {
    await queue.addBulk(groups.flat().map(({ ref, fireAt }) => job(ref, fireAt)));
    return groups.map(() => ({ value: undefined }));
  }, { dependency: 'redis' });
  return {
    async schedule(timers) {
      if (timers.length > 0) await addMany(timers);
    },
    async cancel(t) {
      // A running (locked) job cannot be removed; it re-reads the state and does nothing.
      await queue.remove(timerJobId(t)).catch(() => 0);
    },
    async ensure(t, fireAt) {
      const job = await queue.getJob(timerJobId(t));
      if (job) {
        const state = await job.getState();
        // Failed jobs are kept as evidence; reconciliation gives them another run.
        if (state === 'failed') {
          await job.retry('failed');
          return true;
        }
        // A job hash that no queue set holds never runs. Redis left one behind when it lost
        // the delayed set but not the hash (keys lost one by one rather than all at once, found
        // by the issue #5 acceptance test); trusting it would lose the alert for good.
        if (state === 'unknown') {
          await job.remove();
          await add(t, fireAt);
          return true;
        }
        // Held for a later instant than planned: a calendar version moved the stage earlier
        // after the job was queued. One held too early only waits again when it fires.
        if (state === 'delayed' && job.timestamp + job.delay > fireAt.getTime() + 1000) {
          await job.changeDelay(Math.max(0, fireAt.getTime() - clock.now().getTime()));
          return true;
        }
        return false;
      }
      await add(t, fireAt);
      return true;
    },
  };
}

// Sets the mark only forward: two instances' passes may finish in either order.
const ADVANCE_SCRIPT = "local held = tonumber(redis.call('GET', KEYS[1]) or '0') if held < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 0";

/**
 * The loader's mark in the timers' queue (under its prefix, so a Redis Cluster hash tag holds
 * it with them): a Redis that lost the timers lost the mark too.
 */
export function createRedisLoadedHorizon(queue: Queue, redis: Redis): LoadedHorizon {
  const key = queue.toKey('loaded-until');
  return {
    async get() {
      const held = Number(await redis.get(key));
      return Number.isFinite(held) && held > 0 ? new Date(held) : null;
    },
    async advance(until) {
      await redis.eval(ADVANCE_SCRIPT, 1, key, String(until.getTime()));
    },
  };
}
