import { z } from 'zod';
import type { JobsOptions, KeepJobs } from 'bullmq';
import { JOB_NAMES } from '@tthc/contracts';

/** Payloads carry references only; the delivery record and the alert live in MongoDB. */
export const deliverMessageJob = z.object({
  deliveryId: z.string().min(1),
  // Set by a run that sent the message but could not store `sent`: the retry only stores it.
  sentAt: z.iso.datetime().optional(),
});
export const checkEscalationJob = z.object({ alertId: z.string().min(1), level: z.number().int().min(1) });
export const sendDigestsJob = z.object({ reason: z.string().default('schedule') });

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * What Redis keeps of finished jobs. Production Redis runs `noeviction`, so anything kept
 * forever ends in refused writes; the outcome of every message is in MongoDB (`deliveries`,
 * `alert_acks`) anyway. Failed jobs stay a week for inspection (`bull-board`, `getFailed`),
 * at most this many per queue; completed ones a day.
 */
export const KEEP_COMPLETED: KeepJobs = { age: DAY, count: 1000 };
export const KEEP_FAILED: KeepJobs = { age: 7 * DAY, count: 5000 };

/** Every job of the notifier with its payload schema, retry policy and retention. */
export function notifierJobCatalog(opts: { deliveryAttempts: number; deliveryBackoffMs: number }) {
  return {
    [JOB_NAMES.deliverMessage]: {
      schema: deliverMessageJob,
      options: {
        attempts: opts.deliveryAttempts,
        backoff: { type: 'exponential', delay: opts.deliveryBackoffMs },
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      } satisfies JobsOptions,
    },
    [JOB_NAMES.checkEscalations]: {
      schema: checkEscalationJob,
      options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED } satisfies JobsOptions,
    },
    [JOB_NAMES.sendDigests]: {
      schema: sendDigestsJob,
      options: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: { age: 7 * DAY, count: 100 }, removeOnFail: { age: 7 * DAY, count: 100 } } satisfies JobsOptions,
    },
  } as const;
}
