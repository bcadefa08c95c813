import { UnrecoverableError, type Job } from 'bullmq';
import { JOB_NAMES } from '@tthc/contracts';
import type { Logger, Metrics } from '@tthc/platform';
import { checkEscalation, type NotifyDeps } from '../../domain/notify-alert.use-case';
import { sendDigests, type DigestDeps } from '../../domain/send-digests.use-case';
import { checkEscalationJob, sendDigestsJob } from './catalog';

/** The notifier's maintenance queue: acknowledgement deadlines and the morning digest. */
export function maintenanceProcessor(deps: NotifyDeps & DigestDeps & { logger: Logger; metrics: Metrics }) {
  const escalations = deps.metrics.counter('notifier_escalation_checks_total', 'Acknowledgement deadlines reached', ['outcome']);
  const digests = deps.metrics.counter('notifier_digest_runs_total', 'Digest runs', ['outcome']);

  return async (job: Job): Promise<unknown> => {
    if (job.name === JOB_NAMES.checkEscalations) {
      const payload = checkEscalationJob.safeParse(job.data);
      if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
      const outcome = await checkEscalation(payload.data, deps);
      escalations.inc({ outcome });
      if (outcome === 'escalated') deps.logger.info({ alertId: payload.data.alertId, level: payload.data.level }, 'alert escalated: not acknowledged in time');
      return outcome;
    }
    if (job.name === JOB_NAMES.sendDigests) {
      const payload = sendDigestsJob.safeParse(job.data ?? {});
      if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
      const outcome = await sendDigests(deps);
      digests.inc({ outcome: outcome.queued > 0 ? 'queued' : 'nothing' });
      deps.logger.info({ ...outcome, reason: payload.data.reason }, 'digest run');
      return outcome;
    }
    throw new UnrecoverableError(`unknown job ${job.name}`);
  };
}
