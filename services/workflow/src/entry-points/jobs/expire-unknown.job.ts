import { UnrecoverableError, type Job } from 'bullmq';
import { JOB_NAMES } from '@tthc/contracts';
import type { Logger, Metrics } from '@tthc/platform';
import { expireUnknownSubjects, type FactDeadLetters, type UnknownSubjectStore } from '../../domain/expire-unknown.use-case';
import { workflowJobCatalog } from './catalog';

export function expireUnknownProcessor(deps: { store: UnknownSubjectStore; deadLetters: FactDeadLetters; graceSeconds: number; logger: Logger; metrics: Metrics }) {
  const expired = deps.metrics.counter('workflow_unknown_subjects_expired_total', 'Subjects dead-lettered for want of a reception');
  return async (job: Job): Promise<{ expired: number; kept: number }> => {
    if (job.name !== JOB_NAMES.expireUnknownDossiers) throw new UnrecoverableError(`unknown job ${job.name}`);
    const payload = workflowJobCatalog[JOB_NAMES.expireUnknownDossiers].schema.safeParse(job.data ?? {});
    if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
    const result = await expireUnknownSubjects({ now: new Date(), graceSeconds: deps.graceSeconds }, deps);
    expired.inc(result.expired.length);
    if (result.expired.length > 0) deps.logger.warn({ codes: result.expired }, 'unknown subjects dead-lettered');
    return { expired: result.expired.length, kept: result.kept.length };
  };
}
