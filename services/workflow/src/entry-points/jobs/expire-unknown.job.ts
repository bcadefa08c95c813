import { JOB_NAMES } from '@tthc/contracts';
import { jobProcessor, type Logger, type Metrics } from '@tthc/platform';
import { expireUnknownSubjects, type FactDeadLetters, type UnknownSubjectStore } from '../../domain/expire-unknown.use-case';
import { workflowMaintenanceJobs } from './catalog';

export function expireUnknownProcessor(deps: { store: UnknownSubjectStore; deadLetters: FactDeadLetters; graceSeconds: number; logger: Logger; metrics: Metrics }) {
  const expired = deps.metrics.counter('workflow_unknown_subjects_expired_total', 'Subjects dead-lettered for want of a reception');
  return jobProcessor(workflowMaintenanceJobs, {
    async [JOB_NAMES.expireUnknownDossiers]() {
      const result = await expireUnknownSubjects({ now: new Date(), graceSeconds: deps.graceSeconds }, deps);
      expired.inc(result.expired.length);
      if (result.expired.length > 0) deps.logger.warn({ codes: result.expired }, 'unknown subjects dead-lettered');
      return { expired: result.expired.length, kept: result.kept.length };
    },
  });
}
