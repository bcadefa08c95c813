import type { Job } from 'bullmq';
import { jobProcessor, type Logger } from '@tthc/platform';
import { slaMaintenanceJobs, type SlaMaintenanceHandlers } from './catalog';

/**
 * The one worker of the maintenance queue dispatches by job name, so each repeatable job
 * (timer reconciliation, delay counts, …) adds a handler rather than a worker.
 */
export function maintenanceProcessor(handlers: SlaMaintenanceHandlers, logger: Logger) {
  const dispatch = jobProcessor(slaMaintenanceJobs, handlers);
  return async (job: Job): Promise<unknown> => {
    try {
      return await dispatch(job);
    } catch (err) {
      logger.warn({ job: job.name, err: (err as Error).message }, 'maintenance job failed');
      throw err;
    }
  };
}
