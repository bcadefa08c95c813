import { z } from 'zod';
import type { JobsOptions } from 'bullmq';
import { JOB_NAMES } from '@tthc/contracts';

/** Payloads carry references only; the delivery record and the alert live in MongoDB. */
export const deliverMessageJob = z.object({ deliveryId: z.string().min(1) });
export const checkEscalationJob = z.object({ alertId: z.string().min(1), level: z.number().int().min(1) });
export const sendDigestsJob = z.object({ reason: z.string().default('schedule') });

/**
 * Every job of the notifier with its payload schema and retry policy. Failed jobs are kept as
 * evidence; the delivery record carries the outcome as well.
 */
export function notifierJobCatalog(opts: { deliveryAttempts: number; deliveryBackoffMs: number }) {
  return {
    [JOB_NAMES.deliverMessage]: {
      schema: deliverMessageJob,
      options: {
        attempts: opts.deliveryAttempts,
        backoff: { type: 'exponential', delay: opts.deliveryBackoffMs },
        removeOnComplete: 1000,
        removeOnFail: false,
      } satisfies JobsOptions,
    },
    [JOB_NAMES.checkEscalations]: {
      schema: checkEscalationJob,
      options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: false } satisfies JobsOptions,
    },
    [JOB_NAMES.sendDigests]: {
      schema: sendDigestsJob,
      options: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 100, removeOnFail: false } satisfies JobsOptions,
    },
  } as const;
}
