import { UnrecoverableError, type Job, type JobsOptions } from 'bullmq';
import type { z } from 'zod';

/** One job of a queue: the schema its payload is read with and the options it is queued with. */
export interface JobSpec<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly options: JobsOptions;
}

/** The jobs of one queue by job name (`JOB_NAMES`); the names and payloads are wire formats. */
export type JobCatalog = Readonly<Record<string, JobSpec>>;

/** Keeps the literal names and each schema's type, which `JobHandlers` is derived from. */
export function defineJobCatalog<const C extends JobCatalog>(catalog: C): C {
  return catalog;
}

export type JobPayload<C extends JobCatalog, N extends keyof C> = z.output<C[N]['schema']>;

export type JobHandler<P> = (payload: P, job: Job, token?: string) => Promise<unknown>;

/** One handler per job of the catalog: a job left without one does not compile. */
export type JobHandlers<C extends JobCatalog> = { [N in keyof C]: JobHandler<JobPayload<C, N>> };

/**
 * The processor of a queue's worker: dispatches by job name and hands the handler the payload
 * as the catalog's schema reads it (defaults of later releases filled in). A job of another
 * name, or a payload the schema refuses, never succeeds, so neither is retried. Handlers are
 * looked up per job, so the table may be filled in after the worker exists.
 */
export function jobProcessor<C extends JobCatalog>(catalog: C, handlers: JobHandlers<C>): (job: Job, token?: string) => Promise<unknown> {
  const table = handlers as Readonly<Record<string, JobHandler<unknown> | undefined>>;
  return async (job, token) => {
    const spec = Object.hasOwn(catalog, job.name) ? catalog[job.name] : undefined;
    const handle = Object.hasOwn(table, job.name) ? table[job.name] : undefined;
    if (!spec || !handle) throw new UnrecoverableError(`unknown job ${job.name}`);
    const payload = spec.schema.safeParse(job.data ?? {});
    if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
    return handle(payload.data, job, token);
  };
}
