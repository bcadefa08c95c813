import { JOB_NAMES, checkDeadlineJobV1, reconcileTimersJobV1 } from '@tthc/contracts';
import type { JobsOptions } from 'bullmq';

/**
 * Every job the SLA service runs, with its payload schema and retry policy. Failed jobs are
 * kept (`removeOnFail: false`) as evidence; completed ones are dropped so Redis holds only
 * pending timers.
 */
export const slaJobCatalog = {
  [JOB_NAMES.checkDeadline]: {
    schema: checkDeadlineJobV1,
    options: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: false,
    } satisfies JobsOptions,
  },
  [JOB_NAMES.reconcileTimers]: {
    schema: reconcileTimersJobV1,
    // The next scheduled run repeats the work, so a failed run is not retried.
    options: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } satisfies JobsOptions,
  },
} as const;

export type SlaJobName = keyof typeof slaJobCatalog;
