import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '@tthc/platform';

export type MaintenanceHandler = (job: Job) => Promise<unknown>;

/**
 * The one worker of the maintenance queue dispatches by job name, so each repeatable job
 * (timer reconciliation, delay counts, …) adds a handler rather than a worker.
 */
export function maintenanceProcessor(handlers: Record<string, MaintenanceHandler>, logger: Logger) {
  return async (job: Job): Promise<unknown> => {
    const handle = handlers[job.name];
    if (!handle) throw new UnrecoverableError(`unknown job ${job.name}`);
    try {
      return await handle(job);
    } catch (err) {
      logger.warn({ job: job.name, err: (err as Error).message }, 'maintenance job failed');
      throw err;
    }
  };
}
