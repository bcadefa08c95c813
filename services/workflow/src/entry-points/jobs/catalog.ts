import { JOB_NAMES } from '@tthc/contracts';
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

export const expireUnknownJobV1 = z.object({ reason: z.string().default('schedule') });

/**
 * Every job the workflow service runs. Failed jobs are kept as evidence; the sweep is
 * repeatable, so a completed one is worth nothing once the next has run.
 */
export const workflowJobCatalog = {
  [JOB_NAMES.expireUnknownDossiers]: {
    schema: expireUnknownJobV1,
    options: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 100, removeOnFail: 1000 } satisfies JobsOptions,
  },
} as const;
