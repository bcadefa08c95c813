import { JOB_NAMES, expireUnknownJobV1 } from '@tthc/contracts';
import { defineJobCatalog } from '@tthc/platform';
import type { JobsOptions } from 'bullmq';

/**
 * Every job the workflow service runs (its maintenance queue). Failed jobs are kept as
 * evidence; the sweep is repeatable, so a completed one is worth nothing once the next has run.
 */
export const workflowMaintenanceJobs = defineJobCatalog({
  [JOB_NAMES.expireUnknownDossiers]: {
    schema: expireUnknownJobV1,
    options: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 100, removeOnFail: 1000 } satisfies JobsOptions,
  },
});
