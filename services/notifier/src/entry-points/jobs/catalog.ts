import type { JobsOptions, KeepJobs } from 'bullmq';
import { JOB_NAMES, checkEscalationJobV1, deliverMessageJobV1, sendDigestsJobV1 } from '@tthc/contracts';
import { defineJobCatalog, type JobHandlers } from '@tthc/platform';

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

/**
 * The delivery queue's job. Its attempts and backoff are the defaults of DELIVERY_ATTEMPTS and
 * DELIVERY_BACKOFF_MS; app.ts queues with the configured ones.
 */
export const notifierDeliveryJobs = defineJobCatalog({
  [JOB_NAMES.deliverMessage]: {
    schema: deliverMessageJobV1,
    options: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 15_000 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    } satisfies JobsOptions,
  },
});

/** The maintenance queue's jobs: acknowledgement deadlines and the morning digest. */
export const notifierMaintenanceJobs = defineJobCatalog({
  [JOB_NAMES.checkEscalations]: {
    schema: checkEscalationJobV1,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED } satisfies JobsOptions,
  },
  [JOB_NAMES.sendDigests]: {
    schema: sendDigestsJobV1,
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: { age: 7 * DAY, count: 100 }, removeOnFail: { age: 7 * DAY, count: 100 } } satisfies JobsOptions,
  },
});

export type NotifierMaintenanceHandlers = JobHandlers<typeof notifierMaintenanceJobs>;
