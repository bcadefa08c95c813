import { JOB_NAMES, checkDeadlineJobV1 } from '@tthc/contracts';
import type { JobsOptions } from 'bullmq';

/**
 * Every job the SLA service runs, with its payload schema and retry policy. Failed jobs are
 * kept (`removeOnFail: false`) as evidence; completed ones are dropped so Redis holds only
 * open deadlines.
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
} as const;

export type SlaJobName = keyof typeof slaJobCatalog;
