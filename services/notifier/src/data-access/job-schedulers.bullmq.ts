import type { Job, JobsOptions, Queue } from 'bullmq';
import { JOB_NAMES } from '@tthc/contracts';
import type { Clock, DeliveryScheduler, EscalationScheduler, RecurringSchedules } from '../domain/notification';

const delayUntil = (at: Date, clock: Clock) => Math.max(0, at.getTime() - clock.now().getTime());

/**
 * Makes sure the job `jobId` will run. A waiting, delayed or active job is left alone. A job
 * that finished while its record is still open is replaced: a completed one (it ran before the
 * record changed, or its outcome was never stored), a failed one (given another round), and one
 * whose hash no queue set holds (Redis lost keys one by one: it would never run).
 */
async function ensureJob(queue: Queue, jobId: string, add: () => Promise<unknown>): Promise<boolean> {
  const job: Job | undefined = await queue.getJob(jobId);
  if (!job) {
    await add();
    return true;
  }
  const state = await job.getState();
  if (state === 'failed') {
    await job.retry('failed', { resetAttemptsMade: true });
    return true;
  }
  if (state === 'completed' || state === 'unknown') {
    // A job a worker holds cannot be removed; it is running, which is what we want.
    const removed = await job.remove().then(
      () => true,
      () => false,
    );
    if (!removed) return false;
    await add();
    return true;
  }
  return false;
}

/** The job id is the delivery id: BullMQ ignores a second add while the first job exists. */
export function createBullmqDeliveryScheduler(queue: Queue, clock: Clock): DeliveryScheduler {
  const add = (deliveryId: string, at: Date) => queue.add(JOB_NAMES.deliverMessage, { deliveryId }, { jobId: deliveryId, delay: delayUntil(at, clock) });
  return {
    async enqueue(deliveryId, at) {
      await add(deliveryId, at);
    },
    ensure: (deliveryId, at) => ensureJob(queue, deliveryId, () => add(deliveryId, at)),
  };
}

export function escalationJobId(alertId: string, level: number): string {
  return `escalate.${encodeURIComponent(alertId)}.l${level}`;
}

export function createBullmqEscalationScheduler(queue: Queue, clock: Clock): EscalationScheduler {
  const add = (alertId: string, level: number, at: Date) =>
    queue.add(JOB_NAMES.checkEscalations, { alertId, level }, { jobId: escalationJobId(alertId, level), delay: delayUntil(at, clock) });
  return {
    async scheduleCheck(alertId, level, at) {
      await add(alertId, level, at);
    },
    ensureCheck: (alertId, level, at) => ensureJob(queue, escalationJobId(alertId, level), () => add(alertId, level, at)),
  };
}

export const DIGEST_SCHEDULER_ID = 'notifier.morning-digest';

export const digestCatchUpJobId = (localDate: string) => `digest.catch-up.${localDate}`;

/**
 * The morning digest's job scheduler. It lives in Redis only, so whoever starts or reconciles
 * puts it (back) in place; an upsert with the same settings changes nothing.
 */
export function createDigestSchedule(queue: Queue, opts: { at: string; timezone: string; jobOptions: JobsOptions }): RecurringSchedules & { ensureRun(localDate: string): Promise<boolean> } {
  const [hour, minute] = opts.at.split(':').map(Number);
  return {
    async ensure() {
      const existed = (await queue.getJobScheduler(DIGEST_SCHEDULER_ID)) !== undefined;
      // Fires every morning; the job itself skips subscribers whose calendar has a day off,
      // which also covers make-up Saturdays (a weekday-only pattern would miss them).
      await queue.upsertJobScheduler(
        DIGEST_SCHEDULER_ID,
        { pattern: `${minute} ${hour} * * *`, tz: opts.timezone },
        { name: JOB_NAMES.sendDigests, data: { reason: 'schedule' }, opts: opts.jobOptions },
      );
      return existed ? [] : [DIGEST_SCHEDULER_ID];
    },
    ensureRun: (localDate) =>
      ensureJob(queue, digestCatchUpJobId(localDate), () => queue.add(JOB_NAMES.sendDigests, { reason: 'catch-up' }, { ...opts.jobOptions, jobId: digestCatchUpJobId(localDate) })),
  };
}

/** No schedules when digests are off. */
export const noSchedules: RecurringSchedules = { ensure: async () => [] };
