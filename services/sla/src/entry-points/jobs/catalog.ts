import { JOB_NAMES, checkDeadlineJobV1, publishDelayCountsJobV1, reconcileTimersJobV1 } from '@tthc/contracts';
import { defineJobCatalog, type JobHandlers } from '@tthc/platform';
import type { JobsOptions } from 'bullmq';

const HOUR = 3600;
const WEEK = 7 * 24 * HOUR;

/**
 * Every job the SLA service runs, by queue, with its payload schema and retry policy.
 *
 * Redis runs with `noeviction`, so whatever is kept must be bounded: a job kept forever
 * eventually turns every write into an OOM error, timers included. Failed jobs stay a week (long
 * enough to be looked at; reconciliation gives a failed timer another run while its deadline
 * is open) and at most a fixed number per queue; completed timers are dropped at once so Redis
 * holds only pending timers.
 */
export const slaDeadlineJobs = defineJobCatalog({
  [JOB_NAMES.checkDeadline]: {
    schema: checkDeadlineJobV1,
    // Retries cover MongoDB being away, since storing the alert is all a firing waits for
    // (Kafka is the relay's business). Past the last attempt reconciliation retries it.
    options: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: WEEK, count: 10_000 },
    } satisfies JobsOptions,
  },
});

/** Maintenance jobs keep a bounded history of their runs. */
const maintenanceRetention = { removeOnComplete: { age: HOUR, count: 100 }, removeOnFail: { age: WEEK, count: 100 } } satisfies JobsOptions;

/** The maintenance queue's repeatable jobs; its one worker dispatches by job name. */
export const slaMaintenanceJobs = defineJobCatalog({
  [JOB_NAMES.reconcileTimers]: {
    schema: reconcileTimersJobV1,
    // The next scheduled run repeats the work, so a failed run is not retried.
    options: { attempts: 1, ...maintenanceRetention } satisfies JobsOptions,
  },
  [JOB_NAMES.publishDelayCounts]: {
    schema: publishDelayCountsJobV1,
    // The next scheduled run repeats the work, so a failed run is not retried.
    options: { attempts: 1, ...maintenanceRetention } satisfies JobsOptions,
  },
});

export type SlaMaintenanceHandlers = JobHandlers<typeof slaMaintenanceJobs>;
